import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ErrorLocation, isSquallError, SquallError } from '../errors/index.js';
import { didYouMean } from '../flow/flow-shape.js';
import {
  FEEDER_FORMATS,
  FEEDER_ORDERS,
  type FeederFormat,
  type FeederOrder,
  type FeederSpec,
} from '../script-api/feeder-spec.js';
import { Rng } from '../util/rng.js';
import { CsvError, parseCsvObjects } from './feeders-csv.js';

/**
 * Test data feeders: rows from a CSV (header row → objects) or JSON (an array) file, handed out
 * to virtual users in one of three orders:
 *
 * - `sequential`: one cursor shared by every VU, wrapping at the end (Artillery's `sequence`);
 * - `random`: a row drawn at random by a generator seeded per VU, so a run is repeatable;
 * - `unique`: each row at most once across all VUs; asking past the end throws, and the engine
 *   counts that iteration as failed (the data ran out, the test did not silently reuse it).
 *
 * Feeders live in one process: `unique` is unique within it, not across shards.
 */

export { FEEDER_FORMATS, FEEDER_ORDERS, type FeederFormat, type FeederOrder, type FeederSpec };

export const FEEDER_SPEC_KEYS = ['file', 'order', 'format', 'delimiter', 'seed'] as const;

export interface Feeder {
  /** For messages: the file's name, or the name given to createFeeder. */
  readonly name: string;
  readonly order: FeederOrder;
  /** Every row, in file order (loops `over` a feeder walk these). Frozen. */
  readonly rows: readonly unknown[];
  /**
   * Field names: the CSV header, or the keys found in a JSON feeder's objects. Empty when the
   * rows are not objects. The flow compiler checks `${row.field}` against them.
   */
  readonly fields: readonly string[];
  /** The next row for virtual user `vuId` under this feeder's order. */
  next(vuId: number): unknown;
}

export interface FeederOptions {
  name: string;
  order?: FeederOrder;
  seed?: number;
  /** Default: the keys of the rows when every row is an object. */
  fields?: readonly string[];
}

/** A feeder over rows already in memory (the TypeScript API, and tests). */
export function createFeeder(rows: readonly unknown[], options: FeederOptions): Feeder {
  if (rows.length === 0) throw new Error(`feeder '${options.name}' has no rows`);
  // Rows are shared by every VU: frozen, so one user's flow cannot change another's data.
  const frozen = Object.freeze(rows.map((r) => (typeof r === 'object' && r !== null ? Object.freeze(r) : r)));
  const order = options.order ?? 'sequential';
  const fields = Object.freeze([...(options.fields ?? fieldsOf(frozen))]);
  const base = { name: options.name, order, rows: frozen, fields };
  if (order === 'random') return { ...base, next: randomNext(frozen, options.seed ?? 1) };
  let cursor = 0;
  if (order === 'unique') {
    return {
      ...base,
      next() {
        if (cursor >= frozen.length) {
          throw new Error(
            `feeder '${options.name}' ran out of rows: order 'unique' hands each of its ${frozen.length} rows ` +
              'out once, and all are taken (add rows, or use order: sequential to wrap around)',
          );
        }
        return frozen[cursor++];
      },
    };
  }
  return {
    ...base,
    next() {
      const row = frozen[cursor];
      cursor = cursor + 1 === frozen.length ? 0 : cursor + 1;
      return row;
    },
  };
}

function randomNext(rows: readonly unknown[], seed: number): (vuId: number) => unknown {
  // One generator per VU: a VU's draws do not depend on how other VUs interleave with it.
  const generators = new Map<number, Rng>();
  return (vuId) => {
    let rng = generators.get(vuId);
    if (!rng) {
      rng = new Rng(mixSeed(seed, vuId));
      generators.set(vuId, rng);
    }
    return rows[Math.floor(rng.next() * rows.length)];
  };
}

// Spreads neighbouring VU ids apart, so VU 1 and VU 2 do not draw from neighbouring streams.
function mixSeed(seed: number, vuId: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(vuId, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x27d4eb2f) >>> 0;
}

function fieldsOf(rows: readonly unknown[]): string[] {
  const fields = new Set<string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return [];
    for (const key of Object.keys(row)) fields.add(key);
  }
  return [...fields];
}

/** Reads a feeder file (path relative to `baseDir`); throws SQ_CONFIG_INVALID naming the file and line. */
export function loadFeeder(
  spec: FeederSpec,
  baseDir: string,
  where?: { file: string; path: string },
): Feeder {
  const file = resolve(baseDir, spec.file);
  const loc: ErrorLocation = where ? { file: where.file, path: `${where.path}.file` } : { file };
  const fail = (message: string, hint?: string) =>
    new SquallError('SQ_CONFIG_INVALID', `feeder file ${spec.file}: ${message}`, { where: loc, hint });
  const format = spec.format ?? formatOf(file);
  if (!format) {
    throw fail(
      `cannot tell its format from the extension '${extname(file)}'`,
      'add format: csv or format: json',
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(
      code === 'ENOENT' ? `not found (looked for ${file})` : `cannot be read (${code ?? String(e)})`,
    );
  }
  const name = basename(file);
  const options = { name, order: spec.order ?? 'sequential', seed: spec.seed } satisfies FeederOptions;
  if (format === 'json') return createFeeder(parseJsonRows(text, fail), options);
  const delimiter = spec.delimiter ?? (extname(file).toLowerCase() === '.tsv' ? '\t' : ',');
  try {
    const { fields, rows } = parseCsvObjects(text, delimiter);
    if (rows.length === 0) throw fail('has a header row but no data rows');
    return createFeeder(rows, { ...options, fields });
  } catch (e) {
    if (e instanceof CsvError) throw fail(e.message);
    throw e;
  }
}

function formatOf(file: string): FeederFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  return undefined;
}

