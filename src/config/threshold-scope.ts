import type { ConfigIssue } from '../errors/issues.js';
// The shared suggester plus swapped letters (`nmae` → `name`).
import { didYouMean, parseKeyPath } from '../flow/flow-shape.js';
import { OUTCOME_TAGS } from '../metrics/run-metrics.js';
import { isRunBuiltin, RUN_TAG_FILTERS } from '../result/build-run.js';
import type { ParsedThreshold } from '../thresholds/index.js';
import { redactUrl } from '../util/redact.js';

/**
 * What the samples of one `squall run` test can be tagged with, so that a threshold's tag filter
 * that can match nothing is refused before the load (exit 2), not failed as `n/a` after it.
 * Only what is certain is refused: code the test runs (a `run` function, setup) may name
 * requests and add tags of its own, so those checks are skipped (`null`) when there is any.
 */
export interface TagScope {
  scenarios: readonly string[];
  users: readonly string[];
  /** Request names the flows give (`GET /x`, `name:` values); null when code names requests. */
  requestNames: ReadonlySet<string> | null;
  /** HTTP methods the flows use; null when code sends requests. */
  methods: ReadonlySet<string> | null;
  /** Tag keys beyond the engine's own (scenario `tags:`, request `tags:`); null when code adds tags. */
  extraTagKeys: ReadonlySet<string> | null;
  /** The requests' `url` tags (redacted); null when some URL is known only at run time. */
  urls: ReadonlySet<string> | null;
}

/** The tags the engine puts on every HTTP sample (client.ts, run-metrics.ts). */
const HTTP_SAMPLE_TAGS = ['name', 'method', 'url', 'scenario', 'user', 'phase', ...OUTCOME_TAGS];
/** The tags of a check sample (createCheck). */
const CHECK_SAMPLE_TAGS = ['check', 'scenario', 'user', 'phase'];
/** The `phase` tag of a hook's samples (before, after, onStart, onStop); iterations carry none. */
const PHASES = ['before', 'after', 'onStart', 'onStop'];

/** The tags of an iteration (besides its scenario's `tags`). */
const ITERATION_TAGS = ['scenario', 'user'];

function tagKeysOf(metric: string): readonly string[] | undefined {
  if (metric === 'checks') return CHECK_SAMPLE_TAGS;
  if (metric === 'iterations' || metric === 'iteration_duration') return ITERATION_TAGS;
  if (metric.startsWith('http_')) return HTTP_SAMPLE_TAGS;
  return undefined;
}

function issueAt(t: ParsedThreshold, message: string, hint?: string): ConfigIssue {
  return {
    code: 'SQ_THRESHOLD_SYNTAX',
    path: t.where?.path ? parseKeyPath(t.where.path) : [],
    message: `threshold "${t.key}" ${message}`,
    ...(hint ? { hint } : {}),
    ...(t.where ? { where: t.where } : {}),
  };
}

function unknownValue(
  t: ParsedThreshold,
  tag: string,
  value: string,
  known: Iterable<string>,
  what: string,
): ConfigIssue {
  const list = [...known];
  const hint = didYouMean(value, list);
  return issueAt(
    t,
    `filters on ${tag}:${value}, and no ${what} of this test is '${value}'${hint ? ` (${hint})` : ''}`,
    `the ${what}s are ${list.map((v) => `'${v}'`).join(', ') || '(none)'}`,
  );
}

/** One threshold's tag filter against the scope: the first problem, if any. */
function tagProblem(t: ParsedThreshold, scope: TagScope): ConfigIssue | undefined {
  const keys = Object.keys(t.tags);
  if (keys.length === 0 || !isRunBuiltin(t.metric)) return undefined;
  const allowed = RUN_TAG_FILTERS.get(t.metric);
  if (allowed !== null) {
    // Metrics kept per scenario and user only, or for the whole run: run-metrics decides.
    const bad = allowed === undefined ? keys[0] : keys.find((k) => !allowed.includes(k));
    if (bad !== undefined) {
      return issueAt(
        t,
        `filters on tag '${bad}'${allowed && didYouMean(bad, allowed) ? ` (${didYouMean(bad, allowed)})` : ''}; ` +
          (allowed === undefined
            ? `'${t.metric}' is kept for the whole run only, without tags`
            : `'${t.metric}' can be filtered by ${allowed.join(', ')}`),
        'tag filters work on http_req_duration, http_reqs, http_req_failed, checks and custom metrics',
      );
    }
  }
  const own = tagKeysOf(t.metric);
  if (own !== undefined && scope.extraTagKeys !== null) {
    const known = [...own, ...scope.extraTagKeys];
    const bad = keys.find((k) => !known.includes(k));
    if (bad !== undefined) {
      const hint = didYouMean(bad, known);
      return issueAt(
        t,
        `filters on tag '${bad}'${hint ? ` (${hint})` : ''}, which no sample of '${t.metric}' in this test carries`,
        `the tags are ${known.join(', ')}`,
      );
    }
  }
  const v = t.tags;
  if (v.scenario !== undefined && !scope.scenarios.includes(v.scenario))
    return unknownValue(t, 'scenario', v.scenario, scope.scenarios, 'scenario');
  if (v.user !== undefined && !scope.users.includes(v.user))
    return unknownValue(t, 'user', v.user, scope.users, 'user type');
  if (
    v.phase !== undefined &&
    // Code may tag its own requests with any phase.
    scope.extraTagKeys !== null &&
    (own === HTTP_SAMPLE_TAGS || own === CHECK_SAMPLE_TAGS) &&
    !PHASES.includes(v.phase)
  )
    return unknownValue(t, 'phase', v.phase, PHASES, 'phase');
  if (own === HTTP_SAMPLE_TAGS) {
    if (v.name !== undefined && scope.requestNames !== null && !scope.requestNames.has(v.name))
      return unknownValue(t, 'name', v.name, scope.requestNames, 'request name');
    if (v.url !== undefined && scope.urls !== null && !scope.urls.has(redactUrl(v.url)))
      return unknownValue(t, 'url', v.url, scope.urls, 'request URL');
    if (v.method !== undefined && scope.methods !== null && !scope.methods.has(v.method))
      return unknownValue(t, 'method', v.method, scope.methods, 'method');
    if (v.status !== undefined && !/^[1-5][0-9][0-9]$/.test(v.status))
      return issueAt(t, `filters on status:${v.status}; expected a status code from 100 to 599, such as 200`);
    if (
      v.expected_response !== undefined &&
      v.expected_response !== 'true' &&
      v.expected_response !== 'false'
    )
      return issueAt(t, `filters on expected_response:${v.expected_response}; expected true or false`);
  }
  return undefined;
}

/** Every threshold whose tag filter can match no sample of the test, as issues. */
export function thresholdTagIssues(list: readonly ParsedThreshold[], scope: TagScope): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const t of list) {
    const problem = tagProblem(t, scope);
    if (problem) out.push(problem);
  }
  return out;
}
