import type { ResultDocument } from '../result/schema.js';
import {
  flatSamples,
  formatValue,
  type Labels,
  type PrometheusExtras,
  prometheusModel,
} from './prometheus-model.js';

/**
 * A result document as Prometheus text exposition (format 0.0.4), for `-o prometheus=HOST:PORT`.
 * The families and their names are prometheus-model.ts's; this file only writes them out.
 */

/** The media type of what `renderPrometheus` returns. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderPrometheus(doc: ResultDocument, extras: PrometheusExtras = {}): string {
  const { families, common } = prometheusModel(doc, extras);
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of flatSamples(f, common)) lines.push(sampleLine(s.name, s.labels, s.value));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Label values escape backslash, double quote and newline (the format's three escapes). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const l = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${formatValue(value)}`;
}
