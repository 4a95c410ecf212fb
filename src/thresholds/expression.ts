import { type ErrorLocation, SquallError } from '../errors/index.js';

/**
 * k6's threshold syntax (CONVENTIONS.md 3.1): a metric key such as
 * `http_req_duration{name:GET /health}` and expressions such as `p(95) < 300`. Pure parsing; the
 * metric kinds and the values come later (evaluate.ts).
 */

export const AGGREGATION_METHODS = ['avg', 'min', 'max', 'med', 'p', 'count', 'rate', 'value'] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

/** What to compute over a metric; `p` carries its percentile (0..100). */
export type Aggregation = { method: Exclude<AggregationMethod, 'p'> } | { method: 'p'; p: number };

export const THRESHOLD_OPS = ['<', '<=', '>', '>=', '==', '===', '!='] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];

/** One parsed expression; `expr` is the text as written (trimmed), kept for reports. */
export interface ThresholdExpr {
  expr: string;
  aggregation: Aggregation;
  op: ThresholdOp;
  /** Milliseconds for time aggregations (units are converted), a plain number otherwise. */
  value: number;
}

export interface MetricKey {
  metric: string;
  tags: Record<string, string>;
}

/** A threshold ready to validate and evaluate: where it applies, what it checks, how it aborts. */
export interface ParsedThreshold extends ThresholdExpr, MetricKey {
  /** The metric key in canonical form, `metric{tag:value,…}`, as reports show it. */
  key: string;
  abortOnFail?: boolean;
  delayAbortEvalMs?: number;
  /** Where the threshold was written, so later errors (unknown metric) can point at it. */
  where?: ErrorLocation;
}

const SIMPLE_METHODS: ReadonlySet<string> = new Set(AGGREGATION_METHODS.filter((m) => m !== 'p'));
const TIME_METHODS: ReadonlySet<AggregationMethod> = new Set(['avg', 'min', 'max', 'med', 'p']);
const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const AGGREGATIONS_TEXT = 'avg, min, max, med, p(N), count, rate, value';
const OPS_TEXT = THRESHOLD_OPS.join(' ');
const UNITS_TEXT = Object.keys(UNIT_MS).join(', ');
const EXPR_FORM = "'<aggregation> <operator> <value>', e.g. 'p(95)<300'";
const KEY_FORM = "'metric' or 'metric{tag:value,…}', e.g. 'http_req_duration{name:GET /health}'";
const FLAG_FORM =
  "METRIC:EXPR, e.g. 'http_req_duration:p(95)<300' or 'http_req_duration{name:GET /health}:p(95)<100'";

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OP_CHARS = /[<>=!]+/;
const PERCENTILE = /^p\s*\((.*)\)$/s;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
// A number, then whatever follows it (a unit, or garbage to report).
const NUMBER_THEN_REST = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/su;

function syntaxError(message: string, where: ErrorLocation | undefined, hint?: string): SquallError {
  return new SquallError('SQ_THRESHOLD_SYNTAX', message, { where, hint });
}

/** `p(95)`, `avg`: the aggregation as k6 writes it. */
export function formatAggregation(agg: Aggregation): string {
  return agg.method === 'p' ? `p(${agg.p})` : agg.method;
}

/** Whether the aggregation measures time, so its value may carry a unit. */
export function isTimeAggregation(agg: Aggregation): boolean {
  return TIME_METHODS.has(agg.method);
}

