import { performance } from 'node:perf_hooks';
import type { TimelinePoint } from '../result/schema.js';
import type { CheckFn } from '../script-api/vu-context.js';
import type { ParsedThreshold } from '../thresholds/index.js';
import { redactUrl } from '../util/redact.js';
import { tagsMatch } from '../util/tags.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { type CustomMetricEntry, customMetrics, resetCustomMetricData, tagKey } from './custom.js';
import type { EndpointStats } from './endpoint-stats.js';
import { HttpMetrics } from './http-metrics.js';
import type { RequestRecord, RequestSink } from './sink.js';

/**
 * Everything `squall run` records. The HTTP part is quick's HttpMetrics (endpoints, errors,
 * per-second timeline, run-wide trends); beside it RunMetrics keeps what scripted tests add:
 * per-tag series for tag-filtered thresholds, checks, iterations, dropped iterations, VUs.
 *
 * Series are kept per distinct tag combination (scenario, user, name, method, extra tags) and,
 * inside one, per (status, expected_response): their number follows the test's shape, never the
 * request count, and every `http_req_duration{…}` answer is an exact sum of HDR histograms.
 * Custom metrics live in the registry of custom.ts; a new RunMetrics clears their data.
 */

/** One (status, expected_response) outcome of a series. */
export interface HttpCell {
  readonly status: number;
  readonly failed: boolean;
  count: number;
  /** Durations of the responses; null for status 0 (no response, no duration to speak of). */
  readonly duration: TrendHistogram | null;
}

/** The requests of one tag combination: `{scenario, user, name, method, …extra}`. */
export class HttpSeries {
  readonly cells: HttpCell[] = [];
  private last: HttpCell | null = null;

  constructor(
    readonly tags: Readonly<Record<string, string>>,
    readonly endpoint: EndpointStats,
  ) {}

  /** The cell of an outcome; nearly every response repeats the one before, so that is cached. */
  cell(status: number, failed: boolean): HttpCell {
    const last = this.last;
    if (last !== null && last.status === status && last.failed === failed) return last;
    let c: HttpCell | undefined;
    for (const x of this.cells) {
      if (x.status === status && x.failed === failed) {
        c = x;
        break;
      }
    }
    if (c === undefined) {
      c = { status, failed, count: 0, duration: status === 0 ? null : new TrendHistogram() };
      this.cells.push(c);
    }
    this.last = c;
    return c;
  }
}

/** What amendFailed needs of a request as it was recorded. */
export interface RecordedSample {
  series: HttpSeries;
  status: number;
  /** The duration recorded (from the intended start where the engine measured so). */
  durationMs: number;
  /** The watched `url` tag, if any. */
  url: string | undefined;
}

/** Distinct reasons of requests marked failed by scripts that errors[] lists apart. */
const MAX_FAIL_REASONS = 100;

function moveToFailed(s: HttpSeries, status: number, durationMs: number): void {
  const from = s.cell(status, false);
  if (from.count === 0) return;
  from.count--;
  from.duration?.removeMs(durationMs);
  const to = s.cell(status, true);
  to.count++;
  to.duration?.recordMs(durationMs);
}

/** One request's measurements and its series (RunMetrics.recordHttp). */
export interface HttpSample extends RequestRecord {
  series: HttpSeries;
}

export interface CheckCell {
  readonly name: string;
  /** The check's sample tags: `check`, scenario, user and any extra tags. */
  readonly tags: Readonly<Record<string, string>>;
  passes: number;
  fails: number;
}

export interface IterationCell {
  readonly scenario: string;
  readonly user: string;
  /** Iterations that ended (with or without an error in the flow). */
  count: number;
  /** Of those, the ones whose flow threw. */
  failed: number;
  readonly duration: TrendHistogram;
}

export interface GaugeState {
  value: number;
  min: number;
  max: number;
}

/**
 * The registry's counts for the engine's LiveSnapshot, about once a second (elapsed and total
 * times are the engine's).
 */
export interface LiveCounts {
  requests: number;
  rps: number;
  /** null in a second with no response (nothing measured, not 0 ms). */
  p95Ms: number | null;
  errors: number;
  vus: number;
  iterations: number;
}

/** Tags of an HTTP sample that are decided per response, not per series. */
export const OUTCOME_TAGS: ReadonlySet<string> = new Set(['status', 'expected_response']);

