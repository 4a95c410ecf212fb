import type { WsConnectOptions, WsMessage, WsReceiveOptions, WsSession } from '../script-api/ws-api.js';
import { compileCaptures, compileJson, jsonEqual, template } from './flow-request.js';
import {
  asMap,
  type CaptureSpec,
  type Captures,
  captureSchema,
  durationWithUnit,
  headersSchema,
  type JsonCheck,
  jsonChecks,
  jsonSchema,
  type Key,
  leaf,
  nonEmptyString,
  type Report,
  stepList,
  sub,
  unknownKeys,
  type WsRawStep,
} from './flow-schema.js';
import type { FlowScope } from './flow-scope.js';
import { type At, at, invalid, keyPath, show } from './flow-shape.js';
import { type Run, routeOf, type StepRun, urlSafe } from './flow-template.js';
import { NOT_FOUND } from './json-path.js';

/**
 * WebSocket steps of a YAML flow (docs/protocols.md):
 *
 *   - ws: /chat                                   # ws://, wss://, or a path on the target
 *     name: chat                                  #   the ws_* metrics' name tag (default: the path)
 *     headers: { Authorization: "Bearer ${token}" }
 *     timeout: 5s                                 #   the opening handshake's
 *     steps:                                      #   any steps; these four only inside a ws block
 *       - send: hello                             # a text frame (a template)
 *       - send: { json: { type: join, room: "${room}" } }
 *       - send: { json: { type: ping }, reply: { match: '"pong"', timeout: 2s } }   # waits: ws_rtt
 *       - receive: { match: '/"id":\d+/', timeout: 2s, capture: { json: $.id, as: id },
 *                    check: { json: { $.type: { equals: welcome } }, contains: id } }
 *       - close: {}                               # or close: 4000; the block closes it anyway
 *
 * A `match` is text the message contains (a template), or /a regexp/. When the upgrade fails, its
 * fault is counted (errors[], ws_failed) and the block's steps are skipped; a receive that times
 * out is counted, its checks fail and its captures fail the iteration, as a request's do.
 */

export const WS_CHECK_KEYS = ['json', 'contains', 'maxDuration'] as const;
const WS_KEYS = ['ws', 'name', 'headers', 'timeout', 'steps'] as const;
const RECEIVE_KEYS = ['match', 'timeout', 'check', 'capture'] as const;
const SEND_KEYS = ['text', 'json', 'reply'] as const;
const CLOSE_KEYS = ['code', 'reason'] as const;

interface WsCheckSpec {
  json?: JsonCheck[];
  contains?: { texts: string[]; list: boolean };
  maxDuration?: { ms: number; text: string };
}

interface ReceiveSpec {
  match?: string;
  timeout?: { ms: number; text: string };
  check?: WsCheckSpec;
  capture?: Captures;
}

type WsStep =
  | {
      type: 'ws';
      url: string;
      name?: string;
      headers?: Record<string, string>;
      timeout?: { ms: number; text: string };
      steps: unknown[];
    }
  | { type: 'send'; text?: string; json?: unknown; reply?: ReceiveSpec }
  | ({ type: 'receive' } & ReceiveSpec)
  | { type: 'close'; code: number; reason?: string };

const wsCheck = leaf((v, report): WsCheckSpec => {
  const spec = asMap(v, 'check', report);
  if (!spec || unknownKeys(spec, WS_CHECK_KEYS, 'a message check', report, { bodyContains: 'contains' }))
    return {};
  const out: WsCheckSpec = {};
  if (spec.json !== undefined) {
    const j = sub(jsonChecks, spec.json, report, ['json']);
    if (j) out.json = j;
  }
  if (spec.contains !== undefined) {
    const list = Array.isArray(spec.contains);
    const texts: unknown[] = list ? (spec.contains as unknown[]) : [spec.contains];
    if (texts.length === 0)
      report('contains must be text or a list of texts, given []', undefined, ['contains']);
    for (const [i, t] of texts.entries())
      sub(nonEmptyString('contains'), t, report, ['contains', ...(list ? [i] : [])]);
    out.contains = { texts: texts as string[], list };
  }
  if (spec.maxDuration !== undefined) {
    const d = sub(durationWithUnit('maxDuration'), spec.maxDuration, report, ['maxDuration']);
    if (d) out.maxDuration = d;
  }
  if (Object.keys(spec).length === 0) report('check is empty', `checks: ${WS_CHECK_KEYS.join(', ')}`);
  return out;
});

