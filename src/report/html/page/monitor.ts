import {
  capitalize,
  countRange,
  diedText,
  fmtCount,
  fmtCpu,
  fmtMib,
  fmtNum,
  leakHeadline,
  monitorSamples,
  monitorVerdict,
  processesSummed,
  signed,
} from '../../format.js';
import { monitorWarnings, resourceState, resourceVerdicts } from '../../monitor-state.js';
import { el, fig, type KvRow, kv, panel } from './dom.js';
import { monitorExit, stateOf, VERDICTS } from './monitor-words.js';
import { arr, isMonitorOnly, isNum, num, type Obj, obj, str } from './read.js';
import { fmtSec } from './time-format.js';
import { running } from './view.js';

const RESOURCE_VERDICTS = {
  healthy: { mark: '✓', text: 'healthy', cls: 'ok' },
  leak: { mark: '✗', text: 'leak', cls: 'bad' },
  inconclusive: { mark: '?', text: 'inconclusive', cls: 'warn' },
  // A resource of a process that died showed no leak while it lived: that is not "healthy".
  unseen: { mark: '–', text: 'no leak seen', cls: '' },
};

/** One line per resource judged: its verdict and its sentence. */
function renderResources(m: Obj): HTMLElement | null {
  const judged = resourceVerdicts(m);
  if (judged.length === 0) return null;
  return el(
    'ul',
    { class: 'resources' },
    judged.map(({ resource, r }) => {
      const v = RESOURCE_VERDICTS[resourceState(m, r)];
      return el(
        'li',
        { class: `resource ${v.cls}`, 'data-resource': resource },
        fig(
          'span',
          `monitor.resources.${resource}.verdict`,
          r.verdict,
          `${v.mark} ${resource}: ${v.text}`,
          'resource-verdict',
        ),
        el('span', {
          class: 'resource-sentence',
          'data-field': `monitor.resources.${resource}.sentence`,
          text: str(r.sentence),
        }),
      );
    }),
  );
}

/** Doubts about what was watched, before anything else about it. */
function renderWarnings(m: Obj): HTMLElement | null {
  const warnings = monitorWarnings(m);
  if (warnings.length === 0) return null;
  return el(
    'ul',
    { class: 'monitor-warnings' },
    warnings.map((w) => el('li', { 'data-field': 'monitor.warning', text: `⚠ ${w}` })),
  );
}

