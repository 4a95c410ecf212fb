// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { describe, expect, it } from 'vitest';
import { SquallError } from '../errors/index.js';
import type { ConfigError } from '../errors/issues.js';
import { compileFlow, type Step } from './flow.js';

/**
 * The WebSocket steps' shapes (flow-ws.ts): each mistake refused before any load, at its exact
 * key path, with what was given and what is expected. What they do on the wire is
 * test/e2e/websocket.test.ts's.
 */

const where = { file: 'chat.yaml', path: 'flow' };

function problems(steps: unknown): Array<{ path: string; message: string }> {
  try {
    compileFlow(steps as Step[], where);
  } catch (e) {
    expect(e).toBeInstanceOf(SquallError);
    return (e as ConfigError).issues.map((i) => ({ path: i.where?.path ?? '', message: i.message }));
  }
  throw new Error('expected the flow to be refused');
}

const ws = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ ws: '/chat', ...extra, steps });

describe('ws steps', () => {
  it('compiles a block with every step kind, nested in a loop, with captures used later', () => {
    expect(() =>
      compileFlow(
        [
          ws(
            [
              { send: 'hello ${vu.id}' },
              { receive: { match: 'welcome', timeout: '2s', capture: { json: '$.id', as: 'me' } } },
              {
                loop: [
                  { send: { json: { n: '${loop.index}', id: '${me}' }, reply: { match: '/"n":\\d+/' } } },
                ],
                count: 3,
              },
              { receive: null },
              { close: 4000 },
            ],
            { name: 'chat', headers: { Authorization: 'Bearer x' }, timeout: '5s' },
          ),
          { get: '/after/${me}' },
        ] as Step[],
        where,
      ),
    ).not.toThrow();
  });

  it('refuses send, receive and close outside a ws block', () => {
    expect(problems([{ send: 'x' }, { receive: {} }, { close: {} }])).toEqual([
      {
        path: 'flow[0].send',
        message: "send belongs inside a ws step's steps: it needs an open WebSocket session",
      },
      {
        path: 'flow[1].receive',
        message: "receive belongs inside a ws step's steps: it needs an open WebSocket session",
      },
      {
        path: 'flow[2].close',
        message: "close belongs inside a ws step's steps: it needs an open WebSocket session",
      },
    ]);
  });

  it.each([
    [
      'a ws URL of another scheme',
      [{ ws: 'ftp://x', steps: [{ close: {} }] }],
      'flow[0].ws',
      /ws must be a ws:\/\/ or wss:\/\/ URL or a path starting with \/, given "ftp:\/\/x"/,
    ],
    ['a ws step without steps', [{ ws: '/chat' }], 'flow[0]', /a ws step needs steps: \[ … \]/],
    [
      'a misspelt key beside ws',
      [{ ws: '/chat', stpes: [], steps: [{ close: {} }] }],
      'flow[0].stpes',
      /unknown key 'stpes' in a ws step — did you mean 'steps'\?/,
    ],
    [
      'send with both text and json',
      [ws([{ send: { text: 'a', json: {} } }])],
      'flow[0].steps[0].send',
      /send sends one thing: text: "…" or json: \{ … \}/,
    ],
    [
      'a misspelt receive key',
      [ws([{ receive: { mach: 'x' } }])],
      'flow[0].steps[0].receive.mach',
      /unknown key 'mach' in receive — did you mean 'match'\?/,
    ],
    [
      'a receive timeout without a unit',
      [ws([{ receive: { timeout: 2 } }])],
      'flow[0].steps[0].receive.timeout',
      /timeout must be a duration with a unit such as 500ms or 2s, given 2/,
    ],
    [
      'a regexp match that does not compile',
      [ws([{ receive: { match: '/(/' } }])],
      'flow[0].steps[0].receive.match',
      /match "\/\(\/" does not compile/,
    ],
    [
      'a header capture on a message',
      [ws([{ receive: { capture: { header: 'x', as: 'h' } } }])],
      'flow[0].steps[0].receive.capture.header',
      /a WebSocket message has no headers/,
    ],
    [
      "HTTP's bodyContains in a message check",
      [ws([{ receive: { check: { bodyContains: 'x' } } }])],
      'flow[0].steps[0].receive.check.bodyContains',
      /unknown key 'bodyContains' in a message check — did you mean 'contains'\?/,
    ],
    [
      'a reserved close code',
      [ws([{ close: 1006 }])],
      'flow[0].steps[0].close',
      /close code must be 1000 \(normal\) or 3000–4999, given 1006/,
    ],
    [
      'a reply check on an unknown name',
      [ws([{ send: { text: 'x', reply: { check: { contains: '${nope}' } } } }])],
      'flow[0].steps[0].send.reply.check.contains',
      /nope/,
    ],
  ])('refuses %s', (_what, steps, path, message) => {
    const found = problems(steps);
    expect(
      found.map((p) => p.path),
      JSON.stringify(found),
    ).toContain(path);
    expect(found.find((p) => p.path === path)!.message).toMatch(message);
  });
});
