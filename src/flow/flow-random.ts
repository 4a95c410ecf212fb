import { randomUUID } from 'node:crypto';
import { didYouMean, IDENTIFIER } from './flow-shape.js';
import { type Getter, type Run, TemplateError, type VarRef } from './flow-template.js';

/**
 * The random helpers of YAML templates (Locust's random.randint / random.choice, Artillery's
 * $randomNumber): `${random.int(1,100)}`, `${random.pick(list)}`, `${random.pick('a','b')}`,
 * `${random.uuid}`, `${random.string(8)}`. Arguments are checked at compile time; the values
 * come from the VU's seeded random stream (ctx.random), uuids from crypto.randomUUID.
 */

export const RANDOM_FUNCTIONS = ['int', 'pick', 'uuid', 'string'] as const;

const FORMS =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: YAML templates, shown in hints.
  "${random.int(1,100)}, ${random.pick(list)}, ${random.pick('a','b')}, ${random.uuid}, ${random.string(8)}";
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAX_STRING = 100_000;

/** Where `random.pick(name)` finds a list: the getter of a name (a capture, a binding, env). */
export type ListResolver = (name: string) => Getter;

const draw = (run: Run): number => (run.ctx.random ?? Math.random)();

/** A literal argument: a number, or a 'quoted' / "quoted" string; undefined when it is neither. */
export function literalArg(text: string): string | number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const q = text[0];
  if ((q === "'" || q === '"') && text.length >= 2 && text.endsWith(q))
    return text.slice(1, -1).replace(/\\(.)/gs, '$1');
  return undefined;
}

function wholeArg(ref: VarRef, text: string | undefined, what: string): number {
  const n = text === undefined ? Number.NaN : Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n)) {
    throw new TemplateError(
      `\${${ref.source}}: ${what} must be a whole number, given ${text === undefined || text === '' ? 'nothing' : text}`,
      `write ${FORMS}`,
    );
  }
  return n;
}

/** The getter of a `${random.…}` reference; throws TemplateError for a bad call. */
export function randomGetter(ref: VarRef, list: ListResolver): Getter {
  const fn = ref.path[0]!;
  const args = ref.args ?? [];
  switch (fn) {
    case 'int': {
      if (args.length !== 2)
        throw new TemplateError(`\${${ref.source}}: random.int takes two bounds, random.int(min, max)`);
      const lo = wholeArg(ref, args[0], 'min');
      const hi = wholeArg(ref, args[1], 'max');
      if (hi < lo) throw new TemplateError(`\${${ref.source}}: max ${hi} is below min ${lo}`);
      const span = hi - lo + 1;
      return (run) => lo + Math.floor(draw(run) * span);
    }
    case 'uuid':
      if (args.length > 0) throw new TemplateError(`\${${ref.source}}: random.uuid takes no arguments`);
      return () => randomUUID();
    case 'string': {
      const n = args.length === 0 ? 10 : wholeArg(ref, args[0], 'the length');
      if (args.length > 1 || n < 1 || n > MAX_STRING)
        throw new TemplateError(`\${${ref.source}}: write random.string(n), n from 1 to ${MAX_STRING}`);
      return (run) => {
        let out = '';
        for (let i = 0; i < n; i++) out += ALPHANUMERIC[Math.floor(draw(run) * ALPHANUMERIC.length)];
        return out;
      };
    }
    case 'pick':
      return pickGetter(ref, args, list);
    default: {
      const hint = didYouMean(fn, RANDOM_FUNCTIONS);
      throw new TemplateError(
        `\${${ref.source}}: random has no '${fn}'${hint ? ` — ${hint}` : ''}`,
        `write ${FORMS}`,
      );
    }
  }
}

function pickGetter(ref: VarRef, args: string[], list: ListResolver): Getter {
  if (args.length === 0)
    throw new TemplateError(
      `\${${ref.source}}: random.pick takes a list's name or the items: random.pick('a','b')`,
    );
  const literals = args.map(literalArg);
  if (literals.every((v) => v !== undefined)) {
    const items = literals as Array<string | number>;
    return (run) => items[Math.floor(draw(run) * items.length)];
  }
  const name = args[0]!;
  if (args.length > 1 || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/.test(name))
    throw new TemplateError(
      `\${${ref.source}}: random.pick takes one list's name, or only quoted items and numbers`,
      `write ${FORMS}`,
    );
  const head = name.split('.')[0]!;
  if (!IDENTIFIER.test(head)) throw new TemplateError(`\${${ref.source}}: '${name}' is not a name`);
  const get = list(name);
  return (run) => {
    let value = get(run);
    // An env value is text: its comma-separated items are the list.
    if (typeof value === 'string') value = value.split(',').map((s) => s.trim());
    if (!Array.isArray(value) || value.length === 0) {
      throw new Error(
        `\${${ref.source}}: '${name}' is not a list with items (it is ${JSON.stringify(value)})`,
      );
    }
    return value[Math.floor(draw(run) * value.length)];
  };
}
