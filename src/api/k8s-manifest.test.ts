import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { k8sSchemaProblems } from '../../test/helpers/k8s-schema.js';
import { defaultJobName, resolveStartAt, secretLookingLines } from './k8s.js';
import { type K8sPlan, k8sObjects, k8sYaml, shardScript, shellQuote } from './k8s-manifest.js';

const PLAN: K8sPlan = {
  name: 'squall-api',
  image: 'squall:0.1.0',
  shards: 4,
  parallelism: 4,
  startAt: '2026-12-05T09:00:00.000Z',
  fileName: 'api.yaml',
  fileText: 'target: http://127.0.0.1:5110\n',
  version: '0.1.0',
};

/** The documents `kubectl apply -f` would read. */
function documents(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

describe('squall k8s manifest', () => {
  it.each([
    ['the defaults', PLAN],
    [
      'a namespace, a Secret, a host and fewer pods at once',
      {
        ...PLAN,
        namespace: 'perf',
        envSecret: 'api-token',
        host: 'http://api.shop.svc.cluster.local:8080',
        parallelism: 2,
      },
    ],
  ])('is a ConfigMap and a Job the Kubernetes API schema takes: %s', (_, plan) => {
    const docs = documents(k8sYaml(plan));
    expect(docs.map((d) => (d as { kind: string }).kind)).toEqual(['ConfigMap', 'Job']);
    for (const d of docs) expect(k8sSchemaProblems(d)).toEqual([]);
  });

  it('is checked for real: a wrong type, a missing field and an unknown field are problems', () => {
    const { job } = k8sObjects(PLAN);
    const spec = job.spec as Record<string, unknown>;
    expect(k8sSchemaProblems({ ...job, spec: { ...spec, completions: '4' } }).join('\n')).toMatch(
      /completions must be integer/,
    );
    expect(k8sSchemaProblems({ ...job, spec: { ...spec, template: undefined } }).join('\n')).toMatch(
      /template/,
    );
    expect(k8sSchemaProblems({ ...job, spec: { ...spec, completionMod: 'Indexed' } })).toEqual([
      '/spec/completionMod: a field the Job schema does not have',
    ]);
  });

  it('runs shard index+1 of N, with the document between markers, and exits 0 on a failed threshold', () => {
    // `squall` here is a shell function that prints its arguments and exits as told: the
    // arithmetic and the exit code are the script's; test/e2e/k8s.test.ts runs the real squall.
    const script = shardScript({ ...PLAN, host: "http://h:1/it's" });
    const withStub = (index: number, exit: number) => {
      const stub = `squall() { printf '%s\\n' "$@"; return "$SQUALL_STUB_EXIT"; }\n`;
      return spawnSync('/bin/sh', ['-c', stub + script], {
        env: {
          PATH: `${process.env.PATH}`,
          JOB_COMPLETION_INDEX: String(index),
          SQUALL_STUB_EXIT: String(exit),
        },
        encoding: 'utf8',
      });
    };
    const first = withStub(0, 0);
    expect(first.stdout.split('\n').slice(0, 9)).toEqual([
      'run',
      '/test/api.yaml',
      '--shard',
      '1/4',
      '--start-at',
      PLAN.startAt,
      '--host',
      "http://h:1/it's",
      '-o',
    ]);
    expect(first.stdout).toContain('json=/results/shard-0.json');
    expect(withStub(3, 0).stdout).toContain('4/4');
    expect(withStub(1, 99).status).toBe(0);
    expect(withStub(1, 2).status).toBe(2);
  });

  it('quotes a word for sh so that sh reads it back unchanged', () => {
    for (const text of ['plain', "it's", 'a b', '$HOME', '"q"', 'x;rm -rf /', 'http://a:1/p?q=1&r=2']) {
      const out = spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' });
      expect(out.stdout).toBe(text);
    }
  });

  it('names the Job after the file, as a Kubernetes name', () => {
    expect(defaultJobName('perf/Checkout_API.yaml')).toBe('squall-checkout-api');
    expect(defaultJobName('___.ts')).toBe('squall-test');
    expect(defaultJobName(`${'x'.repeat(80)}.yaml`).length).toBeLessThanOrEqual(52);
  });

  it('makes --start-at absolute: +D from now, or the ISO time given', () => {
    const now = Date.parse('2026-12-05T08:00:00Z');
    expect(resolveStartAt('+90s', now)).toBe('2026-12-05T08:01:30.000Z');
    expect(resolveStartAt('+1.2s', now)).toBe('2026-12-05T08:00:02.000Z');
    expect(resolveStartAt('2026-12-05T09:00:00+01:00', now)).toBe('2026-12-05T08:00:00.000Z');
    for (const bad of ['soon', '+x', '2026-13-45T99:00:00Z', '12:00']) {
      expect(() => resolveStartAt(bad, now)).toThrow(/--start-at/);
    }
  });

  it('flags lines that hold a literal credential, not references to the environment', () => {
    const text = [
      'defaults:',
      '  headers:',
      '    Authorization: Bearer abc.def',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: squall's own ${env.NAME} syntax
      '    X-Api-Key: ${env.API_KEY}',
      'target: http://user:pw@api:80',
    ].join('\n');
    expect(secretLookingLines(text)).toEqual([3, 5]);
  });
});