/**
 * k6 tags every request with its URL; kept for every URL, that is one series per id in a path.
 * So the `url` tag is not part of a series' key: only URLs a threshold names get series of their
 * own (`{url:…}`), and the raw URLs looked at are remembered up to this many.
 */
const MAX_URL_CACHE = 1000;

const URL_AND_OUTCOME_TAGS: ReadonlySet<string> = new Set([...OUTCOME_TAGS, 'url']);

/** Stands for the durations when a caller did not ask for them; never recorded into. */
const EMPTY_TREND = new TrendHistogram();

/** What a tag-filtered selection of HTTP requests adds up to. */
export interface HttpSelection {
  count: number;
  failed: number;
  /** Durations of the selected responses. */
  duration: TrendHistogram;
}

function gauge(): GaugeState {
  return { value: 0, min: 0, max: 0 };
}

function setGauge(g: GaugeState, v: number, first: boolean): void {
  g.value = v;
  if (first || v < g.min) g.min = v;
  if (first || v > g.max) g.max = v;
}

/**
 * So many series means names built from ids (`GET /items/123`): each series holds HDR histograms
 * (about 100 kB apiece), so the run says so rather than quietly using gigabytes.
 */
export const MANY_SERIES = 1000;

export interface RunMetricsOptions {
  /** The clock, ms (tests pass a fake one). */
  now?: () => number;
  /** Some scenario is open-model: service time is kept apart from duration. */
  openModel?: boolean;
  /** The endpoint limit (`--max-endpoints`, endpoint-names.ts). */
  maxEndpoints?: number;
  /** A shard's run (`--shard`): every timeline bucket keeps its histogram for an exact merge. */
  keepBucketHistograms?: boolean;
}

export class RunMetrics implements RequestSink<HttpSeries> {
  /** Endpoints, errors, timeline and the run-wide HTTP trends, as in `squall quick`. */
  readonly http: HttpMetrics;
  readonly vus: GaugeState = gauge();
  readonly vusMax: GaugeState = gauge();
  private readonly scenarioTags = new Map<string, Readonly<Record<string, string>>>();
  private vusSet = false;
  private intervalVusPeak = 0;
  private readonly seriesByKey = new Map<string, HttpSeries>();
  /** Per URL a threshold filters on (redacted), its series: one per tag combination of its requests. */
  private readonly urlSeries = new Map<string, Map<HttpSeries, HttpSeries>>();
  /** Raw URL → its `url` tag when watched, null when not: redaction runs once per distinct URL. */
  private readonly urlTags = new Map<string, string | null>();
  private readonly checksByKey = new Map<string, CheckCell>();
  private readonly iterationsByKey = new Map<string, IterationCell>();
  private readonly droppedByScenario = new Map<string, number>();
  /** Error kinds seen: an example string is built only for the first of each. */
  private readonly errorKindsSeen = new Set<string>();
  /** Reasons given to amendFailed, as errors[] kinds (bounded by MAX_FAIL_REASONS). */
  private readonly failReasons = new Set<string>();
  private iterationCount = 0;
  private groupingNoticed = false;
  /** Things a person should know about how the test records (shown once, after the run). */
  readonly warnings: string[] = [];
  /** The goodput SLOs each `llm` request's own figures are held to (llm-completion.ts, goodputSlos). */
  llmSlos: readonly ParsedThreshold[] = [];
  private readonly now: () => number;
  private t0: number;

  constructor(options: RunMetricsOptions = {}) {
    this.http = new HttpMetrics(
      options.openModel === true,
      options.maxEndpoints,
      options.keepBucketHistograms === true,
    );
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
    resetCustomMetricData();
  }

  /** Restarts the clock that per-second rates are computed over (call when the load starts). */
  start(): void {
    this.t0 = this.now();
  }

