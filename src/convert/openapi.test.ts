// biome-ignore-all lint/suspicious/noTemplateCurlyInString: squall's own ${…} templates are the expected output
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dereference } from '@readme/openapi-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveTest } from '../config/resolve-test.js';
import { importOpenApi } from './openapi.js';
import { sampleOf } from './schema-sample.js';

const PETSTORE = fileURLToPath(new URL('../../test/fixtures/import/petstore.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'squall-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Step = Record<string, unknown>;
type Scenario = { executor: string; users: [{ name: string; flow: Step[]; tasks?: Step[] }] };
type Doc = {
  target?: string;
  defaults?: { headers: Record<string, string> };
  thresholds: Record<string, string[]>;
  scenarios: { smoke: Scenario; load?: Scenario };
};

async function petstore(host?: string) {
  const spec = await dereference(PETSTORE, { dereference: { circular: 'ignore' } } as never);
  const r = importOpenApi(spec, { file: 'petstore.yaml', host });
  return { ...r, doc: parse(r.text) as Doc };
}

async function resolves(text: string, env: Record<string, string> = {}) {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return resolveTest(file, {}, env);
}

describe('importOpenApi', () => {
  it('a smoke scenario: each operation once, examples used, DELETEs last, the documented status checked', async () => {
    const { doc, skipped, translated } = await petstore();
    expect(doc.target).toBe('https://petstore.example.com');
    expect(doc.defaults?.headers).toEqual({ Authorization: 'Bearer ${env.API_TOKEN:-}' });
    expect(doc.thresholds).toEqual({ 'checks{scenario:smoke}': ['rate==1'] });
    expect(doc.scenarios.smoke).toMatchObject({ executor: 'per-vu-iterations', vus: 1, iterations: 1 });
    expect(doc.scenarios.smoke.users[0].flow).toEqual([
      { get: '/v1/pets?limit=2', name: 'GET /v1/pets', check: { status: 200 } },
      {
        post: '/v1/pets',
        name: 'POST /v1/pets',
        headers: { 'X-Request-Id': '00000000-0000-4000-8000-000000000001' },
        // the example, the first enum value, a date made up for its format
        json: { name: 'Rex', tag: 'dog', born: '2026-01-01' },
        check: { status: 201 },
      },
      { get: '/v1/pets/7', name: 'GET /v1/pets/{petId}', check: { status: 200 } },
      { patch: '/v1/pets/7', name: 'PATCH /v1/pets/{petId}', form: { name: 'Max' }, check: { status: 200 } },
      { get: '/v1/health', name: 'GET /v1/health', check: { status: 200 } },
      { delete: '/v1/pets/7', name: 'DELETE /v1/pets/{petId}', check: { status: 204 } },
    ]);
    expect(skipped).toEqual(['OPTIONS /v1/health: a flow sends GET, POST, PUT, PATCH, DELETE and HEAD']);
    expect(translated).toContain('target https://petstore.example.com (the first server), base path /v1');
    const plan = await resolves((await petstore('http://127.0.0.1:9')).text);
    expect(plan.scenarios.map((s) => s.name)).toEqual(['smoke']);
  });

  it('the load skeleton, uncommented, is a test squall resolves: one task per operation, weights to set', async () => {
    const { text } = await petstore('http://127.0.0.1:9');
    const uncommented = text.replace(/^ {2}# /gm, '  ');
    const doc = parse(uncommented) as Doc;
    const tasks = doc.scenarios.load!.users[0].tasks!;
    expect(tasks.map((t) => [t.name, t.weight])).toEqual([
      ['GET /v1/pets', 3],
      ['POST /v1/pets', 1],
      ['GET /v1/pets/{petId}', 3],
      ['PATCH /v1/pets/{petId}', 1],
      ['GET /v1/health', 3],
      ['DELETE /v1/pets/{petId}', 1],
    ]);
    expect(text).toMatch(/^ {2}# {9}# weight: each task's share of the iterations/m);
    const plan = await resolves(uncommented);
    expect(plan.scenarios.map((s) => s.name)).toEqual(['smoke', 'load']);
  });

  it('Swagger 2.0: host and basePath, a body parameter, formData, an apiKey in the query', async () => {
    const spec = {
      swagger: '2.0',
      info: { title: 'old', version: '1' },
      host: 'api.example.com:8443',
      basePath: '/api/',
      schemes: ['https'],
      securityDefinitions: { key: { type: 'apiKey', in: 'query', name: 'api_key' } },
      security: [{ key: [] }],
      paths: {
        '/orders': {
          post: {
            parameters: [
              {
                in: 'body',
                name: 'b',
                schema: { type: 'object', properties: { qty: { type: 'integer', minimum: 2 } } },
              },
            ],
            responses: { '200': { description: 'ok' } },
          },
        },
        '/login': {
          post: {
            consumes: ['application/x-www-form-urlencoded'],
            parameters: [
              { in: 'formData', name: 'user', type: 'string', required: true, 'x-example': 'ann' },
              { in: 'query', name: 'next', type: 'string', required: true, enum: ['home', 'cart'] },
            ],
            responses: { '302': { description: 'to next' }, default: { description: 'error' } },
          },
        },
        '/events': { get: { responses: { default: { description: 'anything' } } } },
      },
    };
    const r = importOpenApi(spec, { file: 'old.json' });
    const doc = parse(r.text) as Doc;
    expect(doc.target).toBe('https://api.example.com:8443');
    expect(doc.scenarios.smoke.users[0].flow).toEqual([
      {
        post: '/api/orders?api_key=${env.API_KEY:-}',
        name: 'POST /api/orders',
        json: { qty: 2 },
        check: { status: 200 },
      },
      {
        post: '/api/login?next=home&api_key=${env.API_KEY:-}',
        name: 'POST /api/login',
        form: { user: 'ann' },
        check: { status: 302 },
        redirects: 0,
      },
      { get: '/api/events?api_key=${env.API_KEY:-}', name: 'GET /api/events' },
    ]);
    expect(r.skipped).toEqual(['GET /api/events: no status check (only default documented)']);
    await resolves(r.text);
  });

  it('a spec without an absolute server: no target, and says so', () => {
    const r = importOpenApi(
      {
        openapi: '3.1.0',
        info: { title: 't', version: '1' },
        servers: [{ url: '/v2' }],
        paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
      },
      { file: 's.yaml' },
    );
    const doc = parse(r.text) as Doc;
    expect(doc.target).toBeUndefined();
    expect(doc.scenarios.smoke.users[0].flow[0]).toMatchObject({ get: '/v2/a' });
    expect(r.skipped).toEqual([
      'target: the spec gives no absolute server URL; pass --host here, or to squall run',
    ]);
  });
});

describe('sampleOf', () => {
  it('uses what the schema documents, else a value of its type, and stops on recursion', () => {
    expect(sampleOf({ type: 'string', format: 'email' })).toBe('user@example.com');
    expect(sampleOf({ type: 'string', minLength: 10 })).toBe('stringxxxx');
    expect(sampleOf({ type: 'integer', minimum: 5, multipleOf: 4 })).toBe(8);
    expect(sampleOf({ type: ['null', 'number'] })).toBe(1);
    expect(sampleOf({ type: 'array', items: { enum: ['a', 'b'] }, minItems: 2 })).toEqual(['a', 'a']);
    expect(sampleOf({ oneOf: [{ type: 'null' }, { type: 'boolean' }] })).toBe(true);
    expect(sampleOf({ properties: { id: { type: 'integer', readOnly: true }, n: { default: 3 } } })).toEqual({
      n: 3,
    });
    const node: Record<string, unknown> = { type: 'object', properties: {} };
    (node.properties as Record<string, unknown>).next = node;
    expect(sampleOf(node)).toEqual({ next: null });
    expect(sampleOf({ $ref: '#/components/schemas/Node' })).toBeNull();
  });
});
