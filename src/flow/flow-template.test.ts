// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { describe, expect, it } from 'vitest';
import type { VuContext } from '../script-api/vu-context.js';
import {
  compileTemplate,
  envNamesIn,
  type Getter,
  parseTemplate,
  type Run,
  routeOf,
  stringify,
  TemplateError,
  urlSafe,
  type VarRef,
} from './flow-template.js';

// A resolver over fixed values: the template module does not care where values come from.
const values: Record<string, unknown> = {
  id: 42,
  name: 'ada lovelace',
  obj: { a: 1 },
  flag: true,
  nil: null,
};
const resolve = (ref: VarRef): Getter => {
  if (!(ref.head in values)) throw new TemplateError(`unknown ${ref.head}`);
  return () => values[ref.head];
};
const run = { ctx: {} as VuContext, slots: [] } satisfies Run;

describe('parseTemplate', () => {
  it('keeps plain text as one literal', () => {
    expect(parseTemplate('/health')).toEqual(['/health']);
    expect(parseTemplate('')).toEqual([]);
    expect(parseTemplate('cost: $5, {x}')).toEqual(['cost: $5, {x}']);
  });

  it('splits references out of the text', () => {
    expect(parseTemplate('/prompts/${id}/tags')).toEqual([
      '/prompts/',
      { source: 'id', head: 'id', path: [] },
      '/tags',
    ]);
    expect(parseTemplate('${ row.first-name }${item.tags.0}')).toEqual([
      { source: 'row.first-name', head: 'row', path: ['first-name'] },
      { source: 'item.tags.0', head: 'item', path: ['tags', '0'] },
    ]);
  });

  it('reads env references with and without a default', () => {
    expect(parseTemplate('${env.API_TOKEN}')).toEqual([
      { source: 'env.API_TOKEN', head: 'env', path: ['API_TOKEN'] },
    ]);
    expect(parseTemplate('${env.PORT:-8080}')).toEqual([
      { source: 'env.PORT:-8080', head: 'env', path: ['PORT'], fallback: '8080' },
    ]);
    expect(parseTemplate('${env.X:-}')).toEqual([
      { source: 'env.X:-', head: 'env', path: ['X'], fallback: '' },
    ]);
  });

  it('writes $${ as a literal ${', () => {
    expect(parseTemplate('keep $${this} and ${id}')).toEqual([
      'keep ${this} and ',
      { source: 'id', head: 'id', path: [] },
    ]);
  });

  it('refuses an unclosed reference and expressions', () => {
    expect(() => parseTemplate('/p/${id')).toThrow(/at character 4 .* never closed/);
    expect(() => parseTemplate('${id + 1}')).toThrow(/'\$\{id \+ 1\}' is not a variable reference/);
    expect(() => parseTemplate('${}')).toThrow(TemplateError);
    expect(() => parseTemplate('${f()}')).toThrow(TemplateError);
    expect(() => parseTemplate('${a..b}')).toThrow(TemplateError);
  });
});

describe('compileTemplate', () => {
  it('renders a constant without resolving anything', () => {
    const t = compileTemplate('/health', () => {
      throw new Error('not called');
    });
    expect(t.constant).toBe(true);
    expect(t.render(run)).toBe('/health');
    expect(t.value(run)).toBe('/health');
  });

  it('substitutes values as text', () => {
    const t = compileTemplate('/u/${name}/${id}?f=${flag}&o=${obj}&n=${nil}', resolve);
    expect(t.constant).toBe(false);
    expect(t.render(run)).toBe('/u/ada lovelace/42?f=true&o={"a":1}&n=null');
  });

  it('keeps the type of a value when the template is one reference', () => {
    expect(compileTemplate('${id}', resolve).value(run)).toBe(42);
    expect(compileTemplate('${obj}', resolve).value(run)).toEqual({ a: 1 });
    expect(compileTemplate('#${id}', resolve).value(run)).toBe('#42');
  });

  it('escapes substituted values, never the literal text', () => {
    const t = compileTemplate('/a b/${name}', resolve, { escape: urlSafe });
    expect(t.render(run)).toBe('/a b/ada%20lovelace');
  });

  it('lets the resolver refuse unknown names', () => {
    expect(() => compileTemplate('/x/${nope}', resolve)).toThrow(/unknown nope/);
  });
});

