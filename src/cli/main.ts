import { Command, CommanderError } from 'commander';
import { type ErrorCode, exitCodeOf, formatError, isSquallError } from '../errors/index.js';
import { VERSION } from '../result/version.js';
import { redactText } from '../util/redact.js';
import { applyOptionSources, loadDotEnv, provenanceOf } from './option-layers.js';
import { rejectUnknownCommand } from './unknown-command.js';

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Each command's module, imported only when that command is named (all of them for the top-level
 * help, `help CMD` or an unknown word): `squall --version` and `squall quick --help` then load
 * neither the engine nor zod, undici or the TypeScript compiler (docs/PERFORMANCE.md, "Start-up").
 * In the order the top-level help lists them.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  quick: async () => (await import('./commands/quick.js')).registerQuick,
  run: async () => (await import('./commands/run.js')).registerRun,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  'serve-demo': async () => (await import('./commands/serve-demo.js')).registerServeDemo,
  monitor: async () => (await import('./commands/monitor.js')).registerMonitor,
  report: async () => (await import('./commands/report.js')).registerReport,
  merge: async () => (await import('./commands/merge.js')).registerMerge,
  init: async () => (await import('./commands/init.js')).registerInit,
  bench: async () => (await import('./commands/bench.js')).registerBench,
  history: async () => (await import('./commands/history.js')).registerHistory,
  baseline: async () => (await import('./commands/history.js')).registerBaseline,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  sweep: async () => (await import('./commands/sweep.js')).registerSweep,
  llm: async () => (await import('./commands/llm.js')).registerLlm,
  config: async () => (await import('./commands/config.js')).registerConfig,
  convert: async () => (await import('./commands/convert.js')).registerConvert,
  import: async () => (await import('./commands/import.js')).registerImport,
  k8s: async () => (await import('./commands/k8s.js')).registerK8s,
};

/** The commands a command line needs registered: the one it names, none for --version alone. */
function commandsFor(args: readonly string[]): Array<() => Promise<Register>> {
  const first = args.find((a) => !a.startsWith('-'));
  const named = first === undefined ? undefined : COMMANDS[first];
  // `squall config COMMAND` reads the other commands' options.
  if (named !== undefined && Object.hasOwn(COMMANDS, first!) && first !== 'config') return [named];
  if (args.length > 0 && args.every((a) => a === '-v' || a === '--version')) return [];
  return Object.values(COMMANDS);
}

const DEBUG = () => process.env.SQUALL_DEBUG === '1';

/**
 * The one place that turns errors into exit codes: bad input 2 with a message and no stack,
 * anything unexpected 1 with a note that it is a squall bug (the stack only with SQUALL_DEBUG=1).
 */
export async function main(argv: string[] = process.argv): Promise<void> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('squall')
    .description('load testing and benchmarking for HTTP services')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(str.replace(/^error: /, `error ${usageCode(str)}: `)),
    });
  program.addHelpText(
    'after',
    `
Start here:
  $ squall demo                              start the demo API and benchmark it
  $ squall quick http://127.0.0.1:8080/      benchmark one URL
  $ squall init && squall run load-test.ts   write a starter test and run it
  $ squall bench                             time the functions of every *.bench.ts here
  $ squall <command> --help                  flags and examples of a command`,
  );
  try {
    // A .env here sets variables not already set (the test's env.NAME, SQUALL_* flags).
    loadDotEnv(process.cwd());
    for (const register of await Promise.all(commandsFor(argv.slice(2)).map((load) => load())))
      register(program, setExit);
    for (const cmd of program.commands) cmd.exitOverride();
    // Options no flag gave: SQUALL_* variables, then squall.config.* (flags > env > file > defaults).
    program.hook('preAction', (_program, actionCommand) =>
      applyOptionSources(actionCommand, process.env, process.cwd(), everyCommand),
    );
    rejectUnknownCommand(program, argv.slice(2));
    await program.parseAsync(argv);
  } catch (e) {
    exitCode = exitCodeFor(e);
  }
  process.exitCode = exitCode;
  // Sockets, timers and child processes are all closed by now; exit once stdout has drained
  // anyway, so that a stray handle can never keep a CI job waiting.
  process.stdout.write('', () => process.exit(exitCode));
}

/** The catalogue code of a usage error commander reports (docs/errors.md). */
function usageCode(message: string): ErrorCode {
  if (/unknown command/.test(message)) return 'SQ_USAGE_UNKNOWN_COMMAND';
  if (/unknown option|too many arguments/.test(message)) return 'SQ_USAGE_UNKNOWN_FLAG';
  if (/missing required argument|argument missing/.test(message)) return 'SQ_USAGE_MISSING_ARG';
  return 'SQ_USAGE_BAD_FLAG';
}

/** A program with every command registered (the config file's keys are any command's flags). */
export async function everyCommand(): Promise<Command> {
  const all = new Command('squall');
  for (const register of await Promise.all(Object.values(COMMANDS).map((load) => load())))
    register(all, () => {});
  return all;
}

function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
    if (e.code === 'commander.help') return 0;
    process.stderr.write('  hint: see squall --help, or squall <command> --help\n');
    return 2;
  }
  if (isSquallError(e)) {
    process.stderr.write(`${formatError(e)}\n`);
    const from = provenanceOf(e.where?.flag);
    if (from !== undefined) process.stderr.write(`  the value came from ${from}\n`);
    if (DEBUG() && e.stack) process.stderr.write(`${e.stack}\n`);
    return exitCodeOf(e);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(
    `error SQ_INTERNAL: ${redactText(err.message)}\n  This is a squall bug. Please report it with the command you ran` +
      ` (squall ${VERSION}, Node ${process.version}, ${process.platform}).\n`,
  );
  if (DEBUG() && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('  Run again with SQUALL_DEBUG=1 for the stack trace.\n');
  return 1;
}
