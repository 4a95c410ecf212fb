import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { k8sSchemaProblems } from '../helpers/k8s-schema.js';
import { BIN, explain, hasStackTrace, ROOT, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `squall k8s` end to end: every example test's manifest is validated, document by document,
 * against the Kubernetes API schema (test/helpers/k8s-schema.ts); then a manifest's pods are
 * played here as Kubernetes would run them: the container's command and args, with the
 * ConfigMap's files where its volume puts them and JOB_COMPLETION_INDEX set, one process per
 * index, against a real server on 127.0.0.1; their logs go through the collection step the
 * command prints, and the documents it decodes through `squall merge`.
 */

const EXAMPLES_DIR = join(ROOT, 'examples');
const EXAMPLES = readdirSync(EXAMPLES_DIR).filter((f) => /\.(ya?ml|ts)$/.test(f));
const dir = tempDir('squall-k8s-');

/** What this test reads of a result document (the shard section is issue 19's). */
interface ShardDocument {
  shard?: { index: number | null; count: number };
  metrics: { http_reqs?: { count: number } };
}

interface Container {
  envFrom?: unknown;
  command: string[];
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface Manifest {
  configMap: { metadata: { name: string }; data: Record<string, string> };
  job: {
    spec: {
      completionMode: string;
      completions: number;
      parallelism: number;
      template: {
        spec: {
          containers: Container[];
          volumes: Array<{ name: string; configMap?: { name: string } }>;
        };
      };
    };
  };
}

/** The two documents of the output, each checked against the Kubernetes schema. */
function manifest(stdout: string): Manifest {
  const docs = parseAllDocuments(stdout).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as { kind: string };
  });
  expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
  for (const d of docs) expect(k8sSchemaProblems(d), d.kind).toEqual([]);
  return { configMap: docs[0], job: docs[1] } as unknown as Manifest;
}

beforeAll(() => requireBuiltCli());
afterAll(() => dir.remove());

