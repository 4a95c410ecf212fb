// biome-ignore-all lint/suspicious/noTemplateCurlyInString: squall's own ${…} templates are the expected output
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveTest } from '../config/resolve-test.js';
import { importHar } from './har.js';
import { ImportError } from './import-types.js';

const FIXTURE = readFileSync(new URL('../../test/fixtures/import/shop.har', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'squall-har-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Step = Record<string, unknown> & { headers?: Record<string, string> };
type Doc = {
  target?: string;
  defaults?: { headers: Record<string, string> };
  users: [{ name: string; flow: Step[] }];
};

function imported(text = FIXTURE, options: Partial<Parameters<typeof importHar>[1]> = {}) {
  const r = importHar(text, { file: 'shop.har', ...options });
  return { ...r, doc: parse(r.text) as Doc };
}

/** The request steps as METHOD URL. */
const requests = (doc: Doc) =>
  doc.users[0].flow
    .filter((s) => !('think' in s))
    .map((s) => {
      const m = Object.keys(s).find((k) => ['get', 'post', 'put', 'patch', 'delete', 'head'].includes(k))!;
      return `${m.toUpperCase()} ${String(s[m])}`;
    });

/** A HAR of the given entries, each { url, method?, at (ms), time?, mime?, body? }. */
function har(
  entries: Array<{ url: string; method?: string; at: number; time?: number; mime?: string; body?: string }>,
) {
  return JSON.stringify({
    log: {
      entries: entries.map((e) => ({
        startedDateTime: new Date(Date.UTC(2026, 11, 5) + e.at).toISOString(),
        time: e.time ?? 10,
        request: {
          method: e.method ?? 'GET',
          url: e.url,
          headers: [],
          ...(e.body === undefined ? {} : { postData: { mimeType: e.mime ?? 'text/plain', text: e.body } }),
        },
        response: { status: 200, content: { mimeType: 'application/json' } },
      })),
    },
  });
}

describe('importHar', () => {
  it('replays the recording: requests in order, static assets and preflights out, think times from the pauses', () => {
    const { doc, skipped } = imported();
    expect(doc.target).toBe('https://shop.example.com');
    expect(doc.users[0].name).toBe('Shoe shop');
    expect(requests(doc)).toEqual([
      'GET /',
      'GET /api/products?category=shoes&page=1',
      'POST /api/cart',
      'POST https://www.google-analytics.com/g/collect?v=2&tid=G-XYZ',
      'GET /api/cart',
      'POST /checkout',
      'GET /orders/77',
    ]);
    // From the end of one request to the start of the next: 300-50, 700-340, 1100-760; the 5 ms
    // and 40 ms gaps are the browser firing requests together.
    expect(doc.users[0].flow.filter((s) => 'think' in s).map((s) => s.think)).toEqual([
      '250ms',
      '360ms',
      '340ms',
    ]);
    expect(doc.users[0].flow[0]).toEqual({
      get: '/',
      headers: { accept: 'text/html,application/xhtml+xml' },
      check: { status: 200 },
      redirects: 0,
    });
    expect(skipped).toEqual([
      'static assets (images, CSS, fonts, scripts, media; --keep-static keeps them): 4',
      "OPTIONS requests (CORS preflights: the browser's own): 1",
    ]);
  });

  it('drops the browser and transport headers, and moves the ones every request sent to defaults', () => {
    const { doc, text } = imported();
    expect(doc.defaults?.headers).toEqual({
      'accept-language': 'en-GB,en;q=0.9',
      'user-agent': expect.stringMatching(/^Mozilla\/5\.0 .*Chrome\/131/),
    });
    for (const dropped of [
      ':authority',
      ':path',
      'cookie',
      'sec-ch-ua',
      'sec-fetch-mode',
      'accept-encoding',
      'content-length',
      'if-none-match',
      'upgrade-insecure-requests',
    ])
      expect(text.toLowerCase()).not.toContain(`${dropped}:`);
    const cart = doc.users[0].flow.find((s) => s.post === '/api/cart')!;
    // JSON body as json: (squall sets Content-Type: application/json), the app's own header kept.
    expect(cart).toMatchObject({
      headers: { accept: 'application/json', 'x-csrf-token': 'c5rf-42' },
      json: { sku: 'SH-42', qty: 2 },
      check: { status: 201 },
    });
    expect(cart.headers).not.toHaveProperty('content-type');
    // A form as form: (decoded), the redirect replayed hop by hop.
    const checkout = doc.users[0].flow.find((s) => s.post === '/checkout')!;
    expect(checkout).toMatchObject({
      form: { email: 'ann@example.com', note: 'gift wrap' },
      check: { status: 302 },
      redirects: 0,
    });
    // A text body keeps its type.
    expect(doc.users[0].flow.find((s) => String(s.post).includes('analytics'))).toMatchObject({
      body: 'en=add_to_cart',
      headers: { 'Content-Type': 'text/plain' },
    });
  });

  it('--keep-static, --host and --same-origin', () => {
    expect(requests(imported(FIXTURE, { keepStatic: true }).doc)).toHaveLength(11);
    const hosted = imported(FIXTURE, { host: 'http://127.0.0.1:8080', sameOrigin: true });
    expect(hosted.doc.target).toBe('http://127.0.0.1:8080');
    expect(requests(hosted.doc)).toEqual([
      'GET /',
      'GET /api/products?category=shoes&page=1',
      'POST /api/cart',
      'GET /api/cart',
      'POST /checkout',
      'GET /orders/77',
    ]);
    expect(hosted.skipped).toContain('requests to other origins (--same-origin): 1');
  });

  it('writes a recorded ${ as a literal, and its output is a test squall runs', async () => {
    const { text, doc } = imported(
      har([
        { url: 'http://127.0.0.1:9/search?q=${x}', at: 0 },
        {
          url: 'http://127.0.0.1:9/notes',
          method: 'POST',
          at: 500,
          mime: 'application/json',
          body: '{"t":"${y}","n":[1,2]}',
        },
      ]),
    );
    expect(requests(doc)).toEqual(['GET /search?q=$${x}', 'POST /notes']);
    expect(doc.users[0].flow.find((s) => s.post)?.json).toEqual({ t: '$${y}', n: [1, 2] });
    expect(doc.users[0].flow[1]).toEqual({ think: '490ms' });
    for (const t of [text, imported().text]) {
      const file = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, t);
      const plan = await resolveTest(file, {}, {});
      expect(plan.scenarios).toHaveLength(1);
    }
  });

  it('refuses what is not a HAR file, naming the file and the place', () => {
    const fails = (text: string) => {
      try {
        importHar(text, { file: 'rec.har' });
      } catch (e) {
        expect(e).toBeInstanceOf(ImportError);
        return e as ImportError;
      }
      throw new Error('no error');
    };
    const notJson = fails('{\n  "log": {\n    "entries": [,]\n  }\n}');
    expect(notJson.message).toMatch(/^rec\.har is not a HAR file: it is not JSON \(.*line 3\)$/);
    expect(notJson.line).toBe(3);
    expect(
      fails(
        '{"log": {"entries": [{"startedDateTime": "yesterday", "request": {"method": "GET", "headers": []}}]}}',
      ).message,
    ).toBe(
      'rec.har is not a valid HAR file (HTTP Archive 1.2: { log: { entries: [{ startedDateTime, request: { method, url, headers }, response }] } }): ' +
        'log.entries[0].startedDateTime: expected an ISO 8601 date such as 2026-12-05T09:00:00.000Z; log.entries[0].request.url: Invalid input: expected string, received undefined',
    );
    expect(fails('{"version": 1}').message).toMatch(
      /^rec\.har is not a valid HAR file .*: log: Invalid input: expected object, received undefined$/,
    );
    expect(fails('{"log": {"entries": []}}').message).toBe(
      'rec.har holds no requests (log.entries is empty)',
    );
    expect(fails(har([{ url: 'http://127.0.0.1:9/a.png', at: 0 }])).message).toBe(
      'rec.har has 1 request but none to replay: static assets (images, CSS, fonts, scripts, media; --keep-static keeps them): 1',
    );
  });
});
