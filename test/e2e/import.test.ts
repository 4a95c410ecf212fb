import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as tokenize } from 'shell-quote';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Reply, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, hasStackTrace, ROOT, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `squall import har|openapi|curl` end to end: each import runs with the real CLI against a
 * server on 127.0.0.1, which must see exactly the requests the recording, the spec or the curl
 * command describes (methods, paths, bodies, headers); bad input exits 2 naming the file.
 */

const FIXTURES = join(ROOT, 'test', 'fixtures', 'import');
const dir = tempDir('squall-import-');
let server: RouteServer;
/** Statuses the server gives instead of its defaults, per "METHOD /path". */
let overrides: Record<string, number> = {};

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer({
    handler: (hit): Reply => {
      const key = `${hit.method} ${hit.path}`;
      if (overrides[key] !== undefined) return { status: overrides[key] };
      if (key === 'GET /') return { headers: { 'set-cookie': 'sid=fresh; Path=/' }, body: '<html></html>' };
      if (key === 'POST /checkout') return { status: 302, headers: { location: '/orders/77' }, body: '' };
      if (key === 'POST /api/cart' || key === 'POST /v1/pets') return { status: 201, body: { id: 7 } };
      if (key === 'DELETE /v1/pets/7') return { status: 204, body: '' };
      return { body: { ok: true } };
    },
  });
});
beforeEach(() => {
  overrides = {};
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

/** The requests the server saw from `from` on, as METHOD /path?query. */
function seen(from: number): string[] {
  return server.hits.slice(from).map((h) => {
    const q = new URLSearchParams(h.query).toString();
    return `${h.method} ${h.path}${q ? `?${q}` : ''}`;
  });
}

async function importTo(args: string[], out: string): Promise<string> {
  const r = await runCli(['import', ...args, '-o', out]);
  expect(r.code, explain(r)).toBe(0);
  expect(r.stderr).toContain(`wrote ${out}`);
  return r.stderr;
}

describe('squall import', () => {
  it('har: the recording replays against the server as recorded', async () => {
    const out = join(dir.path, 'shop.yaml');
    const stderr = await importTo(
      ['har', join(FIXTURES, 'shop.har'), '--host', server.url, '--same-origin'],
      out,
    );
    expect(stderr).toContain(
      'not translated: static assets (images, CSS, fonts, scripts, media; --keep-static keeps them): 4',
    );
    const from = server.hits.length;
    const r = await runCli(['run', out]);
    expect(r.code, explain(r)).toBe(0);
    expect(seen(from)).toEqual([
      'GET /',
      'GET /api/products?category=shoes&page=1',
      'POST /api/cart',
      'GET /api/cart',
      'POST /checkout',
      // The redirect's hop is the recording's own entry: sent once, not followed as well.
      'GET /orders/77',
    ]);
    const hits = server.hits.slice(from);
    for (const h of hits) {
      expect(h.headers['user-agent']).toMatch(/Chrome\/131/);
      expect(h.headers['accept-language']).toBe('en-GB,en;q=0.9');
      expect(h.headers['if-none-match']).toBeUndefined();
    }
    // The recorded cookie is not replayed; the VU's jar sends what this server set.
    expect(hits[0]!.headers.cookie).toBeUndefined();
    expect(hits.slice(1).map((h) => h.headers.cookie)).toEqual(Array(5).fill('sid=fresh'));
    const cart = hits[2]!;
    expect(JSON.parse(cart.body)).toEqual({ sku: 'SH-42', qty: 2 });
    expect(cart.headers['content-type']).toBe('application/json');
    expect(cart.headers['x-csrf-token']).toBe('c5rf-42');
    const checkout = hits[4]!;
    expect(checkout.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(checkout.body))).toEqual({
      email: 'ann@example.com',
      note: 'gift wrap',
    });
  });

  it('openapi: the smoke test calls each operation once as specified, and fails on an undocumented status', async () => {
    const out = join(dir.path, 'pets.yaml');
    await importTo(['openapi', join(FIXTURES, 'petstore.yaml'), '--host', server.url], out);
    const from = server.hits.length;
    const r = await runCli(['run', out], { env: { API_TOKEN: 't0k' } });
    expect(r.code, explain(r)).toBe(0);
    expect(seen(from)).toEqual([
      'GET /v1/pets?limit=2',
      'POST /v1/pets',
      'GET /v1/pets/7',
      'PATCH /v1/pets/7',
      'GET /v1/health',
      'DELETE /v1/pets/7',
    ]);
    const hits = server.hits.slice(from);
    for (const h of hits) expect(h.headers.authorization).toBe('Bearer t0k');
    expect(JSON.parse(hits[1]!.body)).toEqual({ name: 'Rex', tag: 'dog', born: '2026-01-01' });
    expect(hits[1]!.headers['x-request-id']).toBe('00000000-0000-4000-8000-000000000001');
    expect(hits[3]!.body).toBe('name=Max');

    overrides = { 'GET /v1/health': 503 };
    const failing = await runCli(['run', out, '-q']);
    expect(failing.code, explain(failing)).toBe(99);
  });

  it('curl: the quick command and the YAML step send the same request', async () => {
    const curl = `curl '${server.url}/search?x=1' -H 'Content-Type: application/json' -H 'X-Api-Key: k1' --data-raw '{"q":"shoes"}' -s`;
    const q = await runCli(['import', 'curl', curl]);
    expect(q.code, explain(q)).toBe(0);
    const words = tokenize(q.stdout.trim()) as string[];
    expect(words.slice(0, 2)).toEqual(['squall', 'quick']);
    let from = server.hits.length;
    // The printed command as it is, bounded to 3 requests.
    const quick = await runCli(['quick', ...words.slice(2, -1), '-n', '3', '-q', words.at(-1)!]);
    expect(quick.code, explain(quick)).toBe(0);
    const check = (n: number) => {
      const hits = server.hits.slice(from);
      expect(seen(from)).toEqual(Array(n).fill('POST /search?x=1'));
      for (const h of hits) {
        expect(JSON.parse(h.body)).toEqual({ q: 'shoes' });
        expect(h.headers['content-type']).toBe('application/json');
        expect(h.headers['x-api-key']).toBe('k1');
      }
    };
    check(3);

    const out = join(dir.path, 'curl.yaml');
    await importTo(['curl', '--format', 'yaml', curl], out);
    from = server.hits.length;
    const run = await runCli(['run', out]);
    expect(run.code, explain(run)).toBe(0);
    check(1);
  });

  it('bad input: exit 2 with one message naming the file, never a stack', async () => {
    const notJson = join(dir.path, 'broken.har');
    writeFileSync(notJson, '{\n  "log": {\n    "entries": [,]\n  }\n}\n');
    const wrongShape = join(dir.path, 'shape.har');
    writeFileSync(wrongShape, JSON.stringify({ log: { entries: [{ request: { method: 'GET' } }] } }));
    const badSpec = join(dir.path, 'bad-spec.yaml');
    writeFileSync(badSpec, 'openapi: 3.0.3\ninfo: { title: x }\npaths: {}\n');
    const cases: Array<[string[], RegExp]> = [
      [
        ['har', notJson],
        /^error SQ_IMPORT_INPUT: .*broken\.har is not a HAR file: it is not JSON \(Unexpected token .*line 3\)$/m,
      ],
      [
        ['har', wrongShape],
        /^error SQ_IMPORT_INPUT: .*shape\.har is not a valid HAR file .*log\.entries\[0\]\.startedDateTime: /m,
      ],
      [
        ['openapi', badSpec],
        /^error SQ_IMPORT_INPUT: .*bad-spec\.yaml is not a valid OpenAPI document: must have required property 'version' — version is missing here \(at "info":\)$/m,
      ],
      [
        ['openapi', join(dir.path, 'missing.yaml')],
        /^error SQ_CONFIG_FILE_NOT_FOUND: .*missing\.yaml cannot be read/m,
      ],
      [
        ['curl', 'curl -s -H "A: b"'],
        /^error SQ_IMPORT_INPUT: the curl command has no URL; expected curl \[flags\] URL$/m,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['import', ...args]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
      expect(r.stdout).toBe('');
    }
  });
});
