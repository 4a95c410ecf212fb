// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { describe, expect, it } from 'vitest';
import type { VuContext } from '../script-api/vu-context.js';
import { FlowScope } from './flow-scope.js';
import { compileTemplate, type Run } from './flow-template.js';

/** A scope with a captured list `colors`, and a run whose VU random stream is fixed. */
function setup(draws: number[]) {
  const scope = new FlowScope();
  scope.addCapture('colors', 'flow[0]');
  let i = 0;
  const ctx = {
    vu: { id: 1, iteration: 0, scenario: 's', user: 'U', state: { colors: ['red', 'green', 'blue'] } },
    env: { SIZES: 'S, M' },
    random: () => draws[i++ % draws.length]!,
  } as unknown as VuContext;
  const run: Run = { ctx, slots: [] };
  const value = (text: string) => compileTemplate(text, (ref) => scope.resolve(ref)).value(run);
  return { value, scope };
}

describe('random helpers', () => {
  it('draw from the VU stream: int within its bounds (both included), pick from lists', () => {
    const { value } = setup([0, 0.999999, 0.5]);
    expect(value('${random.int(3, 7)}')).toBe(3);
    expect(value('${random.int(3, 7)}')).toBe(7);
    expect(value('${random.int(3, 7)}')).toBe(5);
    expect(value("${random.pick('a', 'b', 3)}")).toBe('a');
    expect(value('${random.pick(colors)}')).toBe('blue');
    expect(value('${random.pick(env.SIZES)}')).toBe('M');
    expect(value('${random.string(6)}')).toMatch(/^[A-Za-z0-9]{6}$/);
    expect(value('${random.uuid}')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bad calls when the flow compiles', () => {
    const { value } = setup([0]);
    expect(() => value('${random.int(5, 1)}')).toThrow(/max 1 is below min 5/);
    expect(() => value('${random.int(1)}')).toThrow(/two bounds/);
    expect(() => value('${random.int(a, 2)}')).toThrow(/whole number/);
    expect(() => value('${random.pik(colors)}')).toThrow(/did you mean 'pick'/);
    expect(() => value('${random.pick(colours)}')).toThrow(/no earlier step sets 'colours'/);
    expect(() => value('${random.string(0)}')).toThrow(/n from 1/);
  });
});
