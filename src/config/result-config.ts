import type { TestPlan, ThinkPlan } from '../engine/plan.js';
import { redactHeaders, redactUrl } from '../util/redact.js';

/**
 * The `config` of the result document for `squall run`: the resolved settings a reader needs to
 * understand the numbers, with secrets redacted (DESIGN.md, "The result document").
 */

function describeThink(t: ThinkPlan): string | null {
  switch (t.kind) {
    case 'none':
      return null;
    case 'constant':
      return `${t.ms}ms`;
    case 'uniform':
      return `${t.minMs}ms..${t.maxMs}ms`;
    case 'function':
      return 'function';
  }
}

export interface ConfigSources {
  format: string;
  /** Names given with -e (their values may be secrets, so only the names). */
  envFlags: readonly string[];
  /** Presets worth running with monitoring (soak, endurance). */
  monitorSuggested: boolean;
  /** The file's per-metric regression budgets (`regressions:`), which `squall compare` reads back. */
  regressions?: Readonly<Record<string, number>>;
  /** The file's `name:`: what the history calls its runs unless --name says otherwise. */
  name?: string;
}

export function resultConfig(
  plan: Omit<TestPlan, 'config'>,
  sources: ConfigSources,
): Record<string, unknown> {
  return {
    command: 'run',
    ...(sources.name === undefined ? {} : { name: sources.name }),
    file: plan.file,
    format: sources.format,
    preset: plan.preset ?? null,
    monitorSuggested: sources.monitorSuggested,
    target: redactUrl(plan.target) ?? null,
    defaults: {
      headers: redactHeaders(plan.defaults.headers),
      timeoutMs: plan.defaults.timeoutMs,
      ...(plan.defaults.redirects === undefined ? {} : { redirects: plan.defaults.redirects }),
    },
    insecure: plan.tls.insecure,
    ...(plan.tls.caFile === undefined ? {} : { cacert: plan.tls.caFile }),
    scenarios: plan.scenarios.map((s) => ({
      name: s.name,
      executor: s.executor,
      startTimeMs: s.startTimeMs,
      gracefulStopMs: s.gracefulStopMs,
      tags: s.tags,
      users: s.users.map((u) => ({
        name: u.name,
        weight: u.weight,
        think: describeThink(u.think),
        tasks: u.tasks.map((t) => ({ name: t.name, weight: t.weight })),
      })),
    })),
    thresholds: plan.thresholds.map((t) => `${t.key}:${t.expr}`),
    ...(sources.regressions && Object.keys(sources.regressions).length > 0
      ? { regressions: { ...sources.regressions } }
      : {}),
    stopConditions: plan.stopConditions ?? null,
    ...(plan.discardResponseBodies ? { discardResponseBodies: true } : {}),
    ...(plan.http2 ? { http2: true } : {}),
    env: [...sources.envFlags],
    setup: plan.setup !== undefined,
    teardown: plan.teardown !== undefined,
  };
}
