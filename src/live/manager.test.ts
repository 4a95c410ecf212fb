import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../engine/live-snapshot.js';
import { RunMetrics } from '../metrics/run-metrics.js';
import type { ResultDocument } from '../result/schema.js';
import { parseThreshold } from '../thresholds/index.js';
import { dashboardConsumer, progressConsumer, prometheusConsumer } from './consumers.js';
import type { LiveConsumer, LiveSource } from './live.js';
import { startLive } from './manager.js';
import { abortOnFailConsumer, breakpointConsumer } from './stop-rules.js';

const snap: LiveSnapshot = { elapsedMs: 1000, requests: 1, rps: 1, p95Ms: 1, errors: 0, vus: 1 };
const doc = { endReason: 'completed' } as ResultDocument;

function recorder(name: string, log: string[], o: Partial<LiveConsumer> & { untilLoadEnds?: boolean } = {}) {
  return {
    name,
    start: () => {
      log.push(`start ${name}`);
    },
    snapshot: () => {
      log.push(`snapshot ${name}`);
      return undefined;
    },
    stop: (d: ResultDocument | null) => {
      log.push(`stop ${name} ${d ? 'doc' : 'null'}`);
    },
    ...o,
  };
}

const source: LiveSource = {
  frame: () => ({ doc, elapsedMs: 0 }),
  stop: () => {},
};

describe('the live manager', () => {
  it('starts in order, snapshots every consumer, stops load-bound ones when the load ends and the rest with the document', async () => {
    const log: string[] = [];
    const live = await startLive(
      [recorder('progress', log, { untilLoadEnds: true }), recorder('view', log)],
      source,
    );
    expect(live.snapshot(snap)).toBeUndefined();
    await live.loadEnded();
    await live.finish(doc);
    expect(log).toEqual([
      'start progress',
      'start view',
      'snapshot progress',
      'snapshot view',
      'stop progress null',
      'stop view doc',
    ]);
  });

  it('a consumer that cannot start stops those already started, and the error goes up', async () => {
    const log: string[] = [];
    const failing = recorder('bad', log, {
      start: () => {
        throw new Error('port in use');
      },
    });
    await expect(startLive([recorder('a', log), failing, recorder('b', log)], source)).rejects.toThrow(
      'port in use',
    );
    expect(log).toEqual(['start a', 'stop a null']);
  });

  it('the first decision ends the run once; no stop rule is asked after it, views still are', async () => {
    const log: string[] = [];
    const rule = (name: string) =>
      recorder(name, log, {
        rule: true,
        snapshot: () => {
          log.push(`snapshot ${name}`);
          return { reason: name };
        },
      });
    const live = await startLive([recorder('view', log), rule('first'), rule('second')], source);
    expect(live.snapshot(snap)).toEqual({ reason: 'first' });
    expect(live.snapshot(snap)).toBeUndefined();
    expect(log.filter((l) => l.startsWith('snapshot'))).toEqual([
      'snapshot view',
      'snapshot first',
      'snapshot view',
    ]);
  });

  it('a consumer that throws at a snapshot costs its own view, never the run', async () => {
    const log: string[] = [];
    const live = await startLive(
      [
        recorder('bad', log, {
          snapshot: () => {
            throw new Error('boom');
          },
        }),
        recorder('good', log),
      ],
      source,
    );
    expect(() => live.snapshot(snap)).not.toThrow();
    expect(log).toContain('snapshot good');
  });
});

describe('every live consumer runs the same start / snapshot / stop cycle', () => {
  const metrics = new RunMetrics({ openModel: false });
  const stderr = {
    text: '',
    write(s: string) {
      this.text += s;
      return true;
    },
  };
  const consumers: Array<() => LiveConsumer> = [
    () => progressConsumer({ stream: stderr, color: false }),
    () => dashboardConsumer(stderr),
    () =>
      prometheusConsumer(
        { host: '127.0.0.1', port: 0 },
        { lingerMs: 0, stderr, signals: new EventEmitter() as never },
      ),
    () => abortOnFailConsumer([parseThreshold('http_reqs', 'count<1')], metrics),
    () => breakpointConsumer(undefined, metrics),
  ];
  for (const make of consumers) {
    it(`${make().name}: starts, takes snapshots, stops with and without a document`, async () => {
      const a = make();
      await a.start(source);
      expect(() => a.snapshot?.(snap)).not.toThrow();
      await a.stop(doc);
      const b = make();
      await b.start(source);
      await b.stop(null);
    });
  }
});