function parseJsonRows(text: string, fail: (message: string) => SquallError): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw fail(`is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw fail(`must hold a JSON array of rows, found ${describeJson(data)}`);
  if (data.length === 0) throw fail('holds an empty array; a feeder needs at least one row');
  return data;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Validates one feeder declaration as written in a test file (`{ file, order, format, … }`, or
 * just the file name), for the loader; `where.path` is the declaration's key path.
 */
export function parseFeederSpec(raw: unknown, where: { file: string; path: string }): FeederSpec {
  const fail = (path: string, message: string, hint?: string) =>
    new SquallError('SQ_CONFIG_INVALID', message, { where: { file: where.file, path }, hint });
  if (typeof raw === 'string') return { file: raw };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail(where.path, `a feeder is a file name or { file, order, format }, not ${JSON.stringify(raw)}`);
  }
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(FEEDER_SPEC_KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, FEEDER_SPEC_KEYS);
      throw fail(
        `${where.path}.${key}`,
        `unknown feeder key '${key}'${hint ? ` — ${hint}` : ''}`,
        `valid keys: ${FEEDER_SPEC_KEYS.join(', ')}`,
      );
    }
  }
  if (typeof o.file !== 'string' || o.file.trim() === '') {
    throw fail(
      `${where.path}.file`,
      `a feeder needs file: a path to a .csv or .json file, given ${JSON.stringify(o.file)}`,
    );
  }
  const spec: FeederSpec = { file: o.file };
  if (o.order !== undefined) spec.order = oneOf(o.order, FEEDER_ORDERS, 'order', `${where.path}.order`, fail);
  if (o.format !== undefined)
    spec.format = oneOf(o.format, FEEDER_FORMATS, 'format', `${where.path}.format`, fail);
  if (o.delimiter !== undefined) {
    if (typeof o.delimiter !== 'string' || o.delimiter.length !== 1 || /["\r\n]/.test(o.delimiter)) {
      throw fail(
        `${where.path}.delimiter`,
        `delimiter must be one character, given ${JSON.stringify(o.delimiter)}`,
      );
    }
    spec.delimiter = o.delimiter;
  }
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) {
      throw fail(`${where.path}.seed`, `seed must be an integer, given ${JSON.stringify(o.seed)}`);
    }
    spec.seed = o.seed;
  }
  return spec;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  path: string,
  fail: (path: string, message: string, hint?: string) => SquallError,
): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  // Artillery says `sequence`; meet its users where they are.
  const hint =
    typeof value === 'string'
      ? value === 'sequence'
        ? "did you mean 'sequential'?"
        : didYouMean(value, allowed)
      : undefined;
  throw fail(
    path,
    `unknown ${what} ${JSON.stringify(value)}${hint ? ` — ${hint}` : ''}`,
    `valid: ${allowed.join(', ')}`,
  );
}

/**
 * A feeder that is declared but could not be loaded: flows may still name it (no false "unknown
 * feeder" beside the real error), and it has no known fields to check `${row.x}` against. A test
 * with one is refused before it runs, so `next` is never called.
 */
function unloadedFeeder(name: string): Feeder {
  return {
    name,
    order: 'sequential',
    rows: [],
    fields: [],
    next() {
      throw new Error(`feeder '${name}' could not be loaded`);
    },
  };
}

/**
 * Validates and loads every feeder of a test file's `feeders:` map. With `problems`, each feeder
 * that fails is recorded there and stands in as declared, so every feeder's problem shows at once.
 */
export function loadFeeders(
  raw: unknown,
  baseDir: string,
  where: { file: string; path: string },
  problems?: SquallError[],
): Record<string, Feeder> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SquallError('SQ_CONFIG_INVALID', 'feeders is a map of name → { file, order }', { where });
  }
  const feeders: Record<string, Feeder> = {};
  for (const [name, spec] of Object.entries(raw)) {
    const at = { file: where.file, path: `${where.path}.${name}` };
    try {
      feeders[name] = loadFeeder(parseFeederSpec(spec, at), baseDir, at);
    } catch (e) {
      if (problems === undefined || !isSquallError(e)) throw e;
      problems.push(e);
      feeders[name] = unloadedFeeder(name);
    }
  }
  return feeders;
}

/**
 * A feeder for a TypeScript test, from a CSV or JSON file:
 * `const accounts = feeder(new URL('../config/accounts.csv', import.meta.url), { order: 'unique' })`, then
 * `accounts.next(vu.id)` in a flow. A relative path string starts at the working directory.
 */
export function feeder(file: string | URL, options: Omit<FeederSpec, 'file'> = {}): Feeder {
  const path = file instanceof URL ? fileURLToPath(file) : resolve(file);
  return loadFeeder({ ...options, file: path }, process.cwd());
}
