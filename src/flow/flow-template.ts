import type { VuContext } from '../script-api/vu-context.js';

/**
 * `${…}` templates in YAML flows: `/prompts/${id}`, `Bearer ${env.API_TOKEN}`, `${row.email}`.
 * A template is parsed and its names resolved once, at compile time, into literal strings and
 * getter functions, so an iteration only calls getters and concatenates.
 *
 * Syntax: `${name}`, `${name.field.0}`, `${env.NAME}`, `${env.NAME:-default}`; `$${` writes a
 * literal `${`. The random helpers `${random.int(1,100)}`, `${random.pick(list)}`,
 * `${random.pick('a','b')}`, `${random.uuid}`, `${random.string(8)}` are the only calls; anything
 * else inside `${…}` (expressions) is refused at compile time.
 *
 * Artillery's `{{ name }}` is an alias of `${name}` (same names, same checks), and its
 * `{{ $randomNumber(1,10) }}`, `{{ $uuid }}`, `{{ $randomString() }}` and
 * `{{ $processEnvironment.NAME }}` map to random.int, random.uuid, random.string(10) and env.NAME:
 * a `{{ … }}` is never sent as written.
 */

/** What getters read while an iteration runs: the VU's context and the iteration's local slots. */
export interface Run {
  ctx: VuContext;
  /** Feed rows, loop items and loop indexes of this iteration, at slots the compiler assigned. */
  slots: unknown[];
}

/** One compiled step of a flow. */
export type StepRun = (run: Run) => Promise<void> | void;

/** Returns the variable's value, or throws an Error saying which variable is not set and why. */
export type Getter = (run: Run) => unknown;

/** A parsed `${…}`: `head.path[0].path[1]`, plus the env default after `:-`. */
export interface VarRef {
  /** The text between `${` and `}`, trimmed: labels and names show it. */
  source: string;
  head: string;
  path: string[];
  /** `${env.X:-default}`: used when X is not set. */
  fallback?: string;
  /** `${random.int(1, 5)}`: the call's arguments as written (head `random`, path [function]). */
  args?: string[];
}

export type TemplatePart = string | VarRef;

/** A template error, before the caller attaches the file and key path. */
export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const TEMPLATE_FORMS = `\${name}, \${name.field}, \${env.NAME}, \${env.NAME:-default}, \${random.int(1,100)}`;
const REF = /^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_-]+)*)$/;
const ENV_REF = /^env\.([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Splits `text` into literals and references; adjacent literals are merged. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const close = text.indexOf('}}', i + 2);
      if (close >= 0) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push(parseRef(artilleryRef(text.slice(i + 2, close))));
        i = close + 2;
        continue;
      }
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) {
      throw new TemplateError(
        `'\${' at character ${i + 1} of ${JSON.stringify(text)} is never closed with '}'`,
      );
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(parseRef(text.slice(i + 2, end)));
    i = end + 1;
  }
  if (literal) parts.push(literal);
  return parts;
}

/** Artillery's `{{ … }}` contents as the `${…}` text they stand for. */
function artilleryRef(inner: string): string {
  const t = inner.trim();
  if (!t.startsWith('$')) return t;
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?(.*)$/s.exec(t);
  const fn = m?.[1];
  const args = m?.[2]?.trim() ?? '';
  const rest = m?.[3] ?? '';
  if (fn === 'randomNumber' && rest === '') return `random.int(${args})`;
  if (fn === 'uuid' && rest === '' && args === '') return 'random.uuid';
  if (fn === 'randomString' && rest === '') return `random.string(${args === '' ? '10' : args})`;
  if ((fn === 'processEnvironment' || fn === 'env') && args === '' && /^\.[A-Za-z_]\w*$/.test(rest))
    return `env${rest}`;
  throw new TemplateError(
    `'{{ ${t} }}' is an Artillery function squall does not have`,
    `write \${random.int(1,10)}, \${random.pick('a','b')}, \${random.uuid}, \${random.string(8)} or \${env.NAME}; ` +
      'Artillery processor functions become TypeScript tests',
  );
}