function receiveSpec(map: Record<string, unknown>, report: Report, keys: readonly string[], what: string) {
  if (unknownKeys(map, keys, what, report)) return undefined;
  const out: ReceiveSpec = {};
  if (map.match !== undefined) {
    const m = sub(nonEmptyString('match (text the message contains, or /regexp/)'), map.match, report, [
      'match',
    ]);
    if (m !== undefined) {
      const re = /^\/(.*)\/([a-z]*)$/s.exec(m);
      if (re) {
        try {
          new RegExp(re[1]!, re[2]);
        } catch (e) {
          report(`match ${show(m)} does not compile: ${(e as Error).message}`, undefined, ['match']);
        }
      }
      out.match = m;
    }
  }
  if (map.timeout !== undefined) {
    const t = sub(durationWithUnit('timeout'), map.timeout, report, ['timeout']);
    if (t) out.timeout = t;
  }
  if (map.check !== undefined) {
    const c = sub(wsCheck, map.check, report, ['check']);
    if (c) out.check = c;
  }
  if (map.capture !== undefined) {
    const c = sub(captureSchema, map.capture, report, ['capture']);
    if (c) {
      c.items.forEach((item, i) => {
        if ('header' in item)
          report('a WebSocket message has no headers; capture json: "$.path" or regexp: pattern', undefined, [
            'capture',
            ...(c.list ? [i] : []),
            'header',
          ]);
      });
      out.capture = c;
    }
  }
  return out;
}

/** A map, or nothing written (`receive:`, `receive: {}`). */
function optionalMap(v: unknown, what: string, report: Report): Record<string, unknown> | undefined {
  return v === null || v === undefined ? {} : asMap(v, what, report);
}

