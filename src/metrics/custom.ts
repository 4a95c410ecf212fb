import { SquallError } from '../errors/index.js';
import { BUILTIN_METRICS } from '../result/builtin-metrics.js';
import { TrendHistogram } from '../util/trend-histogram.js';

/**
 * Users' own metrics, with k6's API: `new Trend('verify_ms', true).add(12.5, { kind: 'long' })`.
 *
 * Metrics are declared when the test file loads, before any run exists, so their data lives in a
 * registry rather than in a run: RunMetrics resets the data when a run starts and reads it at the
 * end. The registry sits on `globalThis` under a `Symbol.for` key because a test file may load a
 * second copy of this module (another path to the package, a TypeScript loader's own cache); both
 * copies must feed the same run. For the same reason readers use the plain data shapes below,
 * never `instanceof`.
 */

export type CustomMetricKind = 'counter' | 'gauge' | 'rate' | 'trend';

/** One tag combination of a custom metric. */
export interface CustomSeries {
  readonly tags: Readonly<Record<string, string>>;
  /** Samples added. */
  samples: number;
  /** Counter: the sum of the values. */
  sum: number;
  /** Rate: the samples that were true (non-zero). */
  trues: number;
  /** Gauge: the last value, when it was set (a registry-wide sequence), and the extremes seen. */
  last: number;
  lastSeq: number;
  min: number;
  max: number;
  /** Trend only: an HDR histogram of the values (milliseconds for a time trend). */
  readonly trend: TrendHistogram | null;
}

export interface CustomMetricEntry {
  readonly name: string;
  readonly kind: CustomMetricKind;
  /** Trend: the values are durations in milliseconds (k6's `isTime`). */
  readonly isTime: boolean;
  /** The series without tags, kept apart so that `.add(v)` needs no lookup. */
  readonly untagged: CustomSeries;
  /** Tagged series by canonical key (`k=v\u0000k=v`, keys sorted). */
  readonly tagged: Map<string, CustomSeries>;
}

export interface CustomMetricRegistry {
  readonly metrics: Map<string, CustomMetricEntry>;
  /** Orders gauge values across tag sets, so the metric's value is the last one set. */
  seq: number;
}

const REGISTRY_KEY = Symbol.for('squall.custom-metrics.v1');
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

/** The process-wide registry (one per worker thread: each has its own globalThis). */
export function customMetricRegistry(): CustomMetricRegistry {
  const g = globalThis as { [REGISTRY_KEY]?: CustomMetricRegistry };
  let r = g[REGISTRY_KEY];
  if (r === undefined) {
    r = { metrics: new Map(), seq: 0 };
    g[REGISTRY_KEY] = r;
  }
  return r;
}

function newSeries(kind: CustomMetricKind, tags: Readonly<Record<string, string>>): CustomSeries {
  return {
    tags,
    samples: 0,
    sum: 0,
    trues: 0,
    last: 0,
    lastSeq: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    trend: kind === 'trend' ? new TrendHistogram() : null,
  };
}

function clearSeries(s: CustomSeries): void {
  s.samples = 0;
  s.sum = 0;
  s.trues = 0;
  s.last = 0;
  s.lastSeq = 0;
  s.min = Number.POSITIVE_INFINITY;
  s.max = Number.NEGATIVE_INFINITY;
  s.trend?.reset();
}

/** Forgets every value recorded (the declarations stay): a run starts from zero. */
export function resetCustomMetricData(): void {
  for (const m of customMetricRegistry().metrics.values()) {
    clearSeries(m.untagged);
    // Tag combinations of an earlier run would show as empty series: drop them.
    m.tagged.clear();
  }
}

/** Every declared custom metric, in declaration order. */
export function customMetrics(): CustomMetricEntry[] {
  return [...customMetricRegistry().metrics.values()];
}

