import type { z } from 'zod';
import { isSquallError, type SquallError } from '../errors/index.js';
import { ConfigError, type LocatedIssue } from '../errors/issues.js';
import type { Feeder } from '../feeders/feeders.js';
import type { Step } from '../script-api/test-definition.js';
import type { FlowFn } from '../script-api/vu-context.js';
import { type Condition, ConditionError, compileCondition } from './flow-condition.js';
import { compileRequest, compileSubmitForm, type RequestFacts, template } from './flow-request.js';
import {
  type FeedStep,
  type FlowIssueParams,
  type FlowStep,
  HTTP_METHODS,
  type IfStep,
  type LoopStep,
  stepList,
  stepSchema,
  type ThinkStep,
} from './flow-schema.js';
import { FlowScope } from './flow-scope.js';
import {
  type At,
  at,
  didYouMean,
  IDENTIFIER,
  invalid,
  isPlainObject,
  keyPath,
  parseKeyPath,
  show,
} from './flow-shape.js';
import type { Run, StepRun } from './flow-template.js';
import { compileWsStep, wsStepSchema } from './flow-ws.js';

/**
 * The YAML flow compiler: a user type's `flow:` (Artillery-style steps, k6 semantics) becomes a
 * FlowFn, one call per iteration. Everything is validated before any load starts: each step's
 * shape by its zod schema (flow-schema.ts), what depends on the steps before it here; what can
 * only fail at run time (a capture finding nothing, a unique feeder running out, an unset env
 * variable) throws an Error that the engine counts as a failed iteration.
 *
 * Steps:
 *
 *   - get: /health                                  # also post, put, patch, delete, head
 *   - post: /prompts                                # options beside the method…
 *     name: POST /prompts                           #   stats and thresholds group by name
 *     headers: { X-Trace: "${vu.id}" }
 *     query: { dryRun: false }
 *     json: { title: "${row.title}", tags: [a] }    #   or body: "text"
 *     expect: [200, 201]                            #   statuses that are not failures
 *     timeout: 5s
 *     check: { status: 201, maxDuration: 500ms, json: { "$.id": { exists: true } }, bodyContains: "id" }
 *     capture: { json: "$.id", as: id }             #   or a list; or { header: location, as: loc }
 *   - get: { url: "/prompts/${id}", name: GET /prompts/:id }   # …or inside it, Artillery's way
 *   - think: 1s..3s                                 # or 1s, 250ms, a number of seconds
 *   - feed: users                                   # next row → ${row.field}; or
 *   - feed: { from: users, as: user, per: vu }      #   one row per VU, kept for all its iterations
 *   - loop: [ { get: "/prompts/${item.id}" } ]      # over every row of a feeder, in file order…
 *     over: prompts                                 #   (or a literal list, or a captured list)
 *     as: item
 *   - loop: [ { get: /health } ]                    # …or count: N times; ${loop.index} is 0-based
 *     count: 3                                      #   (or "${n}": read when the loop starts)
 *   - if: "${state} == 'active' and ${n} > 3"       # one branch (flow-condition.ts)
 *     then: [ { get: /active } ]
 *     else: [ { get: /idle } ]
 *   - get: /me                                      # a request sent only when its condition holds
 *     if: "${token}"
 *
 * Templates (`${…}`, see flow-template.ts) may appear in URLs, header and query values, JSON
 * string leaves, bodies, and check `equals`/`bodyContains` values. A `${name}` must be set by an
 * earlier step of the flow (in flow order): a reference to a name nothing sets is an error, with
 * a did-you-mean, because a typo there would otherwise fail every iteration of the whole test.
 * `${env.NAME}` is checked at run time (env comes with the run; `${env.NAME:-default}` has a
 * fallback). Captured values live in `ctx.vu.state`, so they last across a VU's iterations.
 *
 * A templated URL without `name` is named after its route (`GET /prompts/:id`), so stats group by
 * endpoint instead of one line per id. Checks go through ctx.check with fixed labels (`status is
 * 200`, `duration < 500ms`, `$.id exists`, `$.id equals ${id}`, `body contains "ok"`): labels
 * never contain per-request values, so the checks summary stays one line per check.
 */

export { envNamesIn } from './flow-template.js';

