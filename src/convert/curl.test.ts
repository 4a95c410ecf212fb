import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as tokenize } from 'shell-quote';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveTest } from '../config/resolve-test.js';
import { importCurl, parseCurl } from './curl.js';
import { ImportError } from './import-types.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-curl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What Chrome's "Copy as cURL (bash)" writes. */
const CHROME = `curl 'http://127.0.0.1:8080/api/cart?x=1' \\
  -H 'accept: application/json' \\
  -H 'content-type: application/json' \\
  -b 'sid=abc; theme=dark' \\
  -H 'x-csrf-token: it'\\''s' \\
  --data-raw '{"sku":"SH-42","qty":2}' \\
  --compressed`;

describe('parseCurl', () => {
  it("reads a browser's Copy as cURL: continuations, quotes, cookies, --compressed", () => {
    const r = parseCurl(CHROME);
    expect(r.method).toBe('POST');
    expect(r.url.href).toBe('http://127.0.0.1:8080/api/cart?x=1');
    expect(r.headers).toEqual([
      ['accept', 'application/json'],
      ['content-type', 'application/json'],
      ['Cookie', 'sid=abc; theme=dark'],
      ['x-csrf-token', "it's"],
      ['Accept-Encoding', 'gzip, deflate, br'],
    ]);
    expect(r.body).toBe('{"sku":"SH-42","qty":2}');
    expect(r.notTranslated).toEqual([]);
  });

  it("maps curl's flags: -XPOST, -sSLk, -u, -G, --json, -A, -e, --data-urlencode, -I, -F, --max-time", () => {
    const a = parseCurl(
      'curl -XPUT -sSLk -u bob:pw -A agent/1 -e http://r/ --max-time 2.5 --max-redirs 3 http://h/x',
    );
    expect(a).toMatchObject({ method: 'PUT', insecure: true, follow: true, maxRedirs: 3, timeoutMs: 2500 });
    expect(a.headers).toEqual([
      ['Authorization', `Basic ${Buffer.from('bob:pw').toString('base64')}`],
      ['User-Agent', 'agent/1'],
      ['Referer', 'http://r/'],
    ]);
    expect(a.ignored).toEqual(['-s', '-S']);
    const g = parseCurl("curl -G -d q=shoes --data-urlencode 'note=gift wrap' http://h/search?p=1");
    expect(g.method).toBe('GET');
    expect(g.url.search).toBe('?p=1&q=shoes&note=gift%20wrap');
    expect(g.body).toBeUndefined();
    const j = parseCurl(`curl --json '{"a":1}' h:81/j`);
    expect(j).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(j.url.href).toBe('http://h:81/j');
    expect(j.headers).toEqual([
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json'],
    ]);
    expect(parseCurl('curl -d a=1 -d b=2 http://h/').headers).toEqual([
      ['Content-Type', 'application/x-www-form-urlencoded'],
    ]);
    expect(parseCurl('curl -d a=1 -d b=2 http://h/').body).toBe('a=1&b=2');
    expect(parseCurl('curl -I http://h/').method).toBe('HEAD');
    expect(parseCurl('curl -F name=Rex -F photo=@rex.jpg http://h/pets')).toMatchObject({
      method: 'POST',
      multipart: [
        ['name', 'Rex'],
        ['photo', '@rex.jpg'],
      ],
    });
    const odd = parseCurl('curl --http3 -o out.json --proxy http://p:3128 http://h/ | jq .');
    expect(odd.notTranslated).toEqual(['--http3', '--proxy http://p:3128']);
    expect(odd.ignored).toEqual(['-o out.json']);
  });

  it('refuses a line curl would refuse, or that is not curl', () => {
    const fails = (line: string) => {
      try {
        parseCurl(line);
      } catch (e) {
        expect(e).toBeInstanceOf(ImportError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${line}`);
    };
    expect(fails('curl -s')).toBe('the curl command has no URL; expected curl [flags] URL');
    expect(fails('')).toBe('the curl command is empty; expected curl [flags] URL');
    expect(fails('curl ftp://h/f')).toBe(
      "the curl command's URL ftp://h/f is ftp:; squall sends http and https",
    );
    expect(fails('wget http://h/')).toBe('expected a curl command line, given one that starts with "wget"');
    expect(fails('curl http://h/ -H')).toBe("curl's -H needs a value, and the command ends there");
  });
});

describe('importCurl', () => {
  it('writes the squall quick command that sends the same request', () => {
    const r = importCurl(CHROME, 'quick');
    expect(r.text).toBe(
      "squall quick -m POST -H 'accept: application/json' -H 'content-type: application/json' " +
        "-H 'Cookie: sid=abc; theme=dark' -H 'x-csrf-token: it'\\''s' -H 'Accept-Encoding: gzip, deflate, br' " +
        `-b '{"sku":"SH-42","qty":2}' 'http://127.0.0.1:8080/api/cart?x=1'`,
    );
    // The shell reads it back as the same words.
    expect(tokenize(r.text)).toEqual([
      'squall',
      'quick',
      '-m',
      'POST',
      '-H',
      'accept: application/json',
      '-H',
      'content-type: application/json',
      '-H',
      'Cookie: sid=abc; theme=dark',
      '-H',
      "x-csrf-token: it's",
      '-H',
      'Accept-Encoding: gzip, deflate, br',
      '-b',
      '{"sku":"SH-42","qty":2}',
      'http://127.0.0.1:8080/api/cart?x=1',
    ]);
    expect(importCurl('curl -L -F a=1 http://h/', 'quick').skipped).toEqual([
      '-F (multipart form): squall quick sends one body; use --format yaml',
      '-L: squall quick does not follow redirects (a 3xx is counted as it is); --format yaml follows them',
    ]);
  });

  it('--format yaml: a test with the one step, which squall resolves', async () => {
    const r = importCurl(`${CHROME} -k`, 'yaml');
    const doc = parse(r.text) as Record<string, unknown>;
    expect(doc).toEqual({
      target: 'http://127.0.0.1:8080',
      insecureSkipTLSVerify: true,
      users: [
        {
          name: 'curl',
          flow: [
            {
              post: '/api/cart?x=1',
              headers: {
                accept: 'application/json',
                Cookie: 'sid=abc; theme=dark',
                'x-csrf-token': "it's",
                'Accept-Encoding': 'gzip, deflate, br',
              },
              json: { sku: 'SH-42', qty: 2 },
              redirects: 0,
            },
          ],
        },
      ],
    });
    const follows = parse(importCurl('curl -L -F a=1 -F f=@x.txt http://h/up', 'yaml').text) as {
      users: [{ flow: [Record<string, unknown>] }];
    };
    expect(follows.users[0].flow[0]).toEqual({ post: '/up', multipart: { a: '1', f: { file: 'x.txt' } } });
    const file = join(dir, 'curl.yaml');
    writeFileSync(file, r.text);
    expect((await resolveTest(file, {}, {})).scenarios).toHaveLength(1);
  });
});