export const wsStepSchema = leaf((raw, report): WsStep => {
  const none: WsStep = { type: 'close', code: 1000 };
  const { type, step } = raw as WsRawStep;
  const at =
    (p: Key[]) =>
    (m: string, h?: string, q: Key[] = []) =>
      report(m, h, [...p, ...q]);
  switch (type) {
    case 'ws': {
      if (unknownKeys(step, WS_KEYS, 'a ws step', report)) return none;
      if (typeof step.ws !== 'string' || step.ws === '') {
        report(
          `ws takes a URL (ws://…, wss://… or /path on the target), given ${show(step.ws)}`,
          'write the options beside it: - ws: /chat, then name:, headers:, timeout:, steps:',
          ['ws'],
        );
        return none;
      }
      if (!/^(\/|wss?:\/\/|https?:\/\/|\$\{)/i.test(step.ws)) {
        report(
          `ws must be a ws:// or wss:// URL or a path starting with /, given ${show(step.ws)}`,
          undefined,
          ['ws'],
        );
        return none;
      }
      if (step.steps === undefined) {
        report(
          'a ws step needs steps: [ … ] (send, receive, close …)',
          'for example: steps: [ { send: hello }, { receive: {} } ]',
        );
        return none;
      }
      const steps = sub(stepList, step.steps, report, ['steps']);
      const name =
        step.name === undefined ? undefined : sub(nonEmptyString('name'), step.name, report, ['name']);
      const headers =
        step.headers === undefined ? undefined : sub(headersSchema, step.headers, report, ['headers']);
      const timeout =
        step.timeout === undefined
          ? undefined
          : sub(durationWithUnit('timeout'), step.timeout, report, ['timeout']);
      if (steps === undefined) return none;
      return {
        type: 'ws',
        url: step.ws,
        steps,
        ...(name === undefined ? {} : { name }),
        ...(headers === undefined ? {} : { headers }),
        ...(timeout === undefined ? {} : { timeout }),
      };
    }
    case 'send': {
      if (unknownKeys(step, ['send'], 'a send step', report)) return none;
      const r = at(['send']);
      if (typeof step.send === 'string') return { type: 'send', text: step.send };
      const map = asMap(step.send, 'send (text, or { text | json, reply })', r);
      if (!map || unknownKeys(map, SEND_KEYS, 'send', r)) return none;
      if ((map.text === undefined) === (map.json === undefined)) {
        r('send sends one thing: text: "…" or json: { … }', 'for example: send: { json: { type: ping } }');
        return none;
      }
      const text =
        map.text === undefined ? undefined : sub(nonEmptyString('send text'), map.text, r, ['text']);
      const json = map.json === undefined ? undefined : sub(jsonSchema, map.json, r, ['json']);
      let reply: ReceiveSpec | undefined;
      if (map.reply !== undefined) {
        const rr = at(['send', 'reply']);
        const m = optionalMap(map.reply, 'reply (a map: match, timeout, check, capture)', rr);
        reply = m === undefined ? undefined : receiveSpec(m, rr, RECEIVE_KEYS, 'reply');
        if (reply === undefined) return none;
      }
      return {
        type: 'send',
        ...(text === undefined ? {} : { text }),
        ...(map.json === undefined ? {} : { json }),
        ...(reply === undefined ? {} : { reply }),
      };
    }
    case 'receive': {
      if (unknownKeys(step, ['receive'], 'a receive step', report)) return none;
      const r = at(['receive']);
      const map = optionalMap(step.receive, 'receive (a map: match, timeout, check, capture)', r);
      const spec = map === undefined ? undefined : receiveSpec(map, r, RECEIVE_KEYS, 'receive');
      return spec === undefined ? none : { type: 'receive', ...spec };
    }
    case 'close': {
      if (unknownKeys(step, ['close'], 'a close step', report)) return none;
      const r = at(['close']);
      const v = step.close;
      const map =
        typeof v === 'number' ? { code: v } : optionalMap(v, 'close (a code, or { code, reason })', r);
      if (!map || unknownKeys(map, CLOSE_KEYS, 'close', r)) return none;
      const code = map.code ?? 1000;
      if (
        typeof code !== 'number' ||
        !(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))
      ) {
        r(
          `close code must be 1000 (normal) or 3000–4999, given ${show(code)}`,
          undefined,
          typeof v === 'number' ? [] : ['code'],
        );
        return none;
      }
      const reason =
        map.reason === undefined ? undefined : sub(nonEmptyString('reason'), map.reason, r, ['reason']);
      return { type: 'close', code, ...(reason === undefined ? {} : { reason }) };
    }
  }
});

/** The session of the ws block a step runs in, per iteration. */
const current = new WeakMap<Run, WsSession>();
/** How deep in ws blocks the compiler is, per flow. */
const depth = new WeakMap<FlowScope, number>();

/**
 * Compiles a WebSocket step already parsed by wsStepSchema. `compileSteps` compiles a ws block's
 * steps as the flow's own (their problems reported with the flow's).
 */
export function compileWsStep(
  step: WsStep,
  where: At,
  scope: FlowScope,
  compileSteps: (steps: readonly unknown[], where: At) => StepRun[],
): StepRun {
  if (step.type === 'ws') return compileBlock(step, where, scope, compileSteps);
  if ((depth.get(scope) ?? 0) === 0)
    throw invalid(
      at(where, `.${step.type}`),
      `${step.type} belongs inside a ws step's steps: it needs an open WebSocket session`,
      'for example: - ws: /chat, then steps: [ { send: hello }, { receive: {} } ]',
    );
  const session = (run: Run) => current.get(run)!;
  switch (step.type) {
    case 'close': {
      const { code, reason } = step;
      return (run) => session(run).close(code, reason);
    }
    case 'receive': {
      const wait = compileReceive(step, at(where, '.receive'), scope);
      return async (run) => wait.after(await session(run).receive(wait.options(run)), run);
    }
    case 'send': {
      const w = at(where, '.send');
      let data: (run: Run) => string;
      if (step.json !== undefined) {
        const json = compileJson(step.json, at(w, '.json'), scope);
        data = (run) => JSON.stringify(json(run));
      } else {
        const t = template(step.text!, w, scope);
        data = (run) => t.render(run);
      }
      if (step.reply === undefined)
        return (run) => {
          session(run).send(data(run));
        };
      const wait = compileReceive(step.reply, at(w, '.reply'), scope);
      return async (run) => wait.after(await session(run).request(data(run), wait.options(run)), run);
    }
  }
}