function declare(name: unknown, kind: CustomMetricKind, isTime: boolean): CustomMetricEntry {
  const ctor = kind[0]!.toUpperCase() + kind.slice(1);
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `new ${ctor}(${JSON.stringify(name) ?? String(name)}): a metric name must start with a letter or '_' ` +
        'and contain only letters, digits and \'_\' (as a threshold key can name it), e.g. "verify_duration"',
    );
  }
  if (Object.hasOwn(BUILTIN_METRICS, name)) {
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `new ${ctor}('${name}'): '${name}' is a built-in metric; choose another name for your own metric`,
    );
  }
  const metrics = customMetricRegistry().metrics;
  const known = metrics.get(name);
  if (known !== undefined) {
    // Declaring it again (a module loaded twice, a helper called per VU) shares the data, as
    // k6 does; only a change of kind is a mistake.
    if (known.kind === kind && known.isTime === isTime) return known;
    const was = known.kind === 'trend' && known.isTime ? 'time trend' : known.kind;
    const now = kind === 'trend' && isTime ? 'time trend' : kind;
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `new ${ctor}('${name}'): '${name}' is already declared as a ${was}, so it cannot also be a ${now}`,
    );
  }
  const entry: CustomMetricEntry = {
    name,
    kind,
    isTime,
    untagged: newSeries(kind, NO_TAGS),
    tagged: new Map(),
  };
  metrics.set(name, entry);
  return entry;
}

/** The canonical key of a tag set; pairs sorted so `{a,b}` and `{b,a}` are one series. */
export function tagKey(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags);
  if (keys.length === 1) return `${keys[0]}=${tags[keys[0]!]}`;
  keys.sort();
  let s = '';
  for (let i = 0; i < keys.length; i++) s += `${i === 0 ? '' : '\u0000'}${keys[i]}=${tags[keys[i]!]}`;
  return s;
}

function seriesFor(m: CustomMetricEntry, tags: Record<string, string> | undefined): CustomSeries {
  if (tags === undefined) return m.untagged;
  let empty = true;
  for (const _ in tags) {
    empty = false;
    break;
  }
  if (empty) return m.untagged;
  const key = tagKey(tags);
  let s = m.tagged.get(key);
  if (s === undefined) {
    const copy: Record<string, string> = {};
    for (const k of Object.keys(tags)) copy[k] = String(tags[k]);
    s = newSeries(m.kind, Object.freeze(copy));
    m.tagged.set(key, s);
  }
  return s;
}

function checkValue(m: CustomMetricEntry, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (m.kind === 'rate' && typeof value === 'boolean') return value ? 1 : 0;
  const want = m.kind === 'rate' ? 'a boolean or a number' : 'a finite number';
  throw new TypeError(`${m.name}.add(${String(value)}): the value must be ${want}`);
}

abstract class CustomMetric {
  protected readonly entry: CustomMetricEntry;

  constructor(name: string, kind: CustomMetricKind, isTime: boolean) {
    this.entry = declare(name, kind, isTime);
  }

  get name(): string {
    return this.entry.name;
  }

  get type(): CustomMetricKind {
    return this.entry.kind;
  }
}

/** A sum, e.g. errors seen: thresholds take `count` and `rate` (per second). */
export class Counter extends CustomMetric {
  constructor(name: string) {
    super(name, 'counter', false);
  }

  add(value: number, tags?: Record<string, string>): void {
    const v = checkValue(this.entry, value);
    const s = seriesFor(this.entry, tags);
    s.samples++;
    s.sum += v;
  }
}

/** The last value set, with its extremes: thresholds take `value`. */
export class Gauge extends CustomMetric {
  constructor(name: string) {
    super(name, 'gauge', false);
  }

  add(value: number, tags?: Record<string, string>): void {
    const v = checkValue(this.entry, value);
    const s = seriesFor(this.entry, tags);
    s.samples++;
    s.last = v;
    s.lastSeq = ++customMetricRegistry().seq;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
  }
}

/** The share of true (non-zero) values: thresholds take `rate`. */
export class Rate extends CustomMetric {
  constructor(name: string) {
    super(name, 'rate', false);
  }

  add(value: boolean | number, tags?: Record<string, string>): void {
    const v = checkValue(this.entry, value);
    const s = seriesFor(this.entry, tags);
    s.samples++;
    if (v !== 0) s.trues++;
  }
}

/**
 * A distribution kept in an HDR histogram: thresholds take avg, min, max, med, p(N). Values are
 * kept to 0.001 with 3 significant digits, from 0.001 to 3.6e6 (an hour in ms); others are
 * clamped to that range, so a trend of sizes or counts should use fitting units.
 */
export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime === true);
  }

  get isTime(): boolean {
    return this.entry.isTime;
  }

  add(value: number, tags?: Record<string, string>): void {
    const v = checkValue(this.entry, value);
    const s = seriesFor(this.entry, tags);
    s.samples++;
    s.trend!.recordMs(v);
  }
}