export type { Step };

interface Compiler {
  scope: FlowScope;
  feeders: Readonly<Record<string, Feeder>>;
  /** Every step's problem, so one run of the compiler reports them all (STYLE.md). */
  problems: SquallError[];
  facts?: RequestFacts;
}

/**
 * Validates `steps` and compiles them into one iteration's function. `where` names the file and
 * the key path of the flow (`scenarios.steady.users[0].flow`); errors extend the path
 * (`…flow[1].post.json.title`). `feeders` are those declared in the file, by name.
 *
 * Throws a ConfigError (a SquallError, SQ_CONFIG_INVALID, exit 2) holding one issue per bad step,
 * each with its `where` and its key path as segments (`issues[i].path`), so the loader can merge
 * them with its own and point at lines. With one issue it reads exactly as that issue.
 */
export function compileFlow(
  steps: Step[],
  where: { file: string; path: string },
  feeders: Record<string, Feeder> = {},
  facts?: RequestFacts,
  names?: FlowNames,
): FlowFn {
  const c: Compiler = { scope: new FlowScope(), feeders, problems: [], ...(facts ? { facts } : {}) };
  c.scope.feederRows = (name) => (Object.hasOwn(feeders, name) ? feeders[name]!.rows : undefined);
  const shared = names?.shared ?? [];
  for (const name of shared) c.scope.addShared(name);
  for (const name of names?.captured ?? []) c.scope.addCapture(name, 'onStart:');
  const list = parse(stepList, steps, where, c);
  const runs = list === undefined ? [] : compileSteps(list, where, c);
  if (c.problems.length > 0) throw toConfigError(where.file, c.problems);
  names?.capturesOut?.push(...c.scope.captureNames());
  const slotCount = c.scope.slotCount;
  return async (ctx) => {
    // before:'s captures come as the run's data; read as any capture is, from vu.state.
    if (shared.length > 0) {
      const data = ctx.data as Record<string, unknown> | undefined;
      for (const name of shared) ctx.vu.state[name] = data?.[name];
    }
    const run: Run = { ctx, slots: new Array(slotCount) };
    for (const step of runs) await step(run);
  };
}

/** Names a flow knows before its first step (hooks, issue 18). */
export interface FlowNames {
  /** Captured by the test's before: flow, read-only here (the run's data holds their values). */
  shared?: readonly string[];
  /** Captured by the user's onStart in this VU's state, before any iteration. */
  captured?: readonly string[];
  /** Receives the names this flow captures. */
  capturesOut?: string[];
}

function compileSteps(steps: readonly unknown[], where: At, c: Compiler): StepRun[] {
  return steps.map((raw, i) => {
    const stepAt = at(where, `[${i}]`);
    const step = parse(stepSchema, raw, stepAt, c);
    if (step !== undefined) {
      try {
        return compileStep(step, stepAt, c);
      } catch (e) {
        if (!isSquallError(e)) throw e;
        c.problems.push(e);
      }
    }
    declareNames(raw, stepAt, c);
    return failed;
  });
}

/** Parses `value` with a flow schema; each issue becomes a problem at its key path. */
function parse<T>(schema: z.ZodType<T>, value: unknown, where: At, c: Compiler): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const suffix = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : keyPath(String(k)))).join('');
    const params = (issue as { params?: Partial<FlowIssueParams> }).params;
    c.problems.push(invalid(at(where, suffix), issue.message, params?.flow?.hint));
  }
  return undefined;
}

// Never runs: a flow with a problem is refused as a whole.
const failed: StepRun = () => {
  throw new Error('a step that failed to compile ran');
};

/**
 * After a step is refused, still declares the names it meant to set (its captures, its feed
 * alias), so that later steps using them do not add a second, misleading problem.
 */
