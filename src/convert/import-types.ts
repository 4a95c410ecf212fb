/**
 * What `squall import` produces from a browser recording (HAR), an OpenAPI/Swagger spec or a curl
 * command line: the squall test (or `squall quick` command), and an account of what was
 * translated and what was not.
 */

export type ImportSource = 'har' | 'openapi' | 'curl';

export interface Imported {
  source: ImportSource;
  /** The squall YAML test, or the `squall quick …` command line. */
  text: string;
  /** What was translated, one short line each ("12 requests, 3 think times"). */
  translated: string[];
  /** What was left out or could not be translated, one short line each, with the reason. */
  skipped: string[];
}

/** Input an importer cannot read: not a HAR, an invalid spec, a curl line without a URL. */
export class ImportError extends Error {
  constructor(
    message: string,
    /** 1-based line of the input, when known. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

/**
 * A recorded string as a literal of a YAML flow: flows read `${…}` and Artillery's `{{ … }}` as
 * templates, and `$${` is the way to write a literal `${`. A literal `{{ … }}` has no escape;
 * `templateTrap` finds it so the importer can say so.
 */
export function literal(text: string): string {
  // A function replacement: in a replacement string `$$` means one `$`.
  return text.replace(/\$\{/g, () => '$${');
}

/** True when a flow would read part of `text` as Artillery's `{{ … }}` template. */
export function templateTrap(text: string): boolean {
  return /\{\{[\s\S]*?\}\}/.test(text);
}

/** A value's string leaves escaped with `literal` (JSON bodies, query maps). */
export function literalDeep(value: unknown): unknown {
  if (typeof value === 'string') return literal(value);
  if (Array.isArray(value)) return value.map(literalDeep);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalDeep(v)]));
  return value;
}

/** True when any string leaf of `value` holds a `{{ … }}`. */
export function hasTemplateTrap(value: unknown): boolean {
  if (typeof value === 'string') return templateTrap(value);
  if (Array.isArray(value)) return value.some(hasTemplateTrap);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplateTrap);
  return false;
}

/** Milliseconds as a flow duration: `250ms`, `1.5s`. */
export function durationText(ms: number): string {
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  return `${Number((whole / 1000).toFixed(3))}s`;
}

/** A JSON media type: application/json, application/problem+json, …; parameters ignored. */
export function isJsonMime(mime: string | undefined): boolean {
  if (mime === undefined) return false;
  const base = mime.split(';')[0]!.trim().toLowerCase();
  return base === 'application/json' || /^[a-z]+\/[\w.+-]*\+json$/.test(base) || base === 'text/json';
}