/** A hint for near misses people make: `p95`, `AVG`, `p(95`. */
function aggregationHint(text: string): string | undefined {
  const bare = /^p\s*(\d+(?:\.\d+)?)$/i.exec(text);
  if (bare) return `write percentiles with parentheses: 'p(${bare[1]})'`;
  if (/^p\s*\(/i.test(text) && !text.endsWith(')')) return "close the percentile's parenthesis: 'p(95)'";
  const lower = text.toLowerCase();
  if (lower !== text && (SIMPLE_METHODS.has(lower) || PERCENTILE.test(lower))) {
    return `aggregations are lower case: '${lower}'`;
  }
  return undefined;
}

function parseAggregation(text: string, expr: string, where: ErrorLocation | undefined): Aggregation {
  const quoted = `threshold expression "${expr}"`;
  if (text === '') {
    throw syntaxError(
      `${quoted} has no aggregation before the operator; expected one of ${AGGREGATIONS_TEXT}`,
      where,
    );
  }
  if (SIMPLE_METHODS.has(text)) return { method: text as Exclude<AggregationMethod, 'p'> };
  const pm = PERCENTILE.exec(text);
  if (!pm) {
    throw syntaxError(
      `${quoted} has an unknown aggregation '${text}'; expected one of ${AGGREGATIONS_TEXT}`,
      where,
      aggregationHint(text),
    );
  }
  const n = pm[1]!.trim();
  const range = 'N in p(N) must be a number from 0 to 100, fractions allowed, e.g. p(95) or p(99.9)';
  if (!DECIMAL.test(n)) {
    throw syntaxError(`${quoted} has a percentile '${text}' whose N '${n}' is not a number; ${range}`, where);
  }
  const p = Number(n);
  if (p < 0 || p > 100) {
    throw syntaxError(`${quoted} has a percentile '${text}' out of range; ${range}`, where);
  }
  return { method: 'p', p };
}

function parseValue(text: string, agg: Aggregation, op: string, expr: string, where?: ErrorLocation): number {
  const quoted = `threshold expression "${expr}"`;
  if (text === '') {
    throw syntaxError(`${quoted} has no value after '${op}'; expected a number, e.g. 'p(95)<300'`, where);
  }
  const notANumber = (): SquallError =>
    syntaxError(
      `${quoted} has a value '${text}' that is not a number; expected a number (milliseconds for times), ` +
        `optionally with a unit: ${UNITS_TEXT}`,
      where,
    );
  const m = NUMBER_THEN_REST.exec(text);
  if (!m) throw notANumber();
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit === '') return n;
  // Letters after the number are a unit; anything else (`300<400`) is not a value at all.
  if (!/^[A-Za-zµ]+$/u.test(unit)) throw notANumber();
  const factor = UNIT_MS[unit];
  if (factor === undefined) {
    throw syntaxError(
      `${quoted} has an unknown unit '${unit}' in the value '${text}'; expected one of ${UNITS_TEXT}, ` +
        'or a plain number of milliseconds',
      where,
    );
  }
  // A unit on a count or a ratio is a mistake, not a conversion we can guess.
  if (!isTimeAggregation(agg)) {
    throw syntaxError(
      `${quoted} has a unit in the value '${text}', but '${formatAggregation(agg)}' is not a time; ` +
        'units apply only to avg, min, max, med and p(N), so write a plain number',
      where,
    );
  }
  return n * factor;
}

/**
 * Parses `<aggregation> <operator> <value>` (spaces optional), e.g. `p(99.9) < 1.5s`.
 * Throws SQ_THRESHOLD_SYNTAX naming the bad part.
 */
export function parseThresholdExpr(expr: string, where?: ErrorLocation): ThresholdExpr {
  const text = expr.trim();
  if (text === '') throw syntaxError(`threshold expression is empty; expected ${EXPR_FORM}`, where);
  const quoted = `threshold expression "${text}"`;
  const om = OP_CHARS.exec(text);
  if (!om) {
    throw syntaxError(
      `${quoted} has no operator; expected one of ${OPS_TEXT} between the aggregation and the value, ` +
        `as in ${EXPR_FORM}`,
      where,
    );
  }
  const opText = om[0];
  if (!(THRESHOLD_OPS as readonly string[]).includes(opText)) {
    throw syntaxError(`${quoted} has an unknown operator '${opText}'; expected one of ${OPS_TEXT}`, where);
  }
  const aggregation = parseAggregation(text.slice(0, om.index).trim(), text, where);
  const value = parseValue(text.slice(om.index + opText.length).trim(), aggregation, opText, text, where);
  return { expr: text, aggregation, op: opText as ThresholdOp, value };
}

/** Strips one pair of matching quotes, as k6 does for `{name:'GET /'}`. */
function unquote(s: string): string {
  const q = s[0];
  return s.length >= 2 && (q === '"' || q === "'") && s.endsWith(q) ? s.slice(1, -1).trim() : s;
}

function parseTags(inner: string, key: string, where: ErrorLocation | undefined): Record<string, string> {
  const quoted = `threshold metric "${key}"`;
  const tagForm = "expected tag:value pairs separated by ',', e.g. '{name:GET /health,status:200}'";
  if (inner.trim() === '') throw syntaxError(`${quoted} has empty tag filters '{}'; ${tagForm}`, where);
  const tags: Record<string, string> = {};
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0)
      throw syntaxError(`${quoted} has a tag filter '${part.trim()}' without ':'; ${tagForm}`, where);
    // The first colon splits: k6 allows colons in values (`{group:::checkout}`).
    const tag = unquote(part.slice(0, colon).trim());
    const value = unquote(part.slice(colon + 1).trim());
    if (tag === '')
      throw syntaxError(`${quoted} has a tag filter '${part.trim()}' with no tag name; ${tagForm}`, where);
    if (value === '')
      throw syntaxError(`${quoted} has a tag filter '${part.trim()}' with no value; ${tagForm}`, where);
    if (Object.hasOwn(tags, tag)) {
      throw syntaxError(`${quoted} filters on tag '${tag}' twice; give each tag once`, where);
    }
    tags[tag] = value;
  }
  return tags;
}

