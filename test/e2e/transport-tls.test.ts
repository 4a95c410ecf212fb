import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { haveOpenssl } from '../helpers/test-certs.js';

/**
 * TLS as both HTTP clients speak it: `quick` (the lean client, raw-connection.ts) and `run`
 * (undici) pass one table of cases against local https servers whose certificates this file
 * makes at run time with openssl (a CA, leaves it signed, a self-signed one, an expired one).
 * Each server records what it saw: requests, the SNI name, handshakes and resumed sessions.
 */

const dir = tempDir('squall-tls-');
const pem = (name: string) => `${dir.path}/${name}`;

const canRun = haveOpenssl();

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A key and a certificate signing request for `san`, then the CA's signature (valid 1 day). */
function caSigned(name: string, san: string): void {
  openssl([
    'req',
    '-new',
    ...EC,
    '-subj',
    `/CN=${name}`,
    '-keyout',
    pem(`${name}.key`),
    '-out',
    pem(`${name}.csr`),
  ]);
  writeFileSync(pem(`${name}.ext`), `subjectAltName=${san}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    pem(`${name}.csr`),
    '-CA',
    pem('ca.pem'),
    '-CAkey',
    pem('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    pem(`${name}.ext`),
    '-out',
    pem(`${name}.pem`),
  ]);
}

/** A CA-signed certificate whose validity ended in 2020 (`openssl ca` takes explicit dates). */
function expired(): void {
  openssl([
    'req',
    '-new',
    ...EC,
    '-subj',
    '/CN=expired',
    '-keyout',
    pem('expired.key'),
    '-out',
    pem('expired.csr'),
  ]);
  writeFileSync(pem('index.txt'), '');
  writeFileSync(pem('serial'), '1000\n');
  writeFileSync(
    pem('ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      `database = ${pem('index.txt')}`,
      `new_certs_dir = ${dir.path}`,
      `serial = ${pem('serial')}`,
      'default_md = sha256',
      'policy = p',
      'x509_extensions = e',
      '[p]',
      'commonName = supplied',
      '[e]',
      'subjectAltName = IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    pem('ca.cnf'),
    '-cert',
    pem('ca.pem'),
    '-keyfile',
    pem('ca.key'),
    '-in',
    pem('expired.csr'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
    '-out',
    pem('expired.pem'),
  ]);
}

/** What one server saw. */
interface Seen {
  requests: number;
  hosts: string[];
  /** SNI names of the handshakes ('' without one). */
  sni: Set<string>;
  handshakes: number;
  resumed: number;
}

interface Target {
  url: string;
  seen: Seen;
  close(): Promise<void>;
}

function newSeen(): Seen {
  return { requests: 0, hosts: [], sni: new Set(), handshakes: 0, resumed: 0 };
}

async function listen(server: http.Server | https.Server, scheme: string, seen: Seen, host = '127.0.0.1') {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://${host}:${port}/`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function httpsTarget(name: string, host = '127.0.0.1'): Promise<Target> {
  const seen = newSeen();
  const server = https.createServer(
    { key: readFileSync(pem(`${name}.key`)), cert: readFileSync(pem(`${name}.pem`)) },
    (req, res) => {
      seen.requests++;
      seen.hosts.push(req.headers.host ?? '');
      res.end('secure');
    },
  );
  server.on('secureConnection', (s: TLSSocket) => {
    seen.handshakes++;
    if (s.isSessionReused()) seen.resumed++;
    const sni = (s as TLSSocket & { servername?: string | false }).servername;
    seen.sni.add(typeof sni === 'string' ? sni : '');
  });
  server.on('tlsClientError', () => {});
  return listen(server, 'https', seen, host);
}

/** A plain http server: an https:// URL to it is the "not TLS" case. */
async function plainTarget(): Promise<Target> {
  const seen = newSeen();
  const server = http.createServer((_req, res) => {
    seen.requests++;
    res.end('plain');
  });
  const t = await listen(server, 'http', seen);
  return { ...t, url: t.url.replace('http://', 'https://') };
}

const targets: Record<string, Target> = {};

beforeAll(async () => {
  requireBuiltCli();
  if (!canRun) return;
  openssl([
    'req',
    '-x509',
    ...EC,
    '-days',
    '1',
    '-subj',
    '/CN=squall test CA',
    '-keyout',
    pem('ca.key'),
    '-out',
    pem('ca.pem'),
  ]);
  caSigned('good', 'DNS:localhost,IP:127.0.0.1');
  caSigned('other', 'DNS:other.test');
  expired();
  openssl([
    'req',
    '-x509',
    ...EC,
    '-days',
    '1',
    '-subj',
    '/CN=self',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    pem('self.key'),
    '-out',
    pem('self.pem'),
  ]);
  targets.good = await httpsTarget('good');
  targets.goodByName = await httpsTarget('good', 'localhost');
  targets.self = await httpsTarget('self');
  targets.other = await httpsTarget('other');
  targets.expired = await httpsTarget('expired');
  targets.plain = await plainTarget();
}, 30_000);

afterAll(async () => {
  await Promise.all(Object.values(targets).map((t) => t.close()));
  dir.remove();
});

type Client = 'quick' | 'run';

interface Load {
  url: string;
  requests: number;
  /** Flags given to both commands. */
  flags?: string[];
  headers?: Record<string, string>;
  /** Extra top-level YAML for `run` (a test-file option). */
  yaml?: string;
}

let runs = 0;

/** The same load through either command; the result document, or none (bad input). */
async function load(client: Client, l: Load): Promise<{ run: CliResult; doc: ResultDocument | undefined }> {
  const out = pem(`result-${++runs}.json`);
  const headers = Object.entries(l.headers ?? {});
  let args: string[];
  if (client === 'quick') {
    args = [
      'quick',
      '-q',
      '-c',
      '1',
      '-n',
      String(l.requests),
      ...headers.flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    ];
    args.push(...(l.flags ?? []), '-o', `json=${out}`, l.url);
  } else {
    const file = pem(`test-${runs}.yaml`);
    const h =
      headers.length === 0
        ? ''
        : `\n        headers: { ${headers.map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
    writeFileSync(
      file,
      `target: ${l.url}\n${l.yaml ?? ''}vus: 1\niterations: ${l.requests}\nusers:\n  - name: U\n    flow:\n      - get: /${h}\n`,
    );
    args = ['run', file, '-q', ...(l.flags ?? []), '-o', `json=${out}`];
  }
  const run = await runCli(args, { timeoutMs: 40_000 });
  let doc: ResultDocument | undefined;
  try {
    doc = readResult(out, run);
  } catch {
    doc = undefined;
  }
  return { run, doc };
}

type Figures = Record<string, Record<string, number> | undefined>;

function metricsOf(doc: ResultDocument): Figures {
  return doc.metrics as unknown as Figures;
}

type Want = { ok: true } | { reason: RegExp; hintsAtK: boolean };

interface Case {
  target: string;
  flags?: () => string[];
  want: Want;
}

/** The conformance table: each case through quick and run, the same outcome from both. */
const CASES: Record<string, Case> = {
  'self-signed certificate': {
    target: 'self',
    want: { reason: /^self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/, hintsAtK: true },
  },
  'self-signed with -k': { target: 'self', flags: () => ['-k'], want: { ok: true } },
  'self-signed with --insecure': { target: 'self', flags: () => ['--insecure'], want: { ok: true } },
  'unknown CA': {
    target: 'good',
    want: {
      reason: /^certificate signed by an unknown authority \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
      hintsAtK: true,
    },
  },
  'unknown CA trusted with --cacert': {
    target: 'good',
    flags: () => ['--cacert', pem('ca.pem')],
    want: { ok: true },
  },
  'hostname mismatch': {
    target: 'other',
    flags: () => ['--cacert', pem('ca.pem')],
    want: { reason: /^certificate is not for this host name \(.*127\.0\.0\.1/, hintsAtK: true },
  },
  'expired certificate': {
    target: 'expired',
    flags: () => ['--cacert', pem('ca.pem')],
    want: { reason: /^certificate expired \(CERT_HAS_EXPIRED\)/, hintsAtK: true },
  },
  'https to a plain http port': {
    target: 'plain',
    want: { reason: /^the server does not speak TLS \(ERR_SSL_WRONG_VERSION_NUMBER\)/, hintsAtK: false },
  },
};

const CLIENTS: Client[] = ['quick', 'run'];
const N = 6;

describe.skipIf(!canRun)('transport conformance: TLS (needs openssl)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const client of CLIENTS) {
      it(`${name}: ${client}`, async () => {
        const t = targets[c.target]!;
        const before = t.seen.requests;
        const { run, doc } = await load(client, { url: t.url, requests: N, flags: c.flags?.() });
        expect(run.code, explain(run)).toBe(0);
        expect(doc, explain(run)).toBeDefined();
        const m = metricsOf(doc!);
        if ('ok' in c.want) {
          expect(m.http_req_failed?.fails, explain(run)).toBe(0);
          expect(m.http_reqs?.count).toBe(N);
          expect(t.seen.requests - before).toBe(N);
          // The handshake is its own phase; connecting is the TCP connect alone.
          expect(m.http_req_tls_handshaking?.count, explain(run)).toBeGreaterThanOrEqual(1);
          expect(m.http_req_connecting?.count).toBeGreaterThanOrEqual(1);
          return;
        }
        expect(t.seen.requests - before, 'the server answered no request').toBe(0);
        expect(m.http_req_failed?.rate, explain(run)).toBe(1);
        expect(m.http_req_tls_handshaking, 'no handshake completed').toBeUndefined();
        expect(doc!.errors.map((e) => e.kind)).toEqual(['tls']);
        const example = doc!.errors[0]!.example.replace(/^GET \/: /, '');
        expect(example).toMatch(c.want.reason);
        expect(example).not.toMatch(/SSL routines|\n/);
        if (c.want.hintsAtK) expect(example).toMatch(/-k .*--cacert FILE/);
        else expect(example).not.toMatch(/--cacert/);
      });
    }
  }

  for (const client of CLIENTS) {
    it(`SNI and the certificate check follow the URL's host, not a Host header: ${client}`, async () => {
      const t = targets.goodByName!;
      t.seen.sni.clear();
      const before = t.seen.requests;
      const { run, doc } = await load(client, {
        url: t.url,
        requests: N,
        flags: ['--cacert', pem('ca.pem')],
        headers: { Host: 'api.example.test' },
      });
      expect(run.code, explain(run)).toBe(0);
      const m = metricsOf(doc!);
      expect(m.http_req_failed?.fails, explain(run)).toBe(0);
      expect(t.seen.requests - before).toBe(N);
      expect([...t.seen.sni]).toEqual(['localhost']);
      expect(t.seen.hosts.slice(before)).toEqual(Array(N).fill('api.example.test'));
    });

    it(`TLS sessions are resumed on new connections (Connection: close): ${client}`, async () => {
      const t = targets.good!;
      const handshakes = t.seen.handshakes;
      const resumed = t.seen.resumed;
      const n = 12;
      const { run, doc } = await load(client, {
        url: t.url,
        requests: n,
        flags: ['--cacert', pem('ca.pem')],
        headers: { Connection: 'close' },
      });
      expect(run.code, explain(run)).toBe(0);
      const m = metricsOf(doc!);
      expect(m.http_req_failed?.fails, explain(run)).toBe(0);
      const made = t.seen.handshakes - handshakes;
      // One connection per request, each handshake measured once.
      expect(made).toBeGreaterThanOrEqual(n);
      expect(m.http_req_tls_handshaking?.count).toBe(made);
      // The first needs a full handshake; later ones offer the session the server gave.
      expect(t.seen.resumed - resumed).toBeGreaterThanOrEqual(made / 2);
    });
  }

  it('run: the test file option insecureSkipTLSVerify loads a self-signed server', async () => {
    const t = targets.self!;
    const before = t.seen.requests;
    const { run, doc } = await load('run', {
      url: t.url,
      requests: N,
      yaml: 'insecureSkipTLSVerify: true\n',
    });
    expect(run.code, explain(run)).toBe(0);
    expect((doc!.metrics.http_req_failed as { fails: number }).fails, explain(run)).toBe(0);
    expect(t.seen.requests - before).toBe(N);
    expect(doc!.config.insecure).toBe(true);
  });

  it('run: insecureSkipTLSVerify in a TypeScript defineTest', async () => {
    const t = targets.self!;
    const before = t.seen.requests;
    const file = pem('insecure.ts');
    writeFileSync(
      file,
      `export default {
  target: '${t.url}',
  insecureSkipTLSVerify: true,
  vus: 1,
  iterations: ${N},
  users: [{ name: 'U', async run({ http }) { await http.get('/'); } }],
};
`,
    );
    const out = pem('insecure-ts.json');
    const run = await runCli(['run', file, '-q', '-o', `json=${out}`], { timeoutMs: 40_000 });
    expect(run.code, explain(run)).toBe(0);
    const doc = readResult(out, run);
    expect((doc.metrics.http_req_failed as { fails: number }).fails, explain(run)).toBe(0);
    expect(t.seen.requests - before).toBe(N);
  });

  it('run: insecureSkipTLSVerify that is not true or false is refused (exit 2)', async () => {
    const { run } = await load('run', {
      url: targets.self!.url,
      requests: 1,
      yaml: 'insecureSkipTLSVerify: yes please\n',
    });
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/insecureSkipTLSVerify/);
  });

  for (const client of CLIENTS) {
    it(`--cacert with a missing file is bad input naming the flag and the path: ${client}`, async () => {
      const missing = pem('no-such-ca.pem');
      const { run } = await load(client, {
        url: targets.good!.url,
        requests: 1,
        flags: ['--cacert', missing],
      });
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain(`--cacert ${missing}`);
      expect(run.stderr).toMatch(/does not exist/);
    });

    it(`--cacert with a file that holds no certificate is bad input: ${client}`, async () => {
      const { run } = await load(client, {
        url: targets.good!.url,
        requests: 1,
        flags: ['--cacert', pem('ca.key')],
      });
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toContain(`--cacert ${pem('ca.key')}`);
    });
  }
});