function compileBlock(
  step: Extract<WsStep, { type: 'ws' }>,
  where: At,
  scope: FlowScope,
  compileSteps: (steps: readonly unknown[], where: At) => StepRun[],
): StepRun {
  const url = template(step.url, at(where, '.ws'), scope, { escape: urlSafe });
  // A templated URL is named after its route (/rooms/:room), as a request's is.
  const name =
    step.name ??
    (url.constant
      ? undefined
      : routeOf(url.parts, () => undefined)
          .replace(/^[a-z]+:\/\/[^/]*/i, '')
          .replace(/[?#].*$/s, ''));
  const headers =
    step.headers === undefined
      ? undefined
      : Object.entries(step.headers).map(
          ([k, v]) => [k, template(v, at(at(where, '.headers'), keyPath(k)), scope)] as const,
        );
  const d = depth.get(scope) ?? 0;
  depth.set(scope, d + 1);
  let body: StepRun[];
  try {
    body = compileSteps(step.steps, at(where, '.steps'));
  } finally {
    depth.set(scope, d);
  }
  const timeout = step.timeout?.ms;
  return async (run) => {
    const options: WsConnectOptions = {};
    if (name !== undefined) options.name = name;
    if (timeout !== undefined) options.timeout = timeout;
    if (headers !== undefined) {
      const h: Record<string, string> = {};
      for (const [k, t] of headers) h[k] = t.render(run);
      options.headers = h;
    }
    const session = await run.ctx.ws.connect(url.render(run), options);
    // The fault is counted (errors[], ws_failed); the block's steps have no session to use.
    if (!session.open) return;
    const outer = current.get(run);
    current.set(run, session);
    try {
      for (const s of body) await s(run);
    } finally {
      if (outer === undefined) current.delete(run);
      else current.set(run, outer);
      await session.close();
    }
  };
}

interface CompiledReceive {
  options(run: Run): WsReceiveOptions;
  /** Runs the checks and captures on what came. */
  after(m: WsMessage, run: Run): void;
}

function compileReceive(spec: ReceiveSpec, where: At, scope: FlowScope): CompiledReceive {
  let match: ((run: Run) => string | RegExp) | undefined;
  if (spec.match !== undefined) {
    const re = /^\/(.*)\/([a-z]*)$/s.exec(spec.match);
    if (re) {
      const pattern = new RegExp(re[1]!, re[2]!.replace(/[gy]/g, ''));
      match = () => pattern;
    } else {
      const t = template(spec.match, at(where, '.match'), scope);
      match = (run) => t.render(run);
    }
  }
  const timeout = spec.timeout?.ms;
  const checks = spec.check === undefined ? [] : compileChecks(spec.check, at(where, '.check'), scope);
  const captures =
    spec.capture === undefined
      ? []
      : compileCaptures(spec.capture, at(where, '.capture'), scope, captureItem);
  const label = spec.match === undefined ? 'the next message' : `the message matching ${spec.match}`;
  return {
    options(run) {
      const o: WsReceiveOptions = {};
      if (match !== undefined) o.match = match(run);
      if (timeout !== undefined) o.timeout = timeout;
      return o;
    },
    after(m, run) {
      const json = lazyJson(m);
      if (checks.length > 0) {
        const record: Record<string, (x: WsMessage) => boolean> = {};
        for (const c of checks) record[c.label] = () => c.test(m, run, json);
        run.ctx.check(m, record);
      }
      for (const c of captures) {
        const value = c.read(m, json);
        if (value === NOT_FOUND) {
          const why = m.error === undefined ? 'a message came' : `no message: ${m.error}`;
          throw new Error(`capture '${c.as}' failed: ${c.describe} found nothing in ${label} (${why})`);
        }
        run.ctx.vu.state[c.as] = value;
      }
    },
  };
}

/** The message parsed as JSON once, however many checks and captures read it; NOT_FOUND when not JSON. */
function lazyJson(m: WsMessage): () => unknown {
  let parsed: unknown = NOT_FOUND;
  let tried = false;
  return () => {
    if (!tried) {
      tried = true;
      if (m.error === undefined) {
        try {
          parsed = JSON.parse(m.text);
        } catch {
          // Not JSON: every JSON check fails and every JSON capture finds nothing.
        }
      }
    }
    return parsed;
  };
}

interface WsCheckItem {
  label: string;
  test(m: WsMessage, run: Run, json: () => unknown): boolean;
}

function compileChecks(spec: WsCheckSpec, where: At, scope: FlowScope): WsCheckItem[] {
  const items: WsCheckItem[] = [];
  for (const c of spec.json ?? []) {
    const w = at(at(where, '.json'), keyPath(c.source));
    if (c.exists !== undefined) {
      const { exists, path } = c;
      items.push({
        label: `${c.source} ${exists ? 'exists' : 'does not exist'}`,
        test: (_m, _run, json) => {
          const v = json();
          return v !== NOT_FOUND && (path.query(v) !== NOT_FOUND) === exists;
        },
      });
    }
    if (c.equals !== undefined) {
      const { path, equals } = c;
      const t = typeof equals === 'string' ? template(equals, at(w, '.equals'), scope) : undefined;
      const want = (run: Run): unknown => (t === undefined ? equals : t.constant ? equals : t.value(run));
      items.push({
        label: `${c.source} equals ${t !== undefined && !t.constant ? t.source : JSON.stringify(equals)}`,
        test: (_m, run, json) => {
          const v = json();
          if (v === NOT_FOUND) return false;
          const actual = path.query(v);
          const expected = want(run);
          return (
            jsonEqual(actual, expected) ||
            // A CSV field or env value is text; let it match the number or boolean the server sent.
            (t !== undefined &&
              !t.constant &&
              typeof expected === 'string' &&
              (typeof actual === 'number' || typeof actual === 'boolean') &&
              String(actual) === expected)
          );
        },
      });
    }
  }
  if (spec.contains !== undefined) {
    const { texts, list } = spec.contains;
    texts.forEach((text, i) => {
      const t = template(text, list ? at(at(where, '.contains'), `[${i}]`) : at(where, '.contains'), scope);
      items.push({
        label: `message contains ${JSON.stringify(t.source)}`,
        test: (m, run) => m.error === undefined && m.text.includes(t.render(run)),
      });
    });
  }
  if (spec.maxDuration !== undefined) {
    const { ms, text } = spec.maxDuration;
    items.push({ label: `duration < ${text}`, test: (m) => m.error === undefined && m.duration < ms });
  }
  return items;
}

interface CaptureItem {
  as: string;
  describe: string;
  read(m: WsMessage, json: () => unknown): unknown;
}

function captureItem(spec: CaptureSpec): CaptureItem {
  const { as } = spec;
  if ('path' in spec) {
    const { path } = spec;
    return {
      as,
      describe: spec.json,
      read: (_m, json) => {
        const v = json();
        return v === NOT_FOUND ? NOT_FOUND : path.query(v);
      },
    };
  }
  if ('header' in spec) return { as, describe: 'a header', read: () => NOT_FOUND };
  const { regexp: re, group } = spec;
  return {
    as,
    describe: `regexp /${spec.source}/`,
    read: (m) => {
      if (m.error !== undefined) return NOT_FOUND;
      const v = re.exec(m.text)?.[group];
      return v === undefined ? NOT_FOUND : v;
    },
  };
}
