import { SquallError } from '../errors/index.js';
import { didYouMean } from '../util/suggest.js';
import type { ConfigFile } from './config-file.js';

/**
 * Where each option of a command comes from when no flag gives it (issue 18): a SQUALL_*
 * environment variable, then the config file, then the default. Flags > env > file > defaults.
 * The rule for names: `--max-endpoints` ↔ SQUALL_MAX_ENDPOINTS ↔ `maxEndpoints:` in the file;
 * a negated flag `--no-color` ↔ SQUALL_NO_COLOR=1 ↔ `color: false`.
 */

export interface OptionInfo {
  /** The attribute name (camelCase, `color` for --no-color): the config file's key. */
  key: string;
  /** `--max-endpoints`, `--no-color`. */
  long: string;
  short?: string;
  /** A flag with no value (`--save`), a negated one (`--no-color`), a value, or a repeatable value. */
  kind: 'boolean' | 'negate' | 'value' | 'list';
}

export type SourceKind = 'flag' | 'env' | 'file' | 'default';

export interface SourcedValue {
  /** A string, a boolean, or a list of strings (repeatable flags). */
  value: string | boolean | string[];
  source: SourceKind;
  /** The variable's name (env) or `FILE:key.path` (file). */
  from?: string;
}

/**
 * Options whose variable a lower layer already reads with its own rules and messages
 * (SQUALL_HOST then LOAD_TEST_HOST, SQUALL_SAVE, SQUALL_STORE): shown by `squall config`, not set twice.
 */
export const READ_ELSEWHERE = new Set(['host', 'save', 'store']);

/**
 * Options no variable or file sets: the test's own values (`-e`; the environment is already
 * the test's, as env.NAME), and what only makes sense typed (help, version).
 */
const NOT_FROM_ENV = new Set(['env', 'help', 'version']);

export function envName(o: OptionInfo): string {
  return `SQUALL_${o.long.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function envBoolean(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new SquallError(
    'SQ_CONFIG_INVALID',
    `env ${name}="${text}" is not a yes or no; expected 1, true, yes, on, or 0, false, no, off`,
    { hint: `fix or unset ${name}` },
  );
}

/** The value an environment variable gives, or undefined when it is not set. */
function fromEnv(o: OptionInfo, env: Readonly<Record<string, string | undefined>>): SourcedValue | undefined {
  if (NOT_FROM_ENV.has(o.key)) return undefined;
  const name = envName(o);
  const text = env[name];
  if (text === undefined) return undefined;
  if (o.kind === 'boolean') return { value: envBoolean(name, text), source: 'env', from: name };
  // SQUALL_NO_COLOR=1 means --no-color: color false.
  if (o.kind === 'negate') return { value: !envBoolean(name, text), source: 'env', from: name };
  if (o.kind === 'list') return { value: [text], source: 'env', from: name };
  return { value: text, source: 'env', from: name };
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** A file value as the flag would have given it, or a message saying what was expected. */
function fromFile(o: OptionInfo, raw: unknown, where: string): SourcedValue {
  const bad = (expected: string) =>
    new SquallError(
      'SQ_CONFIG_INVALID',
      `${where} is ${JSON.stringify(raw)}; expected ${expected} (the value of ${o.long})`,
      { hint: 'fix the value in the config file, or remove the key' },
    );
  if (o.kind === 'boolean' || o.kind === 'negate') {
    if (typeof raw !== 'boolean') throw bad('true or false');
    return { value: raw, source: 'file', from: where };
  }
  if (o.kind === 'list') {
    if (isScalar(raw)) return { value: [String(raw)], source: 'file', from: where };
    if (Array.isArray(raw) && raw.every(isScalar))
      return { value: raw.map(String), source: 'file', from: where };
    // { team: checkout } for --tag team=checkout, --label, -e.
    if (
      raw !== null &&
      typeof raw === 'object' &&
      !Array.isArray(raw) &&
      Object.values(raw).every(isScalar)
    ) {
      return {
        value: Object.entries(raw as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`),
        source: 'file',
        from: where,
      };
    }
    throw bad('a value, a list of values, or a mapping NAME: value');
  }
  if (!isScalar(raw) || typeof raw === 'boolean') throw bad('a text or a number');
  return { value: String(raw), source: 'file', from: where };
}

/**
 * The values of `command`'s options from the environment and the config file, each with its
 * source, for the options `given` (flags on the command line) does not hold. Unknown keys in
 * the file, and values of the wrong kind, are exit 2 naming the file and key.
 */
export function optionSources(
  command: string,
  options: readonly OptionInfo[],
  env: Readonly<Record<string, string | undefined>>,
  config: ConfigFile | undefined,
  /** Every command's name: a top-level key that names one is that command's section. */
  commands: readonly string[],
  /** Every option key of every command: a top-level key of another command's is no mistake. */
  anyCommandKeys: ReadonlySet<string>,
): Map<string, SourcedValue> {
  const out = new Map<string, SourcedValue>();
  const byKey = new Map(options.map((o) => [o.key, o]));
  const fileValues = new Map<string, { raw: unknown; where: string }>();
  if (config !== undefined) {
    for (const [k, v] of Object.entries(config.data)) {
      if (commands.includes(k)) continue;
      if (!anyCommandKeys.has(k)) throw unknownKey(config.file, k, [...anyCommandKeys, ...commands]);
      if (byKey.has(k)) fileValues.set(k, { raw: v, where: `${config.file}:${k}` });
    }
    const section = config.data[command];
    if (section !== undefined) {
      if (section === null || typeof section !== 'object' || Array.isArray(section)) {
        throw new SquallError(
          'SQ_CONFIG_INVALID',
          `${config.file}:${command} is not a mapping; expected the ${command} command's flags, e.g. ${command}: { vus: 10 }`,
        );
      }
      for (const [k, v] of Object.entries(section)) {
        if (!byKey.has(k)) throw unknownKey(config.file, `${command}.${k}`, [...byKey.keys()], k);
        fileValues.set(k, { raw: v, where: `${config.file}:${command}.${k}` });
      }
    }
  }
  for (const o of options) {
    const e = fromEnv(o, env);
    if (e !== undefined) {
      out.set(o.key, e);
      continue;
    }
    // SQUALL_HOST's fallback LOAD_TEST_HOST beats the file too.
    if (o.key === 'host' && env.LOAD_TEST_HOST !== undefined) {
      out.set(o.key, { value: env.LOAD_TEST_HOST, source: 'env', from: 'LOAD_TEST_HOST' });
      continue;
    }
    const f = fileValues.get(o.key);
    if (f !== undefined) out.set(o.key, fromFile(o, f.raw, f.where));
  }
  return out;
}

function unknownKey(file: string, key: string, known: readonly string[], bare = key): SquallError {
  const guess = didYouMean(bare, known);
  return new SquallError(
    'SQ_CONFIG_INVALID',
    `${file}:${key} is not a flag of squall${guess ? ` (${guess})` : ''}; expected long flag names in camelCase (maxEndpoints for --max-endpoints) or a command's section (run:, quick:)`,
    { where: { file } },
  );
}
