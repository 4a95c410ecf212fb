// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow conditions, not JS templates.
import { describe, expect, it } from 'vitest';
import type { VuContext } from '../script-api/vu-context.js';
import { ConditionError, compileCondition, parseCondition } from './flow-condition.js';
import { type Getter, type Run, TemplateError, type VarRef } from './flow-template.js';

const values: Record<string, unknown> = {
  status: 'active',
  count: 5,
  text3: '3',
  empty: '',
  zero: 0,
  list: [1, 2],
  none: [],
  flag: true,
  row: { plan: 'pro', n: '7' },
};
const resolve = (ref: VarRef): Getter => {
  if (ref.head === 'unset') {
    return () => {
      throw new Error('${unset} is not set');
    };
  }
  if (!(ref.head in values)) throw new TemplateError(`no earlier step sets '${ref.head}'`);
  return () => {
    const v = values[ref.head];
    return ref.path.length === 0 ? v : (v as Record<string, unknown>)[ref.path[0]!];
  };
};
const run = { ctx: {} as VuContext, slots: [] } satisfies Run;
const holds = (text: string) => compileCondition(parseCondition(text), resolve)(run);

describe('conditions', () => {
  it('compares, with text and numbers meeting as a CSV field and an API value do', () => {
    expect(holds("${status} == 'active' and ${count} > 3")).toBe(true);
    expect(holds("status != 'active' or count >= 6")).toBe(false);
    expect(holds('text3 == 3 and text3 < 10 and row.n > 6')).toBe(true);
    expect(holds('row.plan == "pro"')).toBe(true);
    expect(holds('count <= 5 and count < 5')).toBe(false);
    expect(holds('flag == true and flag != false')).toBe(true);
  });

  it('a lone operand holds when set and not empty, 0, false or an empty list', () => {
    expect(holds('${status}')).toBe(true);
    expect(holds('list')).toBe(true);
    for (const f of ['empty', 'zero', 'none', '${unset}', 'false', "''"]) expect(holds(f), f).toBe(false);
    expect(holds('not unset and not zero')).toBe(true);
  });

  it('and binds tighter than or; not and parentheses; && || ! too', () => {
    expect(holds('zero or count == 5 and flag')).toBe(true);
    expect(holds('(zero or count == 5) and not flag')).toBe(false);
    expect(holds('!zero && (empty || list)')).toBe(true);
    expect(holds('{{ count }} == 5')).toBe(true);
  });

  it('refuses bad syntax, naming what and where', () => {
    const bad = (text: string) => () => parseCondition(text);
    expect(bad('${a} = 1')).toThrow(/'=' is not a comparison; write == at character 6/);
    expect(bad('a ==')).toThrow(/expected a value, found the end/);
    expect(bad('(a or b')).toThrow(/expected '\)'/);
    expect(bad('a b')).toThrow(/unexpected 'b'.*a value after a value/);
    expect(bad("name == 'open")).toThrow(/never closed/);
    expect(bad('')).toThrow(ConditionError);
    expect(bad('a # b')).toThrow(/unexpected "#"/);
  });

  it('refuses a name nothing sets when it compiles', () => {
    expect(() => compileCondition(parseCondition('${tokne} and count'), resolve)).toThrow(
      /no earlier step sets 'tokne'/,
    );
  });
});
