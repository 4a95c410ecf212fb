import { describe, expect, it } from 'vitest';
import { compileJsonPath, JsonPathError, NOT_FOUND, parseJsonPath, queryJsonPath } from './json-path.js';

const doc = {
  id: 7,
  title: 'Hello',
  nothing: null,
  user: { name: 'ada', 'odd key': 1, "it's": 2, length: 3 },
  items: [{ id: 'a' }, { id: 'b', tags: ['x', 'y'] }],
  empty: [],
};

describe('parseJsonPath', () => {
  const cases: [string, (string | number)[]][] = [
    ['$', []],
    ['$.id', ['id']],
    ['$.user.name', ['user', 'name']],
    ['$.items[0].id', ['items', 0, 'id']],
    ['$.items[-1]', ['items', -1]],
    ['$[1]', [1]],
    ["$['odd key']", ['odd key']],
    ['$["odd key"]', ['odd key']],
    ["$['it\\'s']", ["it's"]],
    ['$.items[ 1 ].tags', ['items', 1, 'tags']],
    ['$.first-name', ['first-name']],
    ['  $.id  ', ['id']],
  ];
  for (const [source, segments] of cases) {
    it(`reads ${source}`, () => expect(parseJsonPath(source)).toEqual(segments));
  }

  const bad: [string, RegExp][] = [
    ['id', /starts with '\$'/],
    ['$..id', /recursive descent/],
    ['$.items[*]', /wildcards/],
    ['$.*', /wildcards/],
    ['$.items[?(@.id)]', /filters/],
    ['$.items[', /an index such as \[0\]/],
    ['$.', /expected a name/],
    ['$id', /expected '\.name'/],
    ["$['open]", /quoted key/],
  ];
  for (const [source, message] of bad) {
    it(`refuses ${source}`, () => {
      expect(() => parseJsonPath(source)).toThrow(JsonPathError);
      expect(() => parseJsonPath(source)).toThrow(message);
    });
  }

  it('names the path, the position and the supported forms', () => {
    expect(() => parseJsonPath('$.a..b')).toThrow(
      /JSON path '\$\.a\.\.b' at character 4: .*supported: \$\.a\.b/,
    );
  });
});

describe('queryJsonPath', () => {
  const q = (source: string, root: unknown = doc) => compileJsonPath(source).query(root);

  it('walks objects and arrays', () => {
    expect(q('$')).toBe(doc);
    expect(q('$.id')).toBe(7);
    expect(q('$.user.name')).toBe('ada');
    expect(q('$.items[0].id')).toBe('a');
    expect(q('$.items[1].tags[1]')).toBe('y');
    expect(q('$.items.1.id')).toBe('b');
    expect(q("$.user['odd key']")).toBe(1);
  });

  it('counts from the end with a negative index', () => {
    expect(q('$.items[-1].id')).toBe('b');
    expect(q('$.items[-3]')).toBe(NOT_FOUND);
  });

  it('gives the length of arrays and strings, and an own length property of an object', () => {
    expect(q('$.items.length')).toBe(2);
    expect(q('$.empty.length')).toBe(0);
    expect(q('$.title.length')).toBe(5);
    expect(q('$.user.length')).toBe(3);
  });

  it('tells a found null from a missing key', () => {
    expect(q('$.nothing')).toBeNull();
    expect(q('$.missing')).toBe(NOT_FOUND);
    expect(q('$.nothing.deeper')).toBe(NOT_FOUND);
    expect(q('$.items[5].id')).toBe(NOT_FOUND);
    expect(q('$.id.x')).toBe(NOT_FOUND);
    expect(q('$.items.id')).toBe(NOT_FOUND);
  });

  it('never reaches inherited properties', () => {
    expect(q('$.constructor')).toBe(NOT_FOUND);
    expect(q('$.__proto__')).toBe(NOT_FOUND);
    expect(q('$.user.toString')).toBe(NOT_FOUND);
    expect(q('$.items.map')).toBe(NOT_FOUND);
  });

  it('works on a scalar root', () => {
    expect(queryJsonPath(5, [])).toBe(5);
    expect(queryJsonPath('abc', ['length'])).toBe(3);
    expect(queryJsonPath(null, ['a'])).toBe(NOT_FOUND);
  });
});