  elapsedMs(): number {
    return this.now() - this.t0;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  /**
   * The series of a tag combination, created on first use. Callers cache the handle (the HTTP
   * client keeps one per name and method), so this runs once per combination, not per request.
   */
  httpSeries(baseTags: Readonly<Record<string, string>>, name: string, method: string): HttpSeries {
    // Past the endpoint limit the series takes the grouped name too: `{name:GET /items/:id}`.
    const endpoint = this.http.endpoint(name, method);
    if (endpoint.name !== name && this.http.names.notice !== undefined && !this.groupingNoticed) {
      this.groupingNoticed = true;
      this.warnings.push(this.http.names.notice);
    }
    const tags: Record<string, string> = { ...baseTags, name: endpoint.name, method };
    const key = tagKey(tags);
    let s = this.seriesByKey.get(key);
    if (s === undefined) {
      s = new HttpSeries(Object.freeze(tags), endpoint);
      this.seriesByKey.set(key, s);
      if (this.seriesByKey.size === MANY_SERIES) {
        this.warnings.push(
          `${MANY_SERIES} distinct request series so far (latest: '${s.endpoint.name}'); each keeps its own histograms, ` +
            "so memory grows with them: give requests with ids in their path a name, e.g. { name: 'GET /items/:id' }",
        );
      }
    }
    return s;
  }

  /** The URLs thresholds filter on (`http_reqs{url:…}`): their requests get series of their own. */
  watchUrls(urls: Iterable<string>): void {
    for (const u of urls) {
      const tag = redactUrl(u);
      if (!this.urlSeries.has(tag)) this.urlSeries.set(tag, new Map());
    }
  }

  /** Whether any threshold filters on `url`: when not, the client builds no URL string. */
  get watchesUrls(): boolean {
    return this.urlSeries.size > 0;
  }

  /** The `url` tag of a request to `raw` (password and secret parameters redacted) when watched. */
  watchedUrl(raw: string): string | undefined {
    let tag = this.urlTags.get(raw);
    if (tag === undefined) {
      const redacted = redactUrl(raw);
      tag = this.urlSeries.has(redacted) ? redacted : null;
      if (this.urlTags.size < MAX_URL_CACHE) this.urlTags.set(raw, tag);
    }
    return tag ?? undefined;
  }

  get httpSeriesList(): readonly HttpSeries[] {
    return [...this.seriesByKey.values()];
  }

  recordHttp(x: HttpSample): void {
    this.record(x.series, x);
  }

  /** One request of series `s` (RequestSink): its cell, the watched URL, the run-wide HTTP metrics. */
  record(s: HttpSeries, x: RequestRecord): void {
    const cell = s.cell(x.status, x.failed);
    cell.count++;
    if (x.url !== undefined) this.recordUrl(x.url, s, x);
    const http = this.http;
    http.bytesSent += x.bytesSent;
    http.retries += x.retries;
    if (x.connectingMs > 0) http.recordConnect(x.connectingMs);
    if (x.tlsHandshakingMs !== undefined && x.tlsHandshakingMs > 0)
      http.recordTlsHandshake(x.tlsHandshakingMs);
    if (x.status === 0) {
      const kind = x.errorKind ?? 'error';
      let example = '';
      if (!this.errorKindsSeen.has(kind)) {
        this.errorKindsSeen.add(kind);
        example = `${s.endpoint.name}: ${x.errorMessage ?? kind}`;
      }
      http.recordError(s.endpoint, kind, example, x.bytesReceived);
      return;
    }
    cell.duration!.recordMs(x.durationMs);
    http.recordResponse(
      s.endpoint,
      x.status,
      x.durationMs,
      x.waitingMs,
      x.serviceMs,
      x.bytesReceived,
      x.failed,
    );
  }

  connected(connectMs: number, tlsMs: number): void {
    this.http.connected(connectMs, tlsMs);
  }

  /**
   * Marks one request already recorded as passed (`sample`, as the recorder recorded it) failed:
   * its count and its duration move from the series' `expected_response:true` cell to the failed
   * one, so http_req_failed, the per-endpoint failures and the expected_response split all read
   * it as failed; `reason` becomes its errors[] kind. The caller calls this at most once per request.
   */
  amendFailed(sample: RecordedSample, reason: string): void {
    if (sample.status === 0) return;
    const s = sample.series;
    moveToFailed(s, sample.status, sample.durationMs);
    if (sample.url !== undefined) {
      const byUrl = this.urlSeries.get(sample.url)?.get(s);
      if (byUrl !== undefined) moveToFailed(byUrl, sample.status, sample.durationMs);
    }
    // Reasons are the script's text: past a bound they share one kind, so errors[] stays short.
    let kind = reason.length > 200 ? `${reason.slice(0, 197)}…` : reason;
    if (!this.failReasons.has(kind)) {
      if (this.failReasons.size >= MAX_FAIL_REASONS) kind = 'failed by the script (other reasons)';
      else this.failReasons.add(kind);
    }
    this.http.amendFailed(s.endpoint, kind, `${s.endpoint.name} answered ${sample.status}: ${reason}`);
  }

  private recordUrl(url: string, series: HttpSeries, x: RequestRecord): void {
    const byBase = this.urlSeries.get(url);
    if (byBase === undefined) return;
    let s = byBase.get(series);
    if (s === undefined) {
      s = new HttpSeries(Object.freeze({ ...series.tags, url }), series.endpoint);
      byBase.set(series, s);
    }
    const cell = s.cell(x.status, x.failed);
    cell.count++;
    if (x.status !== 0) cell.duration!.recordMs(x.durationMs);
  }

  /**
   * The requests whose tags match `filter` (name, method, scenario, user, extra tags, status,
   * expected_response, and url when watchUrls was told of it). Filtered by status or
   * expected_response, only requests that got a response have a duration; status 0 counts in
   * `count` like any status.
   */
  selectHttp(filter: Readonly<Record<string, string>>, withDuration = true): HttpSelection {
    const status = filter.status;
    const expected = filter.expected_response;
    // A histogram is some 100 kB: built only when the durations are asked for.
    const out: HttpSelection = {
      count: 0,
      failed: 0,
      duration: withDuration ? new TrendHistogram() : EMPTY_TREND,
    };
    const url = filter.url;
    const pool = url === undefined ? this.seriesByKey.values() : this.urlSeries.get(redactUrl(url))?.values();
    for (const s of pool ?? []) {
      // The pool is the URL's own; its filter may spell the password that the tag redacts.
      if (!tagsMatch(s.tags, filter, url === undefined ? OUTCOME_TAGS : URL_AND_OUTCOME_TAGS)) continue;
      for (const c of s.cells) {
        if (status !== undefined && String(c.status) !== status) continue;
        if (expected !== undefined && String(!c.failed) !== expected) continue;
        out.count += c.count;
        if (c.failed) out.failed += c.count;
        if (withDuration && c.duration !== null) out.duration.add(c.duration);
      }
    }
    return out;
  }

  // --- checks ---------------------------------------------------------------------------------

  /** The counts of one check under one tag set (`tags` without the `check` tag). */
  checkCell(name: string, tags: Readonly<Record<string, string>>): CheckCell {
    const all: Record<string, string> = { ...tags, check: name };
    const key = tagKey(all);
    let c = this.checksByKey.get(key);
    if (c === undefined) {
      c = { name, tags: Object.freeze(all), passes: 0, fails: 0 };
      this.checksByKey.set(key, c);
    }
    return c;
  }

  recordCheck(name: string, ok: boolean, tags: Readonly<Record<string, string>>): void {
    const c = this.checkCell(name, tags);
    if (ok) c.passes++;
    else c.fails++;
  }

  get checkCells(): readonly CheckCell[] {
    return [...this.checksByKey.values()];
  }

  /** The `checks` rate over the checks whose tags match `filter` (`check`, scenario, user, …). */
  selectChecks(filter: Readonly<Record<string, string>>): { passes: number; fails: number } {
    let passes = 0;
    let fails = 0;
    for (const c of this.checksByKey.values()) {
      if (!tagsMatch(c.tags, filter)) continue;
      passes += c.passes;
      fails += c.fails;
    }
    return { passes, fails };
  }

  // --- iterations and VUs ---------------------------------------------------------------------

  iterationCell(scenario: string, user: string): IterationCell {
    const key = `${scenario}\u0000${user}`;
    let c = this.iterationsByKey.get(key);
    if (c === undefined) {
      c = { scenario, user, count: 0, failed: 0, duration: new TrendHistogram() };
      this.iterationsByKey.set(key, c);
    }
    return c;
  }

  /** One iteration ended; `ok` is false when the flow threw. Interrupted ones are not recorded. */
  recordIteration(durationMs: number, tags: { scenario: string; user: string }, ok: boolean): void {
    const c = this.iterationCell(tags.scenario, tags.user);
    c.count++;
    if (!ok) c.failed++;
    c.duration.recordMs(durationMs);
    this.iterationCount++;
  }

  get iterationCells(): readonly IterationCell[] {
    return [...this.iterationsByKey.values()];
  }

  /** A scenario's `tags`, which its iterations carry too (`iterations{team:red}`, as in k6). */
  setScenarioTags(scenario: string, tags: Readonly<Record<string, string>>): void {
    this.scenarioTags.set(scenario, tags);
  }

  /** Iterations (count, duration) of the (scenario, user) pairs that match `filter`. */
  selectIterations(
    filter: Readonly<Record<string, string>>,
    withDuration = true,
  ): { count: number; failed: number; duration: TrendHistogram } {
    const out = { count: 0, failed: 0, duration: withDuration ? new TrendHistogram() : EMPTY_TREND };
    for (const c of this.iterationsByKey.values()) {
      const tags = { ...this.scenarioTags.get(c.scenario), scenario: c.scenario, user: c.user };
      if (!tagsMatch(tags, filter)) continue;
      out.count += c.count;
      out.failed += c.failed;
      if (withDuration) out.duration.add(c.duration);
    }
    return out;
  }

  get iterations(): number {
    return this.iterationCount;
  }

  /** An iteration that could not start (no free VU, or its time ran out before it did). */
  recordDropped(scenario: string, n = 1): void {
    this.droppedByScenario.set(scenario, (this.droppedByScenario.get(scenario) ?? 0) + n);
    this.http.dropped += n;
  }

  dropped(scenario?: string): number {
    return scenario === undefined ? this.http.dropped : (this.droppedByScenario.get(scenario) ?? 0);
  }

  /** The custom metrics the test declared: the process-wide registry (custom.ts). */
  customMetrics(): readonly CustomMetricEntry[] {
    return customMetrics();
  }

  /** The scenarios that recorded iterations or drops, in first-seen order. */
  scenarioNames(): string[] {
    const names = new Set<string>();
    for (const c of this.iterationsByKey.values()) names.add(c.scenario);
    for (const s of this.droppedByScenario.keys()) names.add(s);
    return [...names];
  }

  /** Active and allocated VUs (k6's vus and vus_max gauges). */
  setVus(active: number, max: number): void {
    const first = !this.vusSet;
    this.vusSet = true;
    setGauge(this.vus, active, first);
    setGauge(this.vusMax, max, first);
    if (active > this.intervalVusPeak) this.intervalVusPeak = active;
  }

  // --- timeline and live view -----------------------------------------------------------------

  /**
   * Closes the current second of the timeline (`tSec` since the start, `seconds` long). Its
   * `vus` is the peak of active VUs in that second, so a short ramp still shows.
   */
  closeSecond(tSec: number, seconds: number): TimelinePoint {
    const point = this.http.closeInterval(tSec, seconds, Math.max(this.intervalVusPeak, this.vus.value));
    this.intervalVusPeak = this.vus.value;
    return point;
  }

  get timeline(): readonly TimelinePoint[] {
    return this.http.timeline;
  }

  snapshot(): LiveCounts {
    const last = this.http.timeline[this.http.timeline.length - 1];
    return {
      requests: this.http.requests,
      rps: last?.rps ?? 0,
      p95Ms: last?.p95 ?? null,
      errors: this.http.failures,
      vus: this.vus.value,
      iterations: this.iterationCount,
    };
  }
}

function isThenable(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * k6's `check(value, { label: predicate })`: each label is one sample of the `checks` rate; the
 * result is true when every predicate held. A predicate that throws, or returns a promise (checks
 * are synchronous), counts as failed: a check never crashes the flow.
 */
export function createCheck(metrics: RunMetrics, tags: Readonly<Record<string, string>>): CheckFn {
  // The cells of this VU's labels: no lookup per check after the first iteration.
  const cells = new Map<string, CheckCell>();
  return <T>(value: T, checks: Record<string, (value: T) => boolean>, extra?: Record<string, string>) => {
    let all = true;
    for (const label in checks) {
      const p = checks[label] as unknown;
      let ok: boolean;
      try {
        const r = typeof p === 'function' ? (p as (v: T) => unknown)(value) : p;
        ok = !isThenable(r) && Boolean(r);
      } catch {
        ok = false;
      }
      let cell: CheckCell | undefined;
      if (extra === undefined) {
        cell = cells.get(label);
        if (cell === undefined) {
          cell = metrics.checkCell(label, tags);
          cells.set(label, cell);
        }
      } else {
        cell = metrics.checkCell(label, { ...tags, ...extra });
      }
      if (ok) cell.passes++;
      else {
        cell.fails++;
        all = false;
      }
    }
    return all;
  };
}