describe('stringify and urlSafe', () => {
  it('writes values as text', () => {
    expect(stringify('s')).toBe('s');
    expect(stringify(1.5)).toBe('1.5');
    expect(stringify(false)).toBe('false');
    expect(stringify(null)).toBe('null');
    expect(stringify([1, 'a'])).toBe('[1,"a"]');
  });

  it('escapes only what a URL cannot hold', () => {
    expect(urlSafe('a/b?c=d&e=%20')).toBe('a/b?c=d&e=%20');
    expect(urlSafe('hello world')).toBe('hello%20world');
    expect(urlSafe('"<>\\^`{|}')).toBe('%22%3C%3E%5C%5E%60%7B%7C%7D');
    expect(urlSafe('café ☕')).toBe('caf%C3%A9%20%E2%98%95');
    expect(urlSafe('tab\tnl\n')).toBe('tab%09nl%0A');
    expect(urlSafe('\ud800')).toBe('%EF%BF%BD');
  });
});

describe('routeOf', () => {
  it('writes references as :name unless told their value', () => {
    const parts = parseTemplate('${env.BASE}/prompts/${id}/${row.slug}');
    expect(routeOf(parts, () => undefined)).toBe(':env.BASE/prompts/:id/:row.slug');
    expect(routeOf(parts, (r) => (r.head === 'env' ? 'http://h' : undefined))).toBe(
      'http://h/prompts/:id/:row.slug',
    );
    expect(routeOf(parseTemplate('${env.X:-d}'), () => undefined)).toBe(':env.X');
  });
});

describe('envNamesIn', () => {
  it('lists the env variables read without a default, anywhere in the steps', () => {
    const steps = [
      { get: '${env.BASE}/a', headers: { Authorization: 'Bearer ${env.API_TOKEN}' } },
      { post: { url: '/b', json: { deep: ['${env.TENANT}', '${env.PORT:-80}', '${env.BASE}'] } } },
      { loop: [{ get: '/c/${id}' }], count: 1 },
      { get: '/broken/${env.X' },
    ];
    expect(envNamesIn(steps)).toEqual(['API_TOKEN', 'BASE', 'TENANT']);
    expect(envNamesIn([{ get: '/plain' }])).toEqual([]);
  });
});

describe('random helpers and {{ }}', () => {
  it('parses random calls with their arguments', () => {
    expect(parseTemplate("${random.int(1, 100)}-${random.pick('a', 'b,c')}-${random.uuid}")).toEqual([
      { source: 'random.int(1, 100)', head: 'random', path: ['int'], args: ['1', '100'] },
      '-',
      { source: "random.pick('a', 'b,c')", head: 'random', path: ['pick'], args: ["'a'", "'b,c'"] },
      '-',
      { source: 'random.uuid', head: 'random', path: ['uuid'] },
    ]);
  });

  it("reads Artillery's {{ }} as ${}, and maps its functions", () => {
    expect(parseTemplate('/items/{{ id }}')).toEqual(['/items/', { source: 'id', head: 'id', path: [] }]);
    expect(parseTemplate('{{ $randomNumber(1,10) }}')[0]).toMatchObject({
      head: 'random',
      path: ['int'],
      args: ['1', '10'],
    });
    expect(parseTemplate('{{ $uuid }}')[0]).toMatchObject({ head: 'random', path: ['uuid'] });
    expect(parseTemplate('{{ $randomString() }}')[0]).toMatchObject({
      head: 'random',
      path: ['string'],
      args: ['10'],
    });
    expect(parseTemplate('{{ $processEnvironment.TOKEN }}')[0]).toMatchObject({
      head: 'env',
      path: ['TOKEN'],
    });
    expect(() => parseTemplate('{{ $randomEmail() }}')).toThrow(/Artillery function squall does not have/);
    // An unclosed {{ is text.
    expect(parseTemplate('a {{ b')).toEqual(['a {{ b']);
  });
});
