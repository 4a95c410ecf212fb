import type { Command } from 'commander';
import { badFlag } from '../errors/index.js';

/**
 * A parser for a pid flag given at most once: commander would keep the last of two silently,
 * and the user would watch one process believing both were watched.
 */
export function onePid(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined && previous !== value) {
      throw badFlag(
        flag,
        `${flag} was given twice (${previous} and ${value}); squall watches one process and its child ` +
          `processes: give one ${flag}, the parent of the others`,
      );
    }
    return value;
  };
}

/** `--monitor-*` of quick and run: the system under test, sampled while the load runs. */
export function addMonitorOptions(c: Command): Command {
  return c
    .option(
      '--monitor-pid <pid>',
      "sample this running process's memory, CPU, threads and open files",
      onePid('--monitor-pid'),
    )
    .option(
      '--monitor-cmd <command>',
      'start the service under test with this command, wait until it is ready, sample it, stop it after',
    )
    .option(
      '--monitor-tree',
      'with --monitor-pid: sum the process and its child processes (the default: a wrapper, a cluster)',
    )
    .option('--no-monitor-tree', 'with --monitor-pid: watch that one process alone, not its children')
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
    )
    .option(
      '--leak-budget <rate>',
      'memory growth not worth calling a leak, e.g. 100MB/h, 2MiB/min (MB = 10^6 bytes, MiB = 2^20)',
    );
}
