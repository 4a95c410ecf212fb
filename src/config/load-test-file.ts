import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';
import { SquallError } from '../errors/index.js';
import { ConfigError, type IssuePath, type Locate, type LocatedIssue } from '../errors/issues.js';
import { didYouMean } from '../util/suggest.js';
import { importTestModule } from './load-module.js';

/**
 * Step one of the config pipeline: read a test file into plain data, keeping a way back from a
 * path in that data to a line and column of the file.
 */

export type TestFileFormat = 'yaml' | 'json' | 'module';

export interface LoadedTestFile {
  /** As given on the command line, for messages. */
  file: string;
  absPath: string;
  format: TestFileFormat;
  /** The test definition, unvalidated: YAML/JSON data, or a module's default export. */
  data: unknown;
  /** True when the module is k6-shaped (`export const options` + a default function). */
  k6Style: boolean;
  /** Line and column of a path; for modules, always undefined (the path alone is enough). */
  locate: Locate;
}

export const TEST_FILE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.yaml', '.yml', '.json'];

const noLocation: Locate = () => undefined;

/** The YAML parser, imported for YAML and JSON tests only: a .ts test's start-up does without it. */
let yaml: typeof Yaml;

function keyMatches(key: unknown, seg: string | number): boolean {
  return yaml.isScalar(key) ? String(key.value) === String(seg) : String(key) === String(seg);
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

/**
 * Walks the YAML node tree along `path`. A path that ends at a missing key (a required one)
 * points at the mapping that should hold it.
 */
export function offsetOfPath(doc: Document, path: IssuePath, at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (yaml.isAlias(node)) node = node.resolve(doc);
    if (yaml.isMap(node)) {
      const pair = node.items.find((p) => keyMatches(p.key, seg));
      if (!pair) break;
      const keyStart = startOf(pair.key) ?? offset;
      if (i === path.length - 1 && at === 'key') return keyStart;
      node = pair.value;
      // `key:` with nothing after it has no value node: point at the key.
      offset = startOf(node) ?? keyStart;
    } else if (yaml.isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      offset = startOf(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function position(lc: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lc.linePos(offset);
  // A file with no newline yet: linePos reports line 0.
  return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
}

/**
 * An unquoted `${…}` (or `{{ … }}`) inside a flow collection (`json: { id: ${id} }`) breaks the
 * YAML parser into dozens of errors: `{` opens a map there. Found on a line up to the first
 * error's, it becomes the one message, with the fix.
 */
function unquotedTemplate(text: string, upToLine: number, file: string): LocatedIssue | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < Math.min(lines.length, upToLine); i++) {
    const line = lines[i]!;
    const flowAt = line.search(/[{[]/);
    if (flowAt < 0) continue;
    const re = /([{[,:])\s*(\$\{[^}]*\}|\{\{[^}]*\}\})/g;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      if (m.index < flowAt) continue;
      const ref = m[2]!;
      const key = m[1] === ':' ? /([\w.$-]+)\s*$/.exec(line.slice(0, m.index))?.[1] : undefined;
      const fix = key === undefined ? `"${ref}"` : `${key}: "${ref}"`;
      return {
        code: 'SQ_CONFIG_SYNTAX',
        path: [],
        message: `YAML syntax error: an unquoted ${ref} inside { } or [ ] reads as YAML, not as a template — quote it: ${fix}`,
        hint: 'in a flow map or list, { and } are YAML syntax; a template there must be a quoted string',
        where: { file, line: i + 1, column: line.indexOf(ref, m.index) + 1 },
      };
    }
  }
  return undefined;
}

function syntaxIssues(doc: Document, lc: LineCounter, file: string, text: string): LocatedIssue[] {
  const first = doc.errors[0];
  if (first !== undefined && !file.endsWith('.json')) {
    const hinted = unquotedTemplate(text, position(lc, first.pos[0]).line, file);
    if (hinted) return [hinted];
  }
  return doc.errors.map((err) => ({
    code: 'SQ_CONFIG_SYNTAX',
    path: [],
    // The parser's message, without the excerpt it may append after a blank line.
    message: `${file.endsWith('.json') ? 'JSON' : 'YAML'} syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    where: { file, ...position(lc, err.pos[0]) },
  }));
}

function parseData(text: string, file: string): { data: unknown; locate: Locate } {
  const lc = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(file, syntaxIssues(doc, lc, file, text));
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // Too many aliases (a "billion laughs" file) and the like.
    throw new SquallError('SQ_CONFIG_SYNTAX', `${file} cannot be read as data: ${(e as Error).message}`, {
      where: { file },
    });
  }
  return { data, locate: (path, at) => position(lc, offsetOfPath(doc, path, at)) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

/**
 * The test definition a module exports. A .ts compiled as CommonJS (a package without
 * `"type": "module"`) shows its exports object as `default`, so unwrap that first.
 */
export function definitionFromModule(
  ns: Record<string, unknown>,
  file: string,
): { data: unknown; k6Style: boolean } {
  const inner = ns.default;
  const mod =
    isObject(inner) && Object.hasOwn(inner, 'default') && (inner as { __esModule?: unknown }).__esModule
      ? inner
      : ns;
  const def = mod.default;
  if (typeof def === 'function' || (def === undefined && namesExec(mod.options))) {
    return { data: fromK6Style(mod, def, file), k6Style: true };
  }
  if (def === undefined) {
    throw new SquallError('SQ_CONFIG_INVALID', `${file} has no default export; expected a test definition`, {
      where: { file },
      hint: "end the file with `export default defineTest({ ... })` (import { defineTest } from 'squall')",
    });
  }
  return { data: def, k6Style: false };
}

/** Whether some scenario of k6-shaped options names its function with `exec`. */
function namesExec(options: unknown): boolean {
  if (!isObject(options) || !isObject(options.scenarios)) return false;
  return Object.values(options.scenarios).some((s) => isObject(s) && s.exec !== undefined);
}

/** A scenario's `exec` (k6): the named export becomes its one user. */
function execUser(mod: Record<string, unknown>, scenario: string, exec: unknown, file: string) {
  const fn = typeof exec === 'string' ? mod[exec] : undefined;
  if (typeof exec === 'string' && typeof fn === 'function') return { name: exec, run: fn };
  const exported = Object.keys(mod).filter(
    (k) => typeof mod[k] === 'function' && k !== 'setup' && k !== 'teardown',
  );
  throw new SquallError(
    'SQ_CONFIG_INVALID',
    `${file}: scenario '${scenario}' has exec: ${JSON.stringify(exec)}, and the file exports no function of that name; ` +
      `expected the name of an exported function (${exported.map((k) => `'${k}'`).join(', ') || 'none exported'})`,
    { where: { file }, hint: 'k6: `exec` names the exported function a scenario runs' },
  );
}

/**
 * k6's shape, accepted because it costs little: `export const options = {...}` (squall's keys)
 * with `export default function`, and optional `setup`/`teardown` exports. The default
 * function becomes the one user of the test (or of every scenario that names no users); a
 * scenario's `exec: 'name'` runs that exported function instead, as in k6.
 */
function fromK6Style(mod: Record<string, unknown>, run: unknown, file: string): Record<string, unknown> {
  const options = isObject(mod.options) ? { ...mod.options } : {};
  const user = { name: 'default', run };
  if (isObject(options.scenarios)) {
    options.scenarios = Object.fromEntries(
      Object.entries(options.scenarios).map(([name, s]) => {
        if (!isObject(s)) return [name, s];
        if (s.exec !== undefined && s.users === undefined) {
          const { exec, ...rest } = s;
          return [name, { ...rest, users: [execUser(mod, name, exec, file)] }];
        }
        return [name, s.users === undefined && run !== undefined ? { ...s, users: [user] } : s];
      }),
    );
  } else if (options.users === undefined) {
    options.users = [user];
  }
  if (mod.setup !== undefined && options.setup === undefined) options.setup = mod.setup;
  if (mod.teardown !== undefined && options.teardown === undefined) options.teardown = mod.teardown;
  return options;
}

async function readText(absPath: string, file: string): Promise<string> {
  try {
    return await readFile(absPath, 'utf8');
  } catch (e) {
    throw notFound(e, file);
  }
}

function notFound(e: unknown, file: string): SquallError {
  const code = (e as { code?: string }).code;
  const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`;
  return new SquallError('SQ_CONFIG_FILE_NOT_FOUND', `test file ${file} ${why}`, {
    where: { file },
    hint: 'give the path of a .ts, .js, .mjs, .yaml, .yml or .json test file; `squall init` writes one',
    cause: e,
  });
}

/** `import … from 'k6'` (or 'k6/http', …), or require('k6…'): a script written for k6. */
function importsK6(source: string): boolean {
  return /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]k6(?:\/[^'"]*)?['"]/.test(source);
}

/** Artillery's shape: `config:` with `target` or `phases`, and `scenarios:` whose items have `flow:`. */
function isArtilleryShaped(data: unknown): boolean {
  const o = data as { config?: unknown; scenarios?: unknown } | null;
  if (o === null || typeof o !== 'object' || typeof o.config !== 'object' || o.config === null) return false;
  const c = o.config as Record<string, unknown>;
  const flows =
    Array.isArray(o.scenarios) &&
    o.scenarios.some((x) => x !== null && typeof x === 'object' && 'flow' in (x as object));
  return flows && ('target' in c || 'phases' in c);
}

/** A test written for another tool: exit 2 with the command that ports it (squall convert). */
function convertPointer(file: string, what: string): SquallError {
  // A YAML original keeps its name: the port gets its own.
  const out = `${file.replace(/\.[^./\\]+$/, '')}${/\.ya?ml$/i.test(file) ? '.squall.yaml' : '.yaml'}`;
  return new SquallError(
    'SQ_CONFIG_FILE_TYPE',
    `${file} is ${what}, not a squall test; convert it: squall convert ${file} -o ${out}`,
    {
      where: { file },
      hint: `squall convert translates it and marks what it could not as TODO (docs/coming-from.md)`,
    },
  );
}

/** Reads a test file by its extension. Throws SquallError (exit 2) for every failure. */
export async function loadTestFile(file: string, cwd = process.cwd()): Promise<LoadedTestFile> {
  const absPath = resolve(cwd, file);
  const ext = extname(absPath).toLowerCase();
  if (!TEST_FILE_EXTENSIONS.includes(ext)) {
    const guess = didYouMean(ext, TEST_FILE_EXTENSIONS);
    throw new SquallError(
      'SQ_CONFIG_FILE_TYPE',
      `${file} is not a test file squall can run: its extension is '${ext || '(none)'}'${guess ? ` (${guess})` : ''}; ` +
        `expected one of ${TEST_FILE_EXTENSIONS.join(', ')}`,
      { where: { file } },
    );
  }
  try {
    const st = await stat(absPath);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (e) {
    throw notFound(e, file);
  }
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    yaml ??= await import('yaml');
    const { data, locate } = parseData(await readText(absPath, file), file);
    if (isArtilleryShaped(data)) throw convertPointer(file, 'an Artillery test');
    return { file, absPath, format: ext === '.json' ? 'json' : 'yaml', data, k6Style: false, locate };
  }
  if (importsK6(await readText(absPath, file))) throw convertPointer(file, 'a k6 script');
  const ns = await importTestModule(absPath, file);
  const { data, k6Style } = definitionFromModule(ns, file);
  return { file, absPath, format: 'module', data, k6Style, locate: noLocation };
}