describe('squall k8s', () => {
  it.each(EXAMPLES)('prints a manifest of examples/%s that the Kubernetes API schema takes', async (name) => {
    const file = join(EXAMPLES_DIR, name);
    const r = await runCli(['k8s', file, '--shards', '4', '--namespace', 'perf']);
    expect(r.code, explain(r)).toBe(0);
    const { configMap, job } = manifest(r.stdout);
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(4);
    expect(job.spec.parallelism).toBe(4);
    // The ConfigMap holds the file as it is, and the pods mount that ConfigMap.
    expect(configMap.data[name]).toBe(readFileSync(file, 'utf8'));
    expect(job.spec.template.spec.volumes.map((v) => v.configMap?.name)).toContain(configMap.metadata.name);
  });

  it('prints what docs/scale.md shows, for the test it shows', async () => {
    const md = readFileSync(join(ROOT, 'docs', 'scale.md'), 'utf8');
    const m =
      /For this test, `api\.yaml`:\n\n```yaml\n([\s\S]*?)```\n\n`(squall k8s [^`]+)`\nprints:\n\n```yaml\n([\s\S]*?)```/.exec(
        md,
      );
    expect(m, 'the test, the command and its output in docs/scale.md').not.toBeNull();
    const [, test, command, shown] = m!;
    const docDir = join(dir.path, 'doc');
    mkdirSync(docDir);
    writeFileSync(join(docDir, 'api.yaml'), test!);
    const r = await runCli(command!.split(' ').slice(1), { cwd: docDir });
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toBe(shown);
  });

  it.each([
    ['a file that does not exist', ['k8s', 'no-such-test.yaml', '--shards', '4'], /no-such-test\.yaml/],
    ['a file that is not a test', ['k8s', join(ROOT, 'package.json'), '--shards', '4'], /package\.json/],
    ['a file of another kind', ['k8s', join(ROOT, 'README.md'), '--shards', '4'], /README\.md/],
    ['no --shards', ['k8s', join(EXAMPLES_DIR, 'spike.yaml')], /--shards/],
    ['--shards 0', ['k8s', join(EXAMPLES_DIR, 'spike.yaml'), '--shards', '0'], /--shards "0"/],
    [
      '--parallelism over --shards',
      ['k8s', join(EXAMPLES_DIR, 'spike.yaml'), '--shards', '2', '--parallelism', '3'],
      /--parallelism "3"/,
    ],
    [
      'a name Kubernetes refuses',
      ['k8s', join(EXAMPLES_DIR, 'spike.yaml'), '--shards', '2', '--name', 'Load_Test'],
      /--name "Load_Test"/,
    ],
    [
      'a bad --start-at',
      ['k8s', join(EXAMPLES_DIR, 'spike.yaml'), '--shards', '2', '--start-at', 'soon'],
      /--start-at 'soon'/,
    ],
    [
      'a --host that is no URL',
      ['k8s', join(EXAMPLES_DIR, 'spike.yaml'), '--shards', '2', '--host', 'api:80'],
      /--host "api:80"/,
    ],
  ])('refuses %s: exit 2, a message, nothing printed', async (_, args, message) => {
    const r = await runCli(args);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('refuses a test too big for a ConfigMap', async () => {
    const file = join(dir.path, 'big.yaml');
    const spike = readFileSync(join(EXAMPLES_DIR, 'spike.yaml'), 'utf8');
    writeFileSync(file, `${'# padding\n'.repeat(120_000)}${spike}`);
    const r = await runCli(['k8s', file, '--shards', '2']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/big\.yaml is \d+ bytes, and a ConfigMap holds at most 1 MiB/);
  });

  it('refuses a test that reads feeder files the ConfigMap would not carry', async () => {
    const file = join(dir.path, 'fed.yaml');
    writeFileSync(join(dir.path, 'users.csv'), 'name\nann\n');
    writeFileSync(
      file,
      'target: http://127.0.0.1:1\nfeeders:\n  users: { file: users.csv }\nscenarios:\n  s:\n    executor: shared-iterations\n    vus: 1\n    iterations: 1\n    users: [ { name: U, flow: [ { get: /x } ] } ]\n',
    );
    const r = await runCli(['k8s', file, '--shards', '2']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/feeder/);
  });

  it.each([
    ['a local module', "import { think } from './helpers.js';", /imports \.\/helpers\.js \(line 2\)/],
    [
      'a package the image lacks',
      "import { faker } from '@faker-js/faker';",
      /imports @faker-js\/faker \(line 2\)/,
    ],
  ])('refuses a TypeScript test that imports %s', async (_, line, message) => {
    const file = join(dir.path, `imports-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(
      file,
      [
        "import { defineTest } from 'squall';",
        line,
        "import type { Readable } from 'some-types-only';",
        "import { readFileSync } from 'node:fs';",
        'export default defineTest({});',
        '',
      ].join('\n'),
    );
    const r = await runCli(['k8s', file, '--shards', '2']);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/some-types-only|node:fs/);
  });

  it("takes the test's variables from a Secret, and warns about a literal credential", async () => {
    const file = join(dir.path, 'token.yaml');
    const flow = (header: string) =>
      [
        'target: http://127.0.0.1:1',
        'defaults:',
        `  headers: { Authorization: "${header}" }`,
        'scenarios:',
        '  s:',
        '    executor: shared-iterations',
        '    vus: 1',
        '    iterations: 1',
        '    users: [ { name: U, flow: [ { get: /x } ] } ]',
        '',
      ].join('\n');
    writeFileSync(file, flow(['Bearer $', '{env.API_TOKEN}'].join('')));
    const env = { API_TOKEN: undefined };
    // As squall run: a variable the test needs and nobody gives is bad input...
    const alone = await runCli(['k8s', file, '--shards', '2'], { env });
    expect(alone.code, explain(alone)).toBe(2);
    expect(alone.stderr).toMatch(/API_TOKEN/);
    // ...unless the Secret gives it to the pods.
    const withSecret = await runCli(['k8s', file, '--shards', '2', '--env-secret', 'api-token'], { env });
    expect(withSecret.code, explain(withSecret)).toBe(0);
    const { job } = manifest(withSecret.stdout);
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      envFrom: [{ secretRef: { name: 'api-token' } }],
    });
    expect(withSecret.stderr).not.toMatch(/credential/);

    writeFileSync(file, flow('Bearer abc123'));
    const literal = await runCli(['k8s', file, '--shards', '2'], { env });
    expect(literal.code, explain(literal)).toBe(0);
    expect(literal.stderr).toMatch(/line 3 looks like a credential/);
  });

  describe('the pods, played here', () => {
    let target: TargetServer;
    beforeAll(async () => {
      target = await startTarget();
    });
    afterAll(() => target.close());

    it('run their shards, which the printed collection step decodes and squall merge merges', async () => {
      const shards = 2;
      const test = join(dir.path, 'api.yaml');
      writeFileSync(
        test,
        [
          '# The pods reach the target by the --host given to squall k8s.',
          'target: http://127.0.0.1:1',
          'scenarios:',
          '  shared:',
          '    executor: shared-iterations',
          '    vus: 2',
          '    iterations: 40',
          '    users: [ { name: Reader, flow: [ { get: /items } ] } ]',
          'thresholds:',
          '  http_req_failed: ["rate<0.5"]',
          '',
        ].join('\n'),
      );
      // A few seconds ahead: every pod waits for it, as on a cluster.
      const startAt = new Date(Date.now() + 4000).toISOString();
      const r = await runCli([
        'k8s',
        test,
        '--shards',
        String(shards),
        '--start-at',
        startAt,
        '--host',
        target.url,
      ]);
      expect(r.code, explain(r)).toBe(0);
      const { configMap, job } = manifest(r.stdout);
      const container = job.spec.template.spec.containers[0]!;

      // The volumes: the ConfigMap's files under /test, an empty /results (here, folders).
      const podRoot = join(dir.path, 'pod');
      const mounted = (text: string) =>
        text.replaceAll('/test/', `${podRoot}/test/`).replaceAll('/results/', `${podRoot}/results/`);
      mkdirSync(join(podRoot, 'test'), { recursive: true });
      mkdirSync(join(podRoot, 'results'), { recursive: true });
      for (const [key, text] of Object.entries(configMap.data))
        writeFileSync(join(podRoot, 'test', key), text);
      expect(container.volumeMounts.map((m) => m.mountPath)).toEqual(
        expect.arrayContaining(['/test', '/results']),
      );
      // The image's `squall` on the PATH: this build.
      const bin = join(dir.path, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'squall'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
      chmodSync(join(bin, 'squall'), 0o755);
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };

      // One process per completion index, all at once (parallelism = completions), each with its log.
      const [cmd, ...rest] = [...container.command, ...container.args].map(mounted);
      const codes = await Promise.all(
        Array.from({ length: shards }, (_, i) => {
          const log = openSync(join(dir.path, `pod-${i}.log`), 'w');
          const child = spawn(cmd!, rest, {
            env: { ...env, JOB_COMPLETION_INDEX: String(i) },
            stdio: ['ignore', log, log],
          });
          return new Promise<number | null>((done) =>
            child.on('exit', (code) => {
              closeSync(log);
              done(code);
            }),
          );
        }),
      );
      const logs = Array.from({ length: shards }, (_, i) =>
        readFileSync(join(dir.path, `pod-${i}.log`), 'utf8'),
      );
      expect(codes, logs.join('\n----\n')).toEqual(Array(shards).fill(0));

      // The collection step as printed, less kubectl: its `kubectl logs` is the pods' logs, one
      // after the other, in the file the step reads.
      const step = r.stderr.split('Apply, then collect and merge:\n')[1]!;
      const [wait, logsLine, ...local] = step
        .trim()
        .split('\n')
        .map((l) => l.trim());
      expect(wait).toMatch(/^kubectl wait /);
      const logFile = /> (\S+)$/.exec(logsLine!)![1]!;
      writeFileSync(join(dir.path, logFile), logs.join(''));
      const collected = await new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn('/bin/sh', ['-c', local.join('\n')], { cwd: dir.path, env });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        child.on('exit', (code) => done({ code, out }));
      });
      expect(collected.code, collected.out).toBe(0);
      expect(readFileSync(join(dir.path, 'summary.md'), 'utf8')).toMatch(/squall passed/);

      // Each decoded document is its shard's, and together they hold every request the server saw.
      const docs = Array.from(
        { length: shards },
        (_, i) => JSON.parse(readFileSync(join(dir.path, `shard-${i}.json`), 'utf8')) as ShardDocument,
      );
      expect(docs.map((d) => d.shard?.index)).toEqual([0, 1]);
      const merged = await runCli([
        'merge',
        ...docs.map((_, i) => join(dir.path, `shard-${i}.json`)),
        '--json',
      ]);
      expect(merged.code, explain(merged)).toBe(0);
      const whole = JSON.parse(merged.stdout) as ShardDocument;
      expect(whole.metrics.http_reqs?.count).toBe(target.count());
    });
  });
});
