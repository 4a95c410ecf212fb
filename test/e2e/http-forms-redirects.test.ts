import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  countBy,
  type Hit,
  type Reply,
  type RouteServer,
  startRouteServer,
} from '../helpers/route-server.js';
import { explain, hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFile, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Issue 18's request fidelity, through the real CLI against a real server: redirects followed
 * (each hop a request the server sees and the result counts, 303 turning a POST into a GET, 307
 * keeping it, `redirects: 0` and a limit stopping), URL-encoded and multipart bodies (the server
 * parses the bytes it got), k6's submitForm, in YAML and TypeScript, and the bad inputs that
 * exit 2 naming the file and line.
 */

const dir = tempDir('squall-forms-redirects-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const LOGIN_PAGE = `<!doctype html><html><body>
<form id="search" action="/search?old=1"><input name="q" value="x"><input type="submit" value="Go"></form>
<form id="login" action="/session?from=page" method="post">
  <input type="hidden" name="csrf" value="tok&amp;123">
  <input name="user" value="">
  <input type="password" name="password">
  <input type="checkbox" name="remember" checked>
  <input type="checkbox" name="news">
  <input name="off" value="no" disabled>
  <select name="lang"><option value="en">English<option value="fr" selected>French</select>
  <textarea name="note">hello &amp; bye</textarea>
  <input type="submit" name="go" value="Sign in">
</form></body></html>`;

/** Redirect chains, a login page and its form's targets; everything else answers 200. */
function handler(h: Hit): Reply | undefined {
  const loop = /^\/loop\/(\d+)$/.exec(h.path);
  if (loop) return { status: 302, body: '', headers: { Location: `/loop/${Number(loop[1]) + 1}` } };
  switch (h.path) {
    case '/r/a':
      return { status: 302, body: '', headers: { Location: '/r/b' } };
    case '/r/b':
      // Relative to /r/b; the hop's cookie must reach the next hop.
      return { status: 301, body: '', headers: { Location: 'c?x=1#frag', 'Set-Cookie': 'hop=yes; Path=/' } };
    case '/post/start':
      return { status: 303, body: '', headers: { Location: '/post/done' } };
    case '/keep/start':
      return { status: 307, body: '', headers: { Location: '/keep/done' } };
    case '/login':
      return { body: LOGIN_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    case '/session':
      return { status: 303, body: '', headers: { Location: '/home' } };
    default:
      return undefined;
  }
}

/** `METHOD /path` → how many requests the server saw. */
function serverCounts(s: RouteServer): Record<string, number> {
  return Object.fromEntries(countBy(s.hits, (h) => `${h.method} ${h.path}`));
}

/** The result's endpoints by name, a given name mapped back to its `METHOD /path`. */
function resultCounts(r: RunResult, named: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of r.endpoints) {
    const key = named[e.name] ?? e.name;
    out[key] = (out[key] ?? 0) + e.count;
  }
  return out;
}

/** The multipart body a server got, parsed by Node's own Request (undici's parser, not ours). */
function formDataOf(h: Hit): Promise<FormData> {
  return new Request('http://x/', {
    method: 'POST',
    headers: { 'content-type': String(h.headers['content-type']) },
    body: h.raw,
  }).formData();
}

describe('redirects', () => {
  it('YAML: each hop is a request; 303 makes a GET, 307 keeps the POST; redirects: 0 and a limit stop', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'redirects.yaml',
      `target: ${server.url}
vus: 1
iterations: 2
users:
  - name: U
    flow:
      - get: /r/a
        check: { status: 200 }
      - get: /r/a
        name: no-follow
        redirects: 0
        check: { status: 302 }
      - post: /post/start
        json: { a: 1 }
      - post: /keep/start
        body: "kept body"
        headers: { Content-Type: text/plain }
      - get: /loop/0
        redirects: 3
        check: { status: 302 }
`,
    );
    // Not quiet: the warnings are printed after the summary.
    const { run, result, why } = await runFileOk(file, [], { quiet: false });
    expect(run.code, why).toBe(0);
    const seen = serverCounts(server);
    // The server saw every hop; /loop stopped after 3 redirects (4 requests), never /loop/4.
    expect(seen['GET /r/c']).toBe(2);
    expect(seen['GET /loop/3']).toBe(2);
    expect(seen['GET /loop/4']).toBeUndefined();
    expect(resultCounts(result, { 'no-follow': 'GET /r/a' })).toEqual(seen);
    expect(
      result.checks.every((c) => c.fails === 0),
      JSON.stringify(result.checks),
    ).toBe(true);
    // The hop after the cookie's Set-Cookie carried it; the Location's query went along, not its fragment.
    const c = server.on('/r/c');
    expect(c.map((h) => h.headers.cookie)).toEqual(['hop=yes', 'hop=yes']);
    expect(c[0]!.query).toEqual({ x: '1' });
    // 303: a GET without the body or its Content-Type; 307: the same POST and body again.
    for (const h of server.on('/post/done')) {
      expect(h.method).toBe('GET');
      expect(h.body).toBe('');
      expect(h.headers['content-type']).toBeUndefined();
    }
    for (const h of server.on('/keep/done')) {
      expect([h.method, h.body, h.headers['content-type']]).toEqual(['POST', 'kept body', 'text/plain']);
    }
    // No hop counts as failed; stopping at the limit is a warning, as k6 logs it.
    expect(result.metrics.http_req_failed?.rate).toBe(0);
    expect(run.stderr).toMatch(/GET \/loop\/0 stopped after 3 redirects and returned the last 302/);
  });

  it('TS: res.url is the final URL; defaults.redirects: 0 stops every request but one that says otherwise', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'redirects.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: ${JSON.stringify(server.url)},
  defaults: { redirects: 0 },
  vus: 1,
  iterations: 1,
  users: [{
    name: 'U',
    async run({ http, check }) {
      const stopped = await http.get('/r/a');
      const followed = await http.get('/r/a', { redirects: 5, name: 'follow' });
      check(stopped, { 'stopped at 302': (r) => r.status === 302 && r.url.endsWith('/r/a') });
      check(followed, { 'ends at /r/c': (r) => r.status === 200 && r.url === ${JSON.stringify(`${server.url}/r/c?x=1`)} });
    },
  }],
});
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    expect(result.checks.map((c) => [c.name, c.fails])).toEqual([
      ['stopped at 302', 0],
      ['ends at /r/c', 0],
    ]);
    expect(resultCounts(result, { follow: 'GET /r/a' })).toEqual(serverCounts(server));
    expect(serverCounts(server)).toEqual({ 'GET /r/a': 2, 'GET /r/b': 1, 'GET /r/c': 1 });
  });
});

describe('form and multipart bodies', () => {
  it('YAML: form is URL-encoded; multipart sends fields and the file byte for byte', async () => {
    server = await startRouteServer({ handler });
    const sub = join(dir.path, 'yaml-upload');
    mkdirSync(join(sub, 'data'), { recursive: true });
    // Bytes that are not text: NULs, CRLFs and a fake boundary line.
    const bytes = Buffer.concat([randomBytes(3000), Buffer.from('\r\n--not-the-boundary\r\n\0\0')]);
    writeFileSync(join(sub, 'data', 'report.bin'), bytes);
    const file = writeTestFile(
      sub,
      'forms.yaml',
      `target: ${server.url}
vus: 1
iterations: 2
users:
  - name: U
    flow:
      - post: /form
        form: { a: 1, b: "x y&z=é", who: "vu\${vu.id}", many: [one, two] }
      - post: /upload
        multipart:
          title: "report of vu\${vu.id}"
          file: { file: ./data/report.bin, filename: r.bin, contentType: application/pdf }
          plain: { file: data/report.bin }
`,
    );
    // Run from elsewhere: the file's path is relative to the test file, not the current folder.
    const { run, why } = await runFileOk(file, [], { cwd: dir.path });
    expect(run.code, why).toBe(0);
    const forms = server.on('/form');
    expect(forms).toHaveLength(2);
    for (const h of forms) {
      expect(h.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(h.body).toBe('a=1&b=x+y%26z%3D%C3%A9&who=vu1&many=one&many=two');
    }
    const uploads = server.on('/upload');
    expect(uploads).toHaveLength(2);
    for (const h of uploads) {
      expect(String(h.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
      const fd = await formDataOf(h);
      expect(fd.get('title')).toBe('report of vu1');
      const f = fd.get('file') as File;
      expect([f.name, f.type]).toEqual(['r.bin', 'application/pdf']);
      expect(Buffer.from(await f.arrayBuffer()).equals(bytes)).toBe(true);
      const plain = fd.get('plain') as File;
      expect([plain.name, plain.type]).toEqual(['report.bin', 'application/octet-stream']);
      expect(Buffer.from(await plain.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('TS: form and multipart (a path relative to the current folder, or data)', async () => {
    server = await startRouteServer({ handler });
    const sub = join(dir.path, 'ts-upload');
    mkdirSync(sub, { recursive: true });
    const bytes = randomBytes(5000);
    writeFileSync(join(sub, 'photo.jpg'), bytes);
    const file = writeTestFile(
      sub,
      'forms.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: ${JSON.stringify(server.url)},
  vus: 1,
  iterations: 1,
  users: [{
    name: 'U',
    async run({ http }) {
      await http.post('/form', { form: { user: 'a b', n: 3, ok: true } });
      await http.put('/upload', {
        multipart: {
          caption: 'a photo',
          photo: { file: 'photo.jpg', contentType: 'image/jpeg' },
          note: { data: 'inline text', filename: 'note.txt', contentType: 'text/plain' },
        },
      });
    },
  }],
});
`,
    );
    const { run, result, why } = await runFileOk(file, [], { cwd: sub });
    expect(run.code, why).toBe(0);
    expect(result.metrics.http_req_failed?.rate).toBe(0);
    expect(server.on('/form').map((h) => h.body)).toEqual(['user=a+b&n=3&ok=true']);
    const [up] = server.on('/upload');
    expect(up?.method).toBe('PUT');
    const fd = await formDataOf(up!);
    expect(fd.get('caption')).toBe('a photo');
    const photo = fd.get('photo') as File;
    expect([photo.name, photo.type]).toEqual(['photo.jpg', 'image/jpeg']);
    expect(Buffer.from(await photo.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await (fd.get('note') as File).text()).toBe('inline text');
  });
});

