import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquallError } from '../errors/index.js';
import { createFeeder, loadFeeder, loadFeeders, parseFeederSpec } from './feeders.js';

let dir: string;
const where = { file: 'test.yaml', path: 'feeders.users' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-feeders-'));
  const files: Record<string, string> = {
    'users.csv': 'email,password\r\nada@x.io,pw1\r\nbob@x.io,"p,w2"\r\ncy@x.io,pw3\r\n',
    'users.tsv': 'email\tpassword\nada@x.io\tpw1\n',
    'semi.txt': 'a;b\n1;2\n',
    'prompts.json': JSON.stringify([
      { id: 'p1', title: 'One' },
      { id: 'p2', tags: ['x'] },
    ]),
    'words.json': '["alpha", "beta"]',
    'object.json': '{"rows": []}',
    'empty.json': '[]',
    'broken.json': '[{"a": 1},',
    'header-only.csv': 'a,b\n',
    'ragged.csv': 'a,b\n1,2\n3\n',
    'data.xml': '<rows/>',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn`, expecting a SquallError; returns it for further checks. */
function caught(fn: () => unknown): SquallError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SquallError);
    return e as SquallError;
  }
  throw new Error('expected a SquallError, nothing was thrown');
}

const rows = ['r0', 'r1', 'r2', 'r3', 'r4'];

describe('createFeeder: sequential', () => {
  it('shares one cursor among all VUs and wraps around', () => {
    const f = createFeeder(rows, { name: 'n', order: 'sequential' });
    const got = [f.next(1), f.next(2), f.next(3), f.next(1), f.next(2), f.next(3), f.next(1)];
    expect(got).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r0', 'r1']);
  });

  it('is the default order', () => {
    expect(createFeeder(rows, { name: 'n' }).order).toBe('sequential');
  });
});

describe('createFeeder: random', () => {
  const draws = (f: ReturnType<typeof createFeeder>, vu: number, n: number) =>
    Array.from({ length: n }, () => f.next(vu));

  it('repeats per VU for the same seed, whatever the other VUs do', () => {
    const a = createFeeder(rows, { name: 'n', order: 'random', seed: 42 });
    const b = createFeeder(rows, { name: 'n', order: 'random', seed: 42 });
    const a1 = draws(a, 1, 20);
    draws(b, 2, 7); // another VU drawing in between changes nothing for VU 1
    expect(draws(b, 1, 20)).toEqual(a1);
  });

  it('gives different VUs and different seeds different streams', () => {
    const f = createFeeder(rows, { name: 'n', order: 'random', seed: 1 });
    const g = createFeeder(rows, { name: 'n', order: 'random', seed: 2 });
    const vu1 = draws(f, 1, 30);
    expect(draws(f, 2, 30)).not.toEqual(vu1);
    expect(draws(g, 1, 30)).not.toEqual(vu1);
  });

  it('draws every row, roughly evenly', () => {
    const f = createFeeder(rows, { name: 'n', order: 'random' });
    const counts = new Map<unknown, number>();
    for (let vu = 1; vu <= 10; vu++)
      for (const r of draws(f, vu, 500)) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(rows);
    for (const n of counts.values()) expect(n).toBeGreaterThan(850); // 1000 expected of 5000
  });
});

describe('createFeeder: unique', () => {
  it('hands each row out once across all VUs, then throws a clear error', () => {
    const f = createFeeder(rows, { name: 'users.csv', order: 'unique' });
    const got = [f.next(1), f.next(2), f.next(3), f.next(2), f.next(1)];
    expect(new Set(got).size).toBe(5);
    expect(got.sort()).toEqual(rows);
    expect(() => f.next(3)).toThrow(
      /feeder 'users.csv' ran out of rows: order 'unique' hands each of its 5 rows/,
    );
    expect(() => f.next(1)).toThrow(/ran out/);
  });
});

describe('createFeeder: rows', () => {
  it('freezes rows, so one VU cannot change what another reads', () => {
    const f = createFeeder([{ a: 1 }], { name: 'n' });
    const row = f.next(1) as { a: number };
    expect(Object.isFrozen(row)).toBe(true);
    expect(Object.isFrozen(f.rows)).toBe(true);
  });

  it('finds the fields of object rows, and none for scalar rows', () => {
    expect(createFeeder([{ a: 1 }, { b: 2 }], { name: 'n' }).fields).toEqual(['a', 'b']);
    expect(createFeeder(['x', { a: 1 }], { name: 'n' }).fields).toEqual([]);
  });

  it('refuses an empty list', () => {
    expect(() => createFeeder([], { name: 'n' })).toThrow(/no rows/);
  });
});

describe('loadFeeder', () => {
  it('reads a CSV file with a header row into objects', () => {
    const f = loadFeeder({ file: 'users.csv' }, dir);
    expect(f.name).toBe('users.csv');
    expect(f.fields).toEqual(['email', 'password']);
    expect(f.rows).toEqual([
      { email: 'ada@x.io', password: 'pw1' },
      { email: 'bob@x.io', password: 'p,w2' },
      { email: 'cy@x.io', password: 'pw3' },
    ]);
  });

  it('reads a TSV file with tabs, and another delimiter when told', () => {
    expect(loadFeeder({ file: 'users.tsv' }, dir).rows).toEqual([{ email: 'ada@x.io', password: 'pw1' }]);
    expect(loadFeeder({ file: 'semi.txt', format: 'csv', delimiter: ';' }, dir).rows).toEqual([
      { a: '1', b: '2' },
    ]);
  });

  it('reads a JSON array of objects or of scalars', () => {
    const prompts = loadFeeder({ file: 'prompts.json' }, dir);
    expect(prompts.fields).toEqual(['id', 'title', 'tags']);
    expect(prompts.rows).toHaveLength(2);
    expect(loadFeeder({ file: 'words.json', order: 'random' }, dir).rows).toEqual(['alpha', 'beta']);
  });

  it('applies the order', () => {
    const f = loadFeeder({ file: 'users.csv', order: 'unique' }, dir);
    f.next(1);
    f.next(2);
    f.next(3);
    expect(() => f.next(1)).toThrow(/ran out of rows/);
  });

  const bad: [string, Parameters<typeof loadFeeder>[0], RegExp][] = [
    ['a missing file', { file: 'nope.csv' }, /feeder file nope.csv: not found \(looked for .*nope.csv\)/],
    ['an unknown extension', { file: 'data.xml' }, /cannot tell its format from the extension '.xml'/],
    ['broken JSON', { file: 'broken.json' }, /is not valid JSON/],
    ['a JSON object', { file: 'object.json' }, /must hold a JSON array of rows, found an object/],
    ['an empty JSON array', { file: 'empty.json' }, /empty array/],
    ['a CSV with only a header', { file: 'header-only.csv' }, /header row but no data rows/],
    ['a ragged CSV', { file: 'ragged.csv' }, /ragged.csv: line 3: 1 field, but the header has 2/],
  ];
  for (const [what, spec, message] of bad) {
    it(`refuses ${what}, naming the test file and key path`, () => {
      const e = caught(() => loadFeeder(spec, dir, where));
      expect(e.code).toBe('SQ_CONFIG_INVALID');
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(message);
      expect(e.where).toEqual({ file: 'test.yaml', path: 'feeders.users.file' });
    });
  }
});

describe('parseFeederSpec', () => {
  it('takes a file name or a map', () => {
    expect(parseFeederSpec('users.csv', where)).toEqual({ file: 'users.csv' });
    expect(
      parseFeederSpec({ file: 'u.csv', order: 'unique', format: 'csv', delimiter: ';', seed: 3 }, where),
    ).toEqual({
      file: 'u.csv',
      order: 'unique',
      format: 'csv',
      delimiter: ';',
      seed: 3,
    });
  });

  const bad: [string, unknown, string, RegExp][] = [
    [
      'an unknown key',
      { file: 'u.csv', ordr: 'random' },
      'feeders.users.ordr',
      /unknown feeder key 'ordr' — did you mean 'order'\?/,
    ],
    [
      "Artillery's order name",
      { file: 'u.csv', order: 'sequence' },
      'feeders.users.order',
      /"sequence" — did you mean 'sequential'\?/,
    ],
    [
      'a misspelt order',
      { file: 'u.csv', order: 'uniqe' },
      'feeders.users.order',
      /"uniqe" — did you mean 'unique'\?/,
    ],
    ['a missing file', { order: 'random' }, 'feeders.users.file', /needs file/],
    ['a bad format', { file: 'u', format: 'xml' }, 'feeders.users.format', /unknown format "xml"/],
    [
      'a long delimiter',
      { file: 'u', delimiter: ';;' },
      'feeders.users.delimiter',
      /one character, given ";;"/,
    ],
    ['a fractional seed', { file: 'u', seed: 1.5 }, 'feeders.users.seed', /integer, given 1.5/],
    ['a number', 5, 'feeders.users', /not 5/],
  ];
  for (const [what, raw, path, message] of bad) {
    it(`refuses ${what}`, () => {
      const e = caught(() => parseFeederSpec(raw, where));
      expect(e.message).toMatch(message);
      expect(e.where).toEqual({ file: 'test.yaml', path });
    });
  }
});

describe('loadFeeders', () => {
  it('loads a map of feeders by name', () => {
    const feeders = loadFeeders(
      { users: 'users.csv', prompts: { file: 'prompts.json', order: 'random' } },
      dir,
      {
        file: 't.yaml',
        path: 'feeders',
      },
    );
    expect(Object.keys(feeders)).toEqual(['users', 'prompts']);
    expect(feeders.prompts!.order).toBe('random');
    expect(loadFeeders(undefined, dir, { file: 't.yaml', path: 'feeders' })).toEqual({});
  });

  it('names the feeder in errors', () => {
    const e = caught(() =>
      loadFeeders({ users: { file: 'nope.csv' } }, dir, { file: 't.yaml', path: 'feeders' }),
    );
    expect(e.where).toEqual({ file: 't.yaml', path: 'feeders.users.file' });
    expect(caught(() => loadFeeders(['x'], dir, { file: 't.yaml', path: 'feeders' })).message).toMatch(
      /map of name/,
    );
  });

  it('with a problems list, records each broken feeder and keeps it declared without fields', () => {
    const problems: SquallError[] = [];
    const feeders = loadFeeders(
      { gone: 'nope.csv', users: 'users.csv', odd: { file: 'x.bin' } },
      dir,
      { file: 't.yaml', path: 'feeders' },
      problems,
    );
    expect(Object.keys(feeders)).toEqual(['gone', 'users', 'odd']);
    expect(problems.map((p) => p.where?.path)).toEqual(['feeders.gone.file', 'feeders.odd.file']);
    expect(feeders.gone!.fields).toEqual([]);
    expect(feeders.users!.fields).toEqual(['email', 'password']);
  });
});
