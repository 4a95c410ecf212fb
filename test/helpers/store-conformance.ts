import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSquallError } from '../../src/errors/index.js';
import type { ResultDocument } from '../../src/result/schema.js';
import type { HistoryStore, RunMeta } from '../../src/store/types.js';

/**
 * The HistoryStore conformance suite (DESIGN.md: every plug-in kind has one suite each
 * implementation passes): SQLite (src/store/sqlite-store.test.ts) and PostgreSQL
 * (test/e2e/store-postgres.test.ts) run these same cases, each on a fresh empty store.
 */
export function fixtureDoc(name: 'run-full' | 'quick-open-model' | 'bench'): ResultDocument {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/results/${name}.json`, import.meta.url), 'utf8'),
  ) as ResultDocument;
}

export function sampleMeta(over: Partial<RunMeta> = {}): RunMeta {
  return {
    name: 'checkout',
    labels: {},
    kind: 'run',
    startedAt: '2026-12-03T16:40:51.138Z',
    passed: true,
    git: null,
    host: 'ci-runner-1',
    cpu: 'Test CPU @ 2.0GHz',
    node: 'v20.20.2',
    squallVersion: '0.1.0',
    ci: null,
    ...over,
  };
}

export function describeStoreConformance(kind: string, open: () => Promise<HistoryStore>): void {
  describe(`HistoryStore conformance: ${kind}`, () => {
    let store: HistoryStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('gives back the document it saved, equal, with its meta', async () => {
      const doc = fixtureDoc('run-full');
      const meta = sampleMeta({
        labels: { env: 'staging', 'build id': '42' },
        git: { commit: 'a'.repeat(40), branch: 'main', dirty: true },
        ci: { provider: 'github', runId: '123456', ref: 'refs/pull/7/merge', pullRequest: 7 },
        passed: false,
      });
      const id = await store.save(doc, meta);
      const got = await store.get(id);
      expect(got).not.toBeNull();
      expect(got!.doc).toEqual(doc);
      expect(got!.run.id).toBe(id);
      expect(got!.run.meta).toEqual(meta);
      expect(Number.isNaN(Date.parse(got!.run.savedAt))).toBe(false);
      expect(await store.get(id + 1000)).toBeNull();
    });

    it('keeps a null git, null ci and null passed as null', async () => {
      const meta = sampleMeta({ git: null, ci: null, passed: null, kind: 'bench', name: 'bench/a.bench.ts' });
      const id = await store.save(fixtureDoc('bench'), meta);
      expect((await store.get(id))!.run.meta).toEqual(meta);
      expect(typeof store.location).toBe('string');
      expect(store.location.length).toBeGreaterThan(0);
    });

    it('gives increasing ids and lists newest first, by name and with a limit', async () => {
      const ids: number[] = [];
      for (const name of ['a', 'b', 'a', 'a', 'b'])
        ids.push(await store.save(fixtureDoc('quick-open-model'), sampleMeta({ name })));
      for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
      expect((await store.list()).map((r) => r.id)).toEqual([...ids].reverse());
      expect((await store.list({ name: 'a' })).map((r) => r.id)).toEqual([ids[3], ids[2], ids[0]]);
      expect((await store.list({ name: 'a', limit: 2 })).map((r) => r.id)).toEqual([ids[3], ids[2]]);
      expect((await store.list({ limit: 1 })).map((r) => r.id)).toEqual([ids[4]]);
      expect(await store.list({ name: 'none' })).toEqual([]);
      expect((await store.last())!.id).toBe(ids[4]);
      expect((await store.last('a'))!.id).toBe(ids[3]);
      expect((await store.last('b'))!.meta.name).toBe('b');
      expect(await store.last('none')).toBeNull();
    });

    it('has no last run when empty', async () => {
      expect(await store.last()).toBeNull();
      expect(await store.list()).toEqual([]);
      expect(await store.listBaselines()).toEqual([]);
    });

    it('removes a run and the baselines pointing at it, and never reuses its id', async () => {
      const a = await store.save(fixtureDoc('run-full'), sampleMeta());
      const b = await store.save(fixtureDoc('run-full'), sampleMeta());
      await store.setBaseline('main', b);
      await store.setBaseline('old', a);
      expect(await store.remove(b)).toBe(true);
      expect(await store.remove(b)).toBe(false);
      expect(await store.get(b)).toBeNull();
      expect(await store.getBaseline('main')).toBeNull();
      expect(await store.getBaseline('old')).toBe(a);
      expect((await store.list()).map((r) => r.id)).toEqual([a]);
      const c = await store.save(fixtureDoc('run-full'), sampleMeta());
      expect(c).toBeGreaterThan(b);
    });

    it('sets, moves, lists and removes baselines', async () => {
      const a = await store.save(fixtureDoc('run-full'), sampleMeta());
      const b = await store.save(fixtureDoc('run-full'), sampleMeta());
      expect(await store.getBaseline('main')).toBeNull();
      await store.setBaseline('main', a);
      expect(await store.getBaseline('main')).toBe(a);
      await store.setBaseline('main', b);
      expect(await store.getBaseline('main')).toBe(b);
      await store.setBaseline('release-1', a);
      const list = await store.listBaselines();
      expect(list.map((x) => [x.name, x.id])).toEqual([
        ['main', b],
        ['release-1', a],
      ]);
      for (const x of list) expect(Number.isNaN(Date.parse(x.setAt))).toBe(false);
      expect(await store.removeBaseline('main')).toBe(true);
      expect(await store.removeBaseline('main')).toBe(false);
      expect(await store.getBaseline('main')).toBeNull();
      expect((await store.listBaselines()).map((x) => x.name)).toEqual(['release-1']);
    });

    it('refuses a baseline on an unknown run with exit 2, naming the id', async () => {
      const a = await store.save(fixtureDoc('run-full'), sampleMeta());
      const err = await store.setBaseline('main', a + 99).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isSquallError(err)).toBe(true);
      expect((err as { code: string }).code).toBe('SQ_STORE_NO_RUN');
      expect((err as { exitCode: number }).exitCode).toBe(2);
      expect((err as Error).message).toContain(String(a + 99));
      expect(await store.getBaseline('main')).toBeNull();
    });
  });
}