describe('submitForm', () => {
  const expectLogin = (h: Hit, user: string) => {
    expect(h.method).toBe('POST');
    expect(h.query).toEqual({ from: 'page' });
    expect(h.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(h.body))).toEqual({
      csrf: 'tok&123',
      user,
      password: 'secret',
      remember: 'on',
      lang: 'fr',
      note: 'hello & bye',
      go: 'Sign in',
    });
  };

  it('YAML: the login form of the last response, with fields overriding; a GET form as a query', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'submit.yaml',
      `target: ${server.url}
vus: 1
iterations: 2
thresholds:
  "http_reqs{name:POST /session}": ["count>0"]
users:
  - name: U
    flow:
      - get: /login
      - submitForm:
          selector: "form#login"
          fields: { user: "u\${vu.id}", password: secret }
          check: { status: 200 }
      - get: /login
      - submitForm:
          selector: "#search"
          fields: { q: "y z" }
          name: search
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    const logins = server.on('/session');
    expect(logins).toHaveLength(2);
    for (const h of logins) expectLogin(h, 'u1');
    // The 303 after the POST was followed as a GET.
    expect(server.on('/home').map((h) => h.method)).toEqual(['GET', 'GET']);
    expect(server.on('/search').map((h) => h.query)).toEqual([{ q: 'y z' }, { q: 'y z' }]);
    expect(result.checks.map((c) => [c.name, c.fails])).toEqual([['status is 200', 0]]);
    expect(resultCounts(result, { search: 'GET /search' })).toEqual(serverCounts(server));
  });

  it('TS: res.submitForm', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'submit.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: ${JSON.stringify(server.url)},
  vus: 1,
  iterations: 1,
  users: [{
    name: 'U',
    async run({ http, check }) {
      const page = await http.get('/login');
      const res = await page.submitForm({ selector: 'form#login', fields: { user: 'ts', password: 'secret' } });
      check(res, { 'at home': (r) => r.url.endsWith('/home') && r.status === 200 });
    },
  }],
});
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    expect(result.checks.map((c) => [c.name, c.fails])).toEqual([['at home', 0]]);
    expectLogin(server.on('/session')[0]!, 'ts');
  });
});

describe('bad input exits 2 with the file and line', () => {
  const bad = async (name: string, flowLines: string, message: RegExp, line: number) => {
    const file = writeTestFile(
      dir.path,
      name,
      `target: http://127.0.0.1:9
vus: 1
iterations: 1
users:
  - name: U
    flow:
${flowLines}`,
    );
    const run = await runCli(['run', file]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain(`${name}:${line}`);
    expect(hasStackTrace(run.stderr)).toBe(false);
    return run;
  };

  it('a missing multipart file, before any load', async () => {
    await bad(
      'missing-file.yaml',
      `      - post: /upload
        multipart:
          title: x
          doc: { file: ./no-such.pdf }
`,
      /multipart file "\.\/no-such\.pdf" cannot be read \(no such file\)/,
      10,
    );
  });

  it('an unknown key of a file part, with a did-you-mean', async () => {
    await bad(
      'file-key.yaml',
      `      - post: /upload
        multipart:
          doc: { file: ./x.pdf, fileName: x.pdf }
`,
      /unknown key 'fileName' in the file part doc — did you mean 'filename'\?/,
      9,
    );
  });

  it('form and json together', async () => {
    await bad(
      'two-bodies.yaml',
      `      - post: /login
        json: { a: 1 }
        form: { a: 1 }
`,
      /a request has one body: json or form, not both/,
      9,
    );
  });

  it('TS: a missing multipart file fails the iteration with a clear error', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'missing-file.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: ${JSON.stringify(server.url)},
  vus: 1,
  iterations: 1,
  users: [{ name: 'U', async run({ http }) { await http.post('/upload', { multipart: { doc: { file: 'nope.pdf' } } }); } }],
});
`,
    );
    const { run, result, why } = await runFile(file, [], { cwd: dir.path, quiet: false });
    expect(`${run.stdout}${run.stderr}${JSON.stringify(result?.errors)}`, why).toMatch(
      /POST \/upload: multipart field 'doc': cannot read nope\.pdf \(ENOENT\)/,
    );
    expect(server.on('/upload')).toHaveLength(0);
  });
});