function declareNames(step: unknown, where: At, c: Compiler): void {
  if (!isPlainObject(step)) return;
  const declared = (name: unknown): name is string =>
    typeof name === 'string' && IDENTIFIER.test(name) && c.scope.nameProblem(name, 'capture') === undefined;
  for (const method of HTTP_METHODS) {
    if (step[method] === undefined) continue;
    const head = step[method];
    const capture = isPlainObject(head) ? head.capture : step.capture;
    for (const spec of Array.isArray(capture) ? capture : [capture]) {
      if (isPlainObject(spec) && declared(spec.as)) c.scope.addCapture(spec.as, where.path);
    }
  }
  for (const branch of [step.then, step.else])
    if (Array.isArray(branch)) for (const inner of branch) declareNames(inner, where, c);
  if (step.feed !== undefined) {
    const as = isPlainObject(step.feed) && step.feed.as !== undefined ? step.feed.as : 'row';
    if (typeof as === 'string' && c.scope.nameProblem(as, 'binding') === undefined)
      c.scope.bind(as, 'a feed step', []);
  }
}

function toConfigError(file: string, problems: readonly SquallError[]): ConfigError {
  const issues = problems.map((e): LocatedIssue => {
    const loc = e.where ?? { file };
    return {
      code: e.code,
      path: parseKeyPath(loc.path ?? ''),
      message: e.message,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
      where: loc,
    };
  });
  return new ConfigError(file, issues);
}

function compileStep(step: FlowStep, where: At, c: Compiler): StepRun {
  switch (step.kind) {
    case 'think':
      return compileThink(step);
    case 'feed':
      return compileFeed(step, where, c);
    case 'loop':
      return compileLoop(step, where, c);
    case 'submitForm':
      return compileSubmitForm(step, where, c.scope, c.facts);
    case 'if':
      return compileIf(step, where, c);
    case 'ws-step': {
      const ws = parse(wsStepSchema, step, where, c);
      return ws === undefined ? failed : compileWsStep(ws, where, c.scope, (s, w) => compileSteps(s, w, c));
    }
    default: {
      if (step.if === undefined) return compileRequest(step, where, c.scope, c.facts);
      // The condition reads only what earlier steps set, not the request's own captures.
      const holds = condition(step.if, at(where, '.if'), c);
      const send = compileRequest(step, where, c.scope, c.facts);
      return (run) => (holds(run) ? send(run) : undefined);
    }
  }
}

function condition(cond: Condition, where: At, c: Compiler): (run: Run) => boolean {
  try {
    return compileCondition(cond, (ref) => c.scope.resolve(ref));
  } catch (e) {
    if (e instanceof ConditionError) throw invalid(where, e.message, e.hint);
    throw e;
  }
}

/**
 * `if:` with `then:` and an optional `else:`. Names captured in either branch are known after
 * the step (as a skipped request's are): reading one the branch did not set is "not set" at run
 * time, and false in a later condition.
 */
function compileIf(step: IfStep, where: At, c: Compiler): StepRun {
  const holds = condition(step.if, at(where, '.if'), c);
  const then = compileSteps(step.then, at(where, '.then'), c);
  const otherwise = step.else === undefined ? [] : compileSteps(step.else, at(where, '.else'), c);
  return async (run) => {
    for (const s of holds(run) ? then : otherwise) await s(run);
  };
}

function compileThink({ think: [min, max] }: ThinkStep): StepRun {
  if (max === 0) return () => {};
  if (min === max) {
    const seconds = min / 1000;
    return (run) => run.ctx.sleep(seconds);
  }
  return (run) => run.ctx.sleep((min + Math.random() * (max - min)) / 1000);
}

function compileFeed({ from: name, short, as, per }: FeedStep, where: At, c: Compiler): StepRun {
  const w = at(where, '.feed');
  const feeder = feederNamed(name, short ? w : at(w, '.from'), c);
  const problem = c.scope.nameProblem(as, 'binding');
  if (problem) throw invalid(at(w, '.as'), `feed as: ${problem}`);
  const slot = c.scope.bind(as, `feeder '${name}'`, feeder.fields);
  if (per === 'iteration') {
    return (run) => {
      run.slots[slot] = feeder.next(run.ctx.vu.id);
    };
  }
  // `per: vu` with `order: unique` is "unique per user": each VU takes its own row once.
  const key = `$feed:${name}`;
  return (run) => {
    const state = run.ctx.vu.state;
    let row = state[key];
    if (row === undefined) {
      row = feeder.next(run.ctx.vu.id);
      state[key] = row;
    }
    run.slots[slot] = row;
  };
}