const RANDOM_REF = /^random\.([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?$/s;

/** Splits call arguments at commas outside quotes; each trimmed. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      cur += ch;
      if (ch === '\\' && i + 1 < text.length) cur += text[++i];
      else if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

function parseRef(inner: string): VarRef {
  const source = inner.trim();
  const random = RANDOM_REF.exec(source);
  if (random)
    return {
      source,
      head: 'random',
      path: [random[1]!],
      ...(random[2] === undefined ? {} : { args: splitArgs(random[2]) }),
    };
  const env = ENV_REF.exec(source);
  if (env)
    return { source, head: 'env', path: [env[1]!], ...(env[2] === undefined ? {} : { fallback: env[2] }) };
  const m = REF.exec(source);
  if (!m) {
    throw new TemplateError(
      `'\${${inner}}' is not a variable reference`,
      `templates name a variable, they do not compute: write ${TEMPLATE_FORMS} (and $\${ for a literal '\${')`,
    );
  }
  return { source, head: m[1]!, path: m[2] ? m[2].slice(1).split('.') : [] };
}

/** How a value becomes text in a template: strings as they are, objects as JSON. */
export function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

// Printable ASCII that is never valid in a URL. Substituted values are escaped only for these,
// whitespace, control characters and non-ASCII, so a value holding `/`, `?`, `&` or an already
// %-encoded part passes unchanged.
const UNSAFE_ASCII = new Set('"<>\\^`{|}');

function urlUnsafe(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c <= 0x20 || c >= 0x7f || UNSAFE_ASCII.has(ch);
}

/** Escapes what cannot appear in a URL (spaces, quotes, non-ASCII) and leaves the rest alone. */
export function urlSafe(text: string): string {
  let out = '';
  let changed = false;
  for (const ch of text) {
    if (!urlUnsafe(ch)) {
      out += ch;
      continue;
    }
    changed = true;
    // A lone surrogate has no UTF-8 form; write U+FFFD as TextEncoder would.
    const lone = ch.length === 1 && ch >= '\ud800' && ch <= '\udfff';
    out += lone ? '%EF%BF%BD' : encodeURIComponent(ch);
  }
  return changed ? out : text;
}

export interface Template {
  /** As written, for labels and request names. */
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** No references: `render` always returns `source`'s literal text. */
  readonly constant: boolean;
  /** The text with every reference substituted. */
  render(run: Run): string;
  /**
   * When the whole template is one reference (`"${id}"`), the variable's own value, so a JSON
   * leaf keeps a captured number a number; otherwise the rendered text.
   */
  value(run: Run): unknown;
}

export interface TemplateOptions {
  /** Applied to each substituted value (not to the literal text): `urlSafe` for URLs. */
  escape?: (text: string) => string;
}

/** Parses `text` and resolves its references with `resolve` (which throws TemplateError for unknown names). */
export function compileTemplate(
  text: string,
  resolve: (ref: VarRef) => Getter,
  options: TemplateOptions = {},
): Template {
  const parts = parseTemplate(text);
  const pieces: Array<string | Getter> = parts.map((p) => (typeof p === 'string' ? p : resolve(p)));
  const escapeValue = options.escape;
  if (pieces.length === 0 || (pieces.length === 1 && typeof pieces[0] === 'string')) {
    const literal = (pieces[0] as string | undefined) ?? '';
    return { source: text, parts, constant: true, render: () => literal, value: () => literal };
  }
  const text1 = (g: Getter, run: Run) => {
    const s = stringify(g(run));
    return escapeValue ? escapeValue(s) : s;
  };
  const render = (run: Run): string => {
    let out = '';
    for (const piece of pieces) out += typeof piece === 'string' ? piece : text1(piece, run);
    return out;
  };
  const only = pieces.length === 1 ? (pieces[0] as Getter) : undefined;
  return { source: text, parts, constant: false, render, value: only ?? render };
}

/**
 * The template's text with each reference written `:name` (`/prompts/${id}` → `/prompts/:id`):
 * a request's default name, stable across iterations so stats group by endpoint, not by id.
 * `keep` decides which references are substituted instead (env values are constant in a run).
 */
export function routeOf(parts: readonly TemplatePart[], keep: (ref: VarRef) => string | undefined): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : (keep(p) ?? `:${p.source.replace(/:-.*$/s, '')}`);
  return out;
}

/**
 * The env variables that the templates anywhere in `value` (a flow's raw steps) read without a
 * default, sorted: the loader can refuse a missing one before the load starts, instead of every
 * iteration failing on it. Text that does not parse as a template is skipped (compiling reports it).
 */
export function envNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return;
      try {
        for (const p of parseTemplate(v)) {
          if (typeof p !== 'string' && p.head === 'env' && p.fallback === undefined && p.path[0])
            names.add(p.path[0]);
        }
      } catch {
        // Reported by compileFlow.
      }
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (typeof v === 'object' && v !== null) {
      // A condition may test an env variable that is not set (it is then false).
      for (const [k, item] of Object.entries(v)) if (k !== 'if') visit(item);
    }
  };
  visit(value);
  return [...names].sort();
}
