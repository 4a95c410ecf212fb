import type { Command } from 'commander';

/** `--monitor-*` of quick and run: the system under test, sampled while the load runs. */
export function addMonitorOptions(c: Command): Command {
  return c
    .option('--monitor-pid <pid>', "sample this running process's memory, CPU, threads and open files")
    .option(
      '--monitor-cmd <command>',
      'start the service under test with this command, wait until it is ready, sample it, stop it after',
    )
    .option('--monitor-tree', 'with --monitor-pid: sum the process and its child processes (a cluster)')
    .option(
      '--monitor-ready <url>',
      "with --monitor-cmd: ready once this URL answers below 500 (default: once the target's port accepts)",
    )
    .option(
      '--monitor-ready-timeout <d>',
      'with --monitor-cmd: how long to wait until it is ready (default 30s)',
    )
    .option('--monitor-interval <d>', 'time between samples (default 1s)')
    .option(
      '--monitor-warmup <d>',
      'time at the start left out of the leak trend (default 10% of the run, at least 10s)',
    );
}