function feederNamed(name: string, where: At, c: Compiler): Feeder {
  const feeder = Object.hasOwn(c.feeders, name) ? c.feeders[name] : undefined;
  if (feeder) return feeder;
  const names = Object.keys(c.feeders);
  const hint = didYouMean(name, names);
  throw invalid(
    where,
    `unknown feeder '${name}'${hint ? ` — ${hint}` : ''}`,
    names.length === 0
      ? 'no feeders are declared; declare one under feeders: (name: { file: users.csv, order: sequential })'
      : `feeders: ${names.join(', ')}`,
  );
}

/** Where a loop's items come from: a feeder's rows, a literal list, or a list captured earlier. */
interface LoopSource {
  origin: string;
  fields: readonly string[];
  items: (run: Run) => readonly unknown[];
}

function compileLoop(step: LoopStep, where: At, c: Compiler): StepRun {
  const { as } = step;
  const count = loopCount(step.count, at(where, '.count'), c);
  const bodyAt = at(where, '.loop');
  if (step.over === undefined) {
    return c.scope.withLoop((indexSlot) => {
      const body = compileSteps(step.loop, bodyAt, c);
      return async (run) => {
        const n = count!(run);
        for (let i = 0; i < n; i++) {
          // A long loop must not outlive its scenario: stop between rounds once told to.
          run.ctx.signal.throwIfAborted();
          run.slots[indexSlot] = i;
          for (const s of body) await s(run);
        }
      };
    });
  }
  const source = loopSource(step.over, at(where, '.over'), c);
  const problem = c.scope.nameProblem(as, 'binding');
  if (problem) throw invalid(at(where, '.as'), `loop as: ${problem}`);
  return c.scope.withLoop((indexSlot) =>
    c.scope.withBinding(as, source.origin, source.fields, (itemSlot) => {
      const body = compileSteps(step.loop, bodyAt, c);
      return async (run) => {
        const items = source.items(run);
        const n = count === undefined ? items.length : Math.min(count(run), items.length);
        for (let i = 0; i < n; i++) {
          run.ctx.signal.throwIfAborted();
          run.slots[indexSlot] = i;
          run.slots[itemSlot] = items[i];
          for (const s of body) await s(run);
        }
      };
    }),
  );
}

/** A loop's count: a number, or a template read when the loop starts (a whole number, 0 or more). */
function loopCount(
  count: number | string | undefined,
  where: At,
  c: Compiler,
): ((run: Run) => number) | undefined {
  if (count === undefined) return undefined;
  if (typeof count === 'number') return () => count;
  const t = template(count, where, c.scope);
  return (run) => {
    const v = t.value(run);
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`loop count ${JSON.stringify(count)} gave ${show(v)}, not a whole number of rounds`);
    return n;
  };
}

function loopSource(over: string | readonly unknown[], where: At, c: Compiler): LoopSource {
  if (typeof over !== 'string') {
    const items = Object.freeze([...over]);
    return { origin: 'the list of this loop', fields: fieldsOf(items), items: () => items };
  }
  const name = over;
  if (Object.hasOwn(c.feeders, name)) {
    const feeder = c.feeders[name]!;
    return { origin: `feeder '${name}'`, fields: feeder.fields, items: () => feeder.rows };
  }
  if (c.scope.hasCapture(name)) {
    return {
      origin: `capture '${name}'`,
      fields: [],
      items: (run) => {
        const value = run.ctx.vu.state[name];
        if (Array.isArray(value)) return value;
        throw new Error(`loop over '${name}': the captured value is not a list (it is ${show(value)})`);
      },
    };
  }
  const hint = didYouMean(name, [...Object.keys(c.feeders)]);
  throw invalid(
    where,
    `loop over '${name}': no feeder and no earlier capture has that name${hint ? ` — ${hint}` : ''}`,
    Object.keys(c.feeders).length > 0 ? `feeders: ${Object.keys(c.feeders).join(', ')}` : undefined,
  );
}

function fieldsOf(items: readonly unknown[]): string[] {
  const fields = new Set<string>();
  for (const item of items) {
    if (!isPlainObject(item)) return [];
    for (const key of Object.keys(item)) fields.add(key);
  }
  return [...fields];
}
