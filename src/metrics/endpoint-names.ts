/**
 * The endpoint limit. Every endpoint keeps HDR histograms (tens of kB), so a test whose URLs
 * carry ids (`GET /items/4711`) would otherwise grow one endpoint per id: 5,000 ids took 835 MB.
 * Up to `max` names are kept as they are; past that, a new name is grouped under its path
 * template (`GET /items/:id`, what k6's `name` tag and Locust's `name=` do by hand), at most
 * `max` templates; whatever is left goes to one endpoint named `other`. Endpoints are keyed by
 * (method, name), as Locust's rows are: `GET items` and `POST items` are two, and count as two.
 */

export const DEFAULT_MAX_ENDPOINTS = 200;

/** The endpoint that takes the names past both limits. */
export const OTHER_ENDPOINT = 'other';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
/** Hex ids: 8 digits or more with a decimal digit among them, so that words stay words. */
const HEX = /^(?=[a-f]*\d)[0-9a-f]{8,}$/i;

function isIdSegment(s: string): boolean {
  return NUMBER.test(s) || UUID.test(s) || HEX.test(s);
}

/**
 * `GET /items/123/parts/9f8e7d6c5b4a` -> `GET /items/:id/parts/:id`: numeric, UUID and hex path
 * segments become `:id`. A name without such a segment comes back as it is.
 */
export function pathTemplate(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return name;
  const segments = name.slice(slash).split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    if (isIdSegment(segments[i]!)) {
      segments[i] = ':id';
      changed = true;
    }
  }
  return changed ? name.slice(0, slash) + segments.join('/') : name;
}

/** The key of an endpoint: its method and name. */
export function endpointKey(method: string, name: string): string {
  return `${method}\u0000${name}`;
}

/** Decides the endpoint name each request name is recorded under. */
export class EndpointNames {
  /** Keys (endpointKey) of the names kept as they are, and of the templates. */
  private readonly own = new Set<string>();
  private readonly templates = new Set<string>();
  /** Distinct request names grouped under each template or `other`, by endpointKey. */
  readonly grouped = new Map<string, number>();
  /** Distinct request names seen past the limit (each counted once). */
  private readonly seenPast = new Set<string>();
  /** Set once, when the limit is first passed: the message to show. */
  notice: string | undefined;

  constructor(readonly max: number = DEFAULT_MAX_ENDPOINTS) {}

  /**
   * The endpoint name for `name` requested with `method`. Call once per distinct pair (callers
   * cache the answer).
   */
  resolve(name: string, method = ''): string {
    const key = endpointKey(method, name);
    if (this.own.has(key) || this.templates.has(key)) return name;
    if (this.own.size < this.max) {
      this.own.add(key);
      return name;
    }
    let target = pathTemplate(name);
    const targetKey = endpointKey(method, target);
    if (!this.templates.has(targetKey)) {
      if (target === name || this.templates.size >= this.max) target = OTHER_ENDPOINT;
      else this.templates.add(targetKey);
    }
    if (!this.seenPast.has(key)) {
      // Bounded: past the limit the set only grows until `other` has taken everything else,
      // and it holds strings, not histograms.
      if (this.seenPast.size < 100 * this.max) this.seenPast.add(key);
      const k = endpointKey(method, target);
      this.grouped.set(k, (this.grouped.get(k) ?? 0) + 1);
    }
    this.notice ??=
      `more than ${this.max} distinct request names (from '${name}'): later ones are grouped by path ` +
      `template (ids become :id, e.g. '${target}'), then into '${OTHER_ENDPOINT}'; ` +
      "name requests with ids yourself, e.g. { name: 'GET /items/:id' }, or raise --max-endpoints";
    return target;
  }

  /** How many distinct request names went to the endpoint (method, name); undefined if none. */
  groupedUnder(method: string, name: string): number | undefined {
    return this.grouped.get(endpointKey(method, name));
  }
}