/** The monitored process: the verdict and its reasons first, then the figures they rest on. */
export function renderMonitor(doc: Obj): HTMLElement | null {
  if (!doc.monitor || typeof doc.monitor !== 'object') return null;
  const m = obj(doc.monitor);
  const verdict = monitorVerdict(m) ?? null;
  const state = stateOf(m);
  const cmd = typeof m.cmd === 'string' && m.cmd !== '' ? m.cmd : null;
  const exit = monitorExit(m);
  let v: { mark: string; text: string; cls: string } = state
    ? VERDICTS[state]
    : { mark: '✓', text: 'No leak suspected', cls: 'ok' };
  // The console's and the Markdown's words: `Leak suspected: memory, fds`, `Died: the service …`.
  if (state === 'leak') v = { ...v, text: capitalize(leakHeadline(m)) };
  const died = diedText(doc);
  if (state === 'died' && died) v = { ...v, text: `Died: ${died}.` };
  // With per-resource verdicts, "healthy" covers every resource judged, not memory alone.
  const judged = resourceVerdicts(m);
  if (state === 'healthy' && judged.length > 0)
    v = { ...v, text: `Healthy: no leak in ${judged.map(({ resource }) => resource).join(', ')}` };
  const soFar = running() ? ' (so far)' : '';
  const samples = monitorSamples(m);
  const processes = processesSummed(samples);
  const ci = arr(m.rssGrowthCiMbPerMin);
  const hasCi = ci.length === 2 && ci.every(isNum);
  const settled = m.settled === true ? 'yes' : m.settled === false ? 'no, still growing' : '-';
  const tail = exit ? arr(exit.tail).map(str) : [];
  const resources = obj(m.resources);
  const rows: KvRow[] = [
    ['PID', 'monitor.pid', num(m.pid), str(m.pid) || '-'],
    ['Processes', 'monitor.processes', processes || null, processes > 0 ? fmtCount(processes) : '-'],
    ['RSS at start', 'monitor.rssStartMb', num(m.rssStartMb), fmtMib(m.rssStartMb)],
    ['RSS peak', 'monitor.rssPeakMb', num(m.rssPeakMb), fmtMib(m.rssPeakMb)],
    ['RSS at end', 'monitor.rssEndMb', num(m.rssEndMb), fmtMib(m.rssEndMb)],
    [
      'RSS growth',
      'monitor.rssGrowthMbPerMin',
      num(m.rssGrowthMbPerMin),
      isNum(m.rssGrowthMbPerMin) ? `${signed(m.rssGrowthMbPerMin, 2)} MiB/min` : '-',
    ],
    [
      '95% interval',
      'monitor.rssGrowthCiMbPerMin',
      hasCi ? ci.join(',') : null,
      hasCi ? `${signed(Number(ci[0]), 2)} to ${signed(Number(ci[1]), 2)} MiB/min` : '-',
    ],
    ['Settled', 'monitor.settled', typeof m.settled === 'boolean' ? m.settled : null, settled],
    ['Warm-up', 'monitor.warmupSec', num(m.warmupSec), fmtSec(m.warmupSec)],
    ['CPU avg', 'monitor.cpuAvgPct', num(m.cpuAvgPct), fmtCpu(m.cpuAvgPct)],
    ['CPU peak', 'monitor.cpuPeakPct', num(m.cpuPeakPct), fmtCpu(m.cpuPeakPct)],
    [
      'Threads',
      'monitor.threads',
      isNum(m.threadsStart) && isNum(m.threadsEnd) ? `${m.threadsStart},${m.threadsEnd}` : null,
      countRange(m.threadsStart, m.threadsEnd, m.threadsPeak, m.threadsGrowthPerMin, resources.threads) ||
        '-',
    ],
    [
      'Open files',
      'monitor.fds',
      isNum(m.fdsStart) && isNum(m.fdsEnd) ? `${m.fdsStart},${m.fdsEnd}` : null,
      countRange(m.fdsStart, m.fdsEnd, m.fdsPeak, m.fdsGrowthPerMin, resources.fds) || '-',
    ],
    [
      'Samples',
      'monitor.samples',
      samples.length,
      `${fmtCount(samples.length)}${isNum(m.intervalMs) ? ` every ${fmtNum(m.intervalMs / 1000)}s` : ''}`,
    ],
  ];
  return panel(
    'monitor',
    isMonitorOnly(doc) ? 'Monitored process' : 'System under test',
    el(
      'div',
      { class: `verdict-box ${v.cls}` },
      fig('p', 'monitor.verdict', verdict, `${v.mark} ${v.text}${soFar}`, 'verdict-line'),
      renderWarnings(m),
      renderResources(m),
      arr(m.reasons).length > 0
        ? el(
            'ul',
            { class: 'reasons' },
            arr(m.reasons).map((r) =>
              el('li', {
                'data-field': 'monitor.reason',
                // A reason that is a resource's own sentence is shown there already.
                class: judged.some(({ r: x }) => x.sentence === r) ? 'shown-above' : undefined,
                text: str(r),
              }),
            ),
          )
        : null,
    ),
    cmd
      ? el(
          'p',
          { class: 'cmd' },
          el('span', { class: 'muted', text: 'Command ' }),
          fig('code', 'monitor.cmd', cmd, cmd),
        )
      : null,
    kv(rows),
    exit
      ? el(
          'div',
          { class: 'exit', id: 'monitor-exit' },
          fig('p', 'monitor.exit', exit.code ?? exit.signal ?? '', `${capitalize(died)}.`, 'exit-line'),
          tail.length > 0
            ? el('pre', { class: 'tail', 'data-field': 'monitor.exit.tail', text: tail.join('\n') })
            : null,
        )
      : null,
  );
}