/**
 * Parses `metric` or `metric{tag:value,…}`. Tag values may hold spaces, slashes, colons and
 * braces (`GET /users/{id}`): the tags run from the first `{` to the final `}`, as in k6.
 */
export function parseMetricKey(key: string, where?: ErrorLocation): MetricKey {
  const text = key.trim();
  if (text === '') throw syntaxError(`threshold metric is empty; expected ${KEY_FORM}`, where);
  const quoted = `threshold metric "${text}"`;
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open < 0 && close >= 0)
    throw syntaxError(`${quoted} has a '}' with no '{'; expected ${KEY_FORM}`, where);
  if (open >= 0 && close < open)
    throw syntaxError(`${quoted} has an unclosed '{'; expected ${KEY_FORM}`, where);
  if (open >= 0 && close !== text.length - 1) {
    throw syntaxError(
      `${quoted} has text '${text.slice(close + 1)}' after the closing '}'; expected ${KEY_FORM}`,
      where,
    );
  }
  const metric = (open < 0 ? text : text.slice(0, open)).trim();
  if (!METRIC_NAME.test(metric)) {
    throw syntaxError(
      `${quoted} has an invalid metric name '${metric}'; a name is letters, digits and '_', ` +
        `not starting with a digit; expected ${KEY_FORM}`,
      where,
    );
  }
  const tags = open < 0 ? {} : parseTags(text.slice(open + 1, close), text, where);
  return { metric, tags };
}

/** The canonical key: `metric` or `metric{tag:value,…}` in the order written. */
export function formatMetricKey(metric: string, tags: Record<string, string>): string {
  const pairs = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
  return pairs.length === 0 ? metric : `${metric}{${pairs.join(',')}}`;
}

/**
 * Splits the CLI form `METRIC:EXPR`. A tagged key ends at its last `}` (an expression never
 * holds braces), so colons inside the tags are not mistaken for the separator.
 */
export function parseThresholdFlag(
  text: string,
  where: ErrorLocation = { flag: '--threshold' },
): { key: string; expr: string } {
  const s = text.trim();
  const quoted = `threshold "${s}"`;
  const colon = s.indexOf(':');
  const open = s.indexOf('{');
  let keyEnd: number;
  if (open >= 0 && (colon < 0 || open < colon)) {
    const close = s.lastIndexOf('}');
    if (close < open)
      throw syntaxError(`${quoted} has an unclosed '{' in the metric; expected ${FLAG_FORM}`, where);
    keyEnd = close + 1;
    while (s[keyEnd] === ' ' || s[keyEnd] === '\t') keyEnd++;
    if (s[keyEnd] !== ':') {
      throw syntaxError(`${quoted} has no ':' after the metric's closing '}'; expected ${FLAG_FORM}`, where);
    }
  } else if (colon < 0) {
    throw syntaxError(
      `${quoted} has no ':' between the metric and the expression; expected ${FLAG_FORM}`,
      where,
    );
  } else {
    keyEnd = colon;
  }
  const key = s.slice(0, keyEnd).trim();
  const expr = s.slice(keyEnd + 1).trim();
  if (key === '') throw syntaxError(`${quoted} has no metric before ':'; expected ${FLAG_FORM}`, where);
  if (expr === '') throw syntaxError(`${quoted} has no expression after ':'; expected ${FLAG_FORM}`, where);
  return { key, expr };
}

export interface ThresholdOptions {
  abortOnFail?: boolean;
  delayAbortEvalMs?: number;
  where?: ErrorLocation;
}

/** Parses one threshold: a metric key (from a file or a flag) and one of its expressions. */
export function parseThreshold(key: string, expr: string, options: ThresholdOptions = {}): ParsedThreshold {
  const { metric, tags } = parseMetricKey(key, options.where);
  const parsed: ParsedThreshold = {
    key: formatMetricKey(metric, tags),
    metric,
    tags,
    ...parseThresholdExpr(expr, options.where),
  };
  if (options.abortOnFail !== undefined) parsed.abortOnFail = options.abortOnFail;
  if (options.delayAbortEvalMs !== undefined) parsed.delayAbortEvalMs = options.delayAbortEvalMs;
  if (options.where !== undefined) parsed.where = options.where;
  return parsed;
}
