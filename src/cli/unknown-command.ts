import type { Command } from 'commander';
import { SquallError } from '../errors/index.js';
import { didYouMean } from '../util/suggest.js';

/**
 * Refuses an unknown command before commander parses anything: commander would report it as an
 * unknown option's code, and with `--help` anywhere on the line it would print the top-level
 * help and exit 0, so a CI script with a typo passes.
 */
export function rejectUnknownCommand(program: Command, args: readonly string[]): void {
  // The top level takes no option with a value, so the first word that is no option is the command.
  const first = args.find((a) => !a.startsWith('-'));
  if (first === undefined) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  // commander's implicit `help` command: `squall help run`.
  if (first === 'help' || names.includes(first)) return;
  const commands = program.commands.map((c) => c.name());
  const suggestion = didYouMean(first, commands);
  throw new SquallError(
    'SQ_USAGE_UNKNOWN_COMMAND',
    `unknown command '${first}'; the commands are ${commands.join(', ')}`,
    { hint: `${suggestion ? `${suggestion} ` : ''}see squall --help` },
  );
}
