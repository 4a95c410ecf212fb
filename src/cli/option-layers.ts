import type { Command, Option } from 'commander';
import { type ConfigFile, findConfigFile, loadConfigFile } from '../config/config-file.js';
import {
  type OptionInfo,
  optionSources,
  READ_ELSEWHERE,
  type SourcedValue,
} from '../config/option-sources.js';
import { SquallError } from '../errors/index.js';
import { collect } from './io.js';

/** How commander's options read as the sources' option list. */
export function optionInfo(o: Option): OptionInfo | undefined {
  if (o.long === undefined) return undefined;
  const key = o.attributeName();
  if (key === 'help' || key === 'version') return undefined;
  const kind = o.negate
    ? 'negate'
    : !(o.required || o.optional)
      ? 'boolean'
      : o.parseArg === collect
        ? 'list'
        : 'value';
  return { key, long: o.long, ...(o.short === undefined ? {} : { short: o.short }), kind };
}

export function optionInfos(cmd: Command): OptionInfo[] {
  return cmd.options.flatMap((o) => optionInfo(o) ?? []);
}

/** `.env` of the current folder into process.env, variables already set winning (Node's rule). */
export function loadDotEnv(cwd: string): string | undefined {
  try {
    process.loadEnvFile(`${cwd}/.env`);
    return '.env';
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new SquallError('SQ_CONFIG_INVALID', `.env cannot be read: ${(e as Error).message}`, {
      where: { file: '.env' },
      hint: 'squall loads a .env file of the current folder; fix it, or rename it',
    });
  }
}

export async function loadNearestConfig(cwd: string): Promise<ConfigFile | undefined> {
  const path = findConfigFile(cwd);
  return path === undefined ? undefined : loadConfigFile(path, cwd);
}

/** Where the values of the command that runs came from, for messages about them (main.ts). */
const provenance = new Map<string, string>();

/** `  --> from SQUALL_VUS` when a bad value named by `flag` came from a variable or the file. */
export function provenanceOf(flag: string | undefined): string | undefined {
  return flag === undefined ? undefined : provenance.get(flag);
}

/**
 * Before a command's action: each option no flag gave takes its SQUALL_* variable's value, else
 * the config file's. Every command's option keys are known, so the file's keys are checked whole.
 */
export async function applyOptionSources(
  cmd: Command,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  /** A program with every command registered: the file's keys are any command's options. */
  everyCommand: () => Promise<Command>,
): Promise<void> {
  const config = await loadNearestConfig(cwd);
  const sources = resolveSources(config === undefined ? cmd : await everyCommand(), cmd, env, config);
  for (const info of optionInfos(cmd)) {
    const s = sources.get(info.key);
    if (s === undefined || cmd.getOptionValueSource(info.key) === 'cli') continue;
    // SQUALL_HOST, SQUALL_SAVE, SQUALL_STORE: their own readers see the variable.
    if (s.source === 'env' && READ_ELSEWHERE.has(info.key)) continue;
    cmd.setOptionValueWithSource(info.key, s.value, s.source === 'env' ? 'env' : 'config');
    const from = s.source === 'env' ? `the environment variable ${s.from}` : s.from!;
    provenance.set(info.long, from);
    if (info.short !== undefined) provenance.set(info.short, from);
  }
}

/** Every option's value from the environment or the file, by key (flags not considered). */
export function resolveSources(
  /** A program with every command registered. */
  program: Command,
  cmd: Command,
  env: Readonly<Record<string, string | undefined>>,
  config: ConfigFile | undefined,
): Map<string, SourcedValue> {
  const commands = program.commands.map((c) => c.name());
  const allKeys = new Set(
    program.commands
      .flatMap((c) => optionInfos(c).map((o) => o.key))
      .concat(optionInfos(cmd).map((o) => o.key)),
  );
  return optionSources(cmd.name(), optionInfos(cmd), env, config, commands, allKeys);
}
