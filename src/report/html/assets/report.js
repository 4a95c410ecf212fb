/*
 * The squall report page. It draws a result document, read from the JSON in #squall-result (the
 * HTML report) or streamed from the `--ui` dashboard's /events when #squall-live is present.
 * Everything is built with createElement and textContent: a value from the document (a request
 * named `<img onerror=…>`, an error message) is always text, never markup.
 *
 * Documents may come from older squall versions or be partial, so every field is checked before
 * use. Each figure carries `data-field` (what it is) and `data-value` (the raw number from the
 * document) next to its friendly text, for scripts and tests that read the page.
 */
(() => {
  // ------------------------------------------------------------------------------------------
  // Reading the document defensively

  const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
  const num = (x) => (isNum(x) ? x : null);
  const obj = (x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : {});
  const arr = (x) => (Array.isArray(x) ? x : []);
  const str = (x) => (x === null || x === undefined ? '' : String(x));

  // ------------------------------------------------------------------------------------------
  // Formatting: every figure by its unit comes from squall's one formatter (src/util/figures.ts),
  // whose functions the page inlines before this script as `squallFigures`.

  const EN = 'en-US';
  const F = squallFigures;
  const { fmtCount, fmtNum, fmtRate, fmtPct } = F;
  const fmtMs = (ms) => F.fmtIn('ms', ms);

  // RSS is counted in mebibytes, as ps and top count it.
  function fmtMb(mb) {
    return isNum(mb) ? `${mb.toLocaleString(EN, { maximumFractionDigits: 1 })} MiB` : '-';
  }

  /** Seconds on a time axis: `45s`, `2m05s`, `1h02m`. */
  function clock(sec) {
    if (!isNum(sec)) return '-';
    if (sec < 60) return `${Number.isInteger(sec) ? sec : sec.toFixed(1)}s`;
    const total = Math.round(sec);
    const h = Math.floor(total / 3600);
    const m = Math.floor(total / 60) % 60;
    const s = total % 60;
    if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
    return `${m}m${String(s).padStart(2, '0')}s`;
  }

  function fmtSec(sec) {
    return isNum(sec) ? fmtMs(sec * 1000) : '-';
  }

  function fmtDate(iso) {
    const d = new Date(str(iso));
    if (Number.isNaN(d.getTime())) return str(iso) || '-';
    return d.toLocaleString(EN, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Metrics: kind and unit from the document (older documents: known built-ins, no name guess).

  const kindOf = (v) => F.metricKind(v);
  const fmtThresholdActual = (t, metrics) => F.thresholdFigure(t, metrics) ?? 'no data';
  const metricSummary = (name, v) => F.metricCells(name, v).join('  ') || JSON.stringify(v);

  const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

  function methodOf(ep) {
    if (typeof ep.method === 'string' && ep.method !== '') return ep.method;
    const first = str(ep.name).split(' ')[0];
    return HTTP_METHODS.has(first) ? first : '';
  }

  // ------------------------------------------------------------------------------------------
  // DOM helpers: text and attributes only.

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }

  /** A data table: heads as [label, 'text' | 'num'] pairs (a header cell each), then the rows. */
  function dataTable(cls, heads, rows) {
    return el(
      'table',
      { class: `data ${cls}` },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          heads.map(([label, align]) => el('th', { class: align, text: label })),
        ),
      ),
      el('tbody', null, rows),
    );
  }

  /** A figure: friendly text, with the raw value in data-value ('' when there is none). */
  function fig(tag, field, value, text, cls) {
    return el(tag, {
      'data-field': field,
      'data-value': value === null || value === undefined ? '' : String(value),
      class: cls,
      text,
    });
  }

  function panel(id, title, ...body) {
    return el('section', { class: 'panel', id }, el('h2', { text: title }), ...body);
  }

  function note(text, cls) {
    return el('p', { class: `note ${cls || ''}`, text });
  }

  function kv(rows) {
    return el(
      'dl',
      { class: 'kv' },
      rows.map(([label, field, value, text]) =>
        el('div', { class: 'kv-item' }, el('dt', { text: label }), fig('dd', field, value, text)),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Header and summary cards

  function target(config) {
    const c = obj(config);
    return str(c.target || c.url || c.host);
  }

  /** `2026-12-03 10:41`, local time: a tab's title, short and sortable. */
  function titleDate(iso) {
    const d = new Date(str(iso));
    if (Number.isNaN(d.getTime())) return '';
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  /**
   * `load-test.yaml — 2026-12-03 10:41 — squall`: the test and the run's date, so saved tabs and
   * files can be told apart (page.ts writes the same title into the file).
   */
  function pageTitle(doc) {
    const c = obj(doc.config);
    const file = str(c.file);
    const name = isMonitorOnly(doc)
      ? `monitor ${monitoredName(doc)}`
      : file
        ? file.split(/[\\/]/).pop()
        : target(c);
    const live = view.live && !view.final ? 'live' : '';
    return [name, titleDate(doc.startedAt), live, 'squall'].filter((x) => x).join(' — ');
  }

  /** A `squall monitor` document: no HTTP traffic by design, only the watched process. */
  function isMonitorOnly(doc) {
    return obj(doc.config).command === 'monitor';
  }

  /** `'node server.js' (pid 4242)` or `pid 4242`: the process a monitor document watched. */
  function monitoredName(doc) {
    const c = obj(doc.config);
    const m = obj(doc.monitor);
    const cmd = [m.cmd, c.cmd].find((v) => typeof v === 'string' && v !== '');
    const pid = [m.pid, c.pid].find(isNum);
    const pidText = pid === undefined ? '' : `pid ${pid}`;
    if (cmd) return `'${cmd}'${pidText ? ` (${pidText})` : ''}`;
    return pidText || '-';
  }

  function renderHeader(doc) {
    // A watched process that died fails the run, whichever flag named it.
    const died = !!monitorExit(doc.monitor);
    const passed = doc.passed === false || died ? false : doc.passed === true ? true : null;
    const live = view.live;
    const verdictText =
      passed === null
        ? 'no verdict'
        : (passed ? 'passed' : 'failed') + (live && !view.final ? ' so far' : '');
    const verdict = fig(
      'span',
      'passed',
      passed,
      verdictText,
      `badge ${passed === true ? 'ok' : passed === false ? 'bad' : ''}`,
    );
    const badges = [verdict];
    // The target's verdict sits next to the thresholds' one: a run can pass its budgets and leak.
    const mv = doc.monitor && typeof doc.monitor === 'object' ? stateOf(doc.monitor) : null;
    if (mv) {
      const badge = mv === 'leak' ? leakText(doc.monitor, 'leak suspected') : VERDICTS[mv].badge;
      badges.push(
        el('span', { class: `badge ${VERDICTS[mv].cls}`, 'data-field': 'monitor.state', text: badge }),
      );
    }
    if (live) badges.unshift(fig('span', 'state', view.state, view.state, `badge state state-${view.state}`));
    const monitorOnly = isMonitorOnly(doc);
    const meta = kv([
      monitorOnly
        ? ['Process', 'process', monitoredName(doc), monitoredName(doc)]
        : ['Target', 'target', target(doc.config), target(doc.config) || '-'],
      ['Started', 'startedAt', str(doc.startedAt), fmtDate(doc.startedAt)],
      ['Ended', 'endedAt', str(doc.endedAt), live && !view.final ? '-' : fmtDate(doc.endedAt)],
      ['Duration', 'durationSec', num(doc.durationSec), fmtSec(doc.durationSec)],
      [
        'End reason',
        'endReason',
        str(doc.endReason),
        live && !view.final ? 'running' : str(doc.endReason) || '-',
      ],
      ['squall', 'version', str(doc.version), str(doc.version) || '-'],
    ]);
    return el(
      'header',
      { class: 'top' },
      el(
        'div',
        { class: 'title-row' },
        el(
          'div',
          { class: 'brand' },
          el('span', { class: 'logo', text: 'squall' }),
          el('h1', {
            text: monitorOnly
              ? 'Monitor report'
              : live && !view.final
                ? 'Live load test'
                : 'Load test report',
          }),
        ),
        el('div', { class: 'badges' }, badges),
      ),
      meta,
    );
  }

  function card(label, field, value, text, sub, cls) {
    return el(
      'div',
      { class: `card ${cls || ''}` },
      el('div', { class: 'card-label', text: label }),
      fig('div', field, value, text, 'card-value'),
      sub ? el('div', { class: 'card-sub' }, sub) : null,
    );
  }

  function renderCards(doc) {
    // Monitoring alone sends no requests: the target's panel takes the cards' place.
    if (isMonitorOnly(doc)) return null;
    const m = obj(doc.metrics);
    const reqs = obj(m.http_reqs);
    const dur = obj(m.http_req_duration);
    const failed = obj(m.http_req_failed);
    const th = arr(doc.thresholds).map(obj);
    const thOk = th.filter((t) => t.ok === true).length;
    const thBad = th.filter((t) => t.ok === false).length;
    const errRate = num(failed.rate);
    return el(
      'section',
      { class: 'cards', id: 'summary' },
      card(
        'Requests',
        'http_reqs.count',
        num(reqs.count),
        fmtCount(reqs.count),
        isNum(failed.fails) ? `${fmtCount(failed.fails)} failed` : null,
      ),
      card(
        'Throughput',
        'http_reqs.rate',
        num(reqs.rate),
        isNum(reqs.rate) ? `${fmtRate(reqs.rate)}/s` : '-',
        'requests per second',
      ),
      card('Latency p50', 'http_req_duration.p50', num(dur.p50), fmtMs(dur.p50), 'median'),
      card('Latency p95', 'http_req_duration.p95', num(dur.p95), fmtMs(dur.p95), `mean ${fmtMs(dur.mean)}`),
      card('Latency p99', 'http_req_duration.p99', num(dur.p99), fmtMs(dur.p99), `max ${fmtMs(dur.max)}`),
      card(
        'Error rate',
        'http_req_failed.rate',
        errRate,
        fmtPct(errRate),
        'of requests failed',
        errRate === null ? '' : errRate > 0 ? 'bad' : 'ok',
      ),
      thresholdsCard(doc, th, thOk, thBad),
    );
  }

  /**
   * Thresholds: how many passed of how many, in the run's verdict colour (a partial pass is not
   * painted as a total failure), and which ones failed, by name.
   */
  function thresholdsCard(doc, th, thOk, thBad) {
    const verdict = th.length === 0 ? '' : doc.passed === true ? 'ok' : doc.passed === false ? 'bad' : '';
    const failedNames = th.filter((t) => t.ok === false).map((t) => `${str(t.metric)} ${str(t.expr)}`);
    const shown = failedNames.slice(0, 3).join(', ');
    const more = failedNames.length > 3 ? ` and ${failedNames.length - 3} more` : '';
    return el(
      'div',
      { class: `card thresholds-card ${verdict}`, 'data-verdict': verdict || null },
      el('div', { class: 'card-label', text: 'Thresholds' }),
      el(
        'div',
        { class: 'card-value' },
        fig('span', 'thresholds.passed', thOk, th.length > 0 ? String(thOk) : '–'),
        el('span', { class: 'card-of', text: th.length > 0 ? ` / ${th.length} passed` : ' none set' }),
      ),
      el(
        'div',
        { class: 'card-sub' },
        fig(
          'span',
          'thresholds.failed',
          thBad,
          thBad > 0 ? `${thBad} failed: ` : `${thBad} failed`,
          thBad > 0 ? 'bad' : '',
        ),
        thBad > 0
          ? el('span', { class: 'failed-list', title: failedNames.join('\n'), text: `${shown}${more}` })
          : null,
      ),
    );
  }

  /**
   * Why iterations were dropped, per scenario (the console says the same: src/report/dropped.ts):
   * in the open model a stall shows as drops, so the reason belongs beside the count.
   */
  function dropNotes(doc) {
    const entries = Object.entries(obj(doc.scenarios));
    const configs = arr(obj(doc.config).scenarios).map(obj);
    return entries
      .filter(([, s]) => (num(obj(s).dropped) ?? 0) > 0)
      .map(([name, s0]) => {
        const s = obj(s0);
        const e = obj(configs.find((c) => c.name === name)?.executor);
        let why = 'they could not start in time';
        if (e.type === 'constant-arrival-rate' || e.type === 'ramping-arrival-rate') {
          why =
            e.queue === true
              ? 'no free VU within the request timeout (queue: true)'
              : num(e.maxVUs) !== null && (num(s.vusMax) ?? 0) >= e.maxVUs
                ? `no free VU (maxVUs ${fmtCount(e.maxVUs)} reached): the target or the iterations are slower than the rate allows`
                : 'no free VU';
        } else if (e.type === 'per-vu-iterations' || e.type === 'shared-iterations') {
          why = 'maxDuration ran out before they started';
        }
        const where = entries.length > 1 ? ` in scenario ${name}` : '';
        return note(`${fmtCount(s.dropped)} iterations dropped${where}: ${why}`, 'warn banner dropped');
      });
  }

  /** What makes the figures below mislead, said before them. */
  function renderBanner(doc) {
    const notes = [renderSaturation(doc), ...dropNotes(doc)];
    const m = obj(doc.metrics);
    const count = num(obj(m.http_reqs).count);
    const fails = num(obj(m.http_req_failed).fails);
    if (count === 0 && !(view.live && !view.final) && !isMonitorOnly(doc)) {
      notes.push(note('No request completed in this run.', 'warn banner'));
    }
    if (count !== null && count > 0 && fails === count) {
      notes.push(
        note(
          `Every request failed (${fmtCount(count)} of ${fmtCount(count)}): see Errors below.`,
          'bad banner',
        ),
      );
    }
    // Doubts about the watched process (a wrapper, not the port's owner) come before any figure.
    for (const w of M.monitorWarnings(obj(doc.monitor))) {
      const n = note(`⚠ Target process: ${w}`, 'warn banner');
      n.setAttribute('data-field', 'monitor.bannerWarning');
      notes.push(n);
    }
    const shown = notes.filter(Boolean);
    return shown.length > 0 ? el('div', { class: 'banners' }, shown) : null;
  }

  /** The seconds squall fell behind its own schedule, as the timeline counts them (t of 1 = the first). */
  function limitedSeconds(g) {
    const secs = arr(g.limitedSeconds).filter((s) => typeof s === 'number');
    if (secs.length === 0) return null;
    return el('p', {
      class: 'limited-seconds',
      'data-field': 'generator.limitedSeconds',
      'data-value': secs.join(','),
      text:
        `⏱ Generator-limited seconds (${secs.length}): ` +
        secs
          .slice(0, 12)
          .map((s) => `${s - 1}–${s} s`)
          .join(', ') +
        (secs.length > 12 ? ', …' : ''),
    });
  }

  /** squall ran out of CPU or its event loop lagged: its latencies include its own delay. */
  function renderSaturation(doc) {
    const g = obj(doc.generator);
    if (g.saturated !== true) return null;
    const command = obj(doc.config).command;
    const fewer =
      command === 'quick' ? 'fewer connections (-c)' : command === 'run' ? 'fewer VUs (--vus)' : 'less load';
    return el(
      'div',
      {
        class: 'banner warn saturation',
        id: 'saturation',
        'data-field': 'generator.saturated',
        'data-value': 'true',
      },
      el('p', {
        class: 'banner-title',
        text: 'squall itself was saturated: the figures below measure squall, not the target.',
      }),
      el(
        'ul',
        { class: 'reasons' },
        arr(g.reasons).map((r) => el('li', { 'data-field': 'generator.reason', text: str(r) })),
      ),
      limitedSeconds(g),
      el('p', {
        class: 'banner-hint',
        text:
          `Run again with ${fewer} and compare, or run squall on a bigger machine, apart from the ` +
          'target.',
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Charts (uPlot)

  const CHARTS = [
    {
      id: 'rps',
      title: 'Requests per second',
      source: 'timeline',
      fmt: fmtRate,
      axis: fmtNum,
      series: [{ key: 'rps', label: 'req/s', color: '#4f46e5', fill: 'rgba(79,70,229,0.12)' }],
    },
    {
      id: 'latency',
      title: 'Latency',
      source: 'timeline',
      fmt: fmtMs,
      axis: axisMs,
      series: [
        { key: 'p50', label: 'p50', color: '#0891b2' },
        { key: 'p95', label: 'p95', color: '#d97706' },
        { key: 'p99', label: 'p99', color: '#e11d48' },
      ],
    },
    {
      id: 'errors',
      title: 'Failed requests per second',
      source: 'timeline',
      fmt: fmtCount,
      whole: true,
      series: [
        { key: 'errors', label: 'failed', color: '#dc2626', fill: 'rgba(220,38,38,0.55)', bars: true },
      ],
    },
    {
      id: 'vus',
      title: 'Virtual users',
      source: 'timeline',
      fmt: fmtCount,
      whole: true,
      series: [{ key: 'vus', label: 'VUs', color: '#7c3aed', fill: 'rgba(124,58,237,0.10)', stepped: true }],
    },
    {
      id: 'memory',
      title: 'Target memory (RSS)',
      source: 'monitor',
      fmt: fmtMb,
      axis: (v) => `${fmtNum(v)} MiB`,
      series: [{ key: 'rssMb', label: 'RSS', color: '#0d9488', fill: 'rgba(13,148,136,0.12)' }],
    },
    {
      id: 'cpu',
      title: 'Target CPU',
      source: 'monitor',
      fmt: (v) => (isNum(v) ? `${fmtNum(v)}%` : '-'),
      axis: (v) => `${fmtNum(v)}%`,
      series: [{ key: 'cpuPct', label: 'CPU', color: '#ea580c' }],
    },
    // Threads and descriptors are drawn only when they moved: a flat count needs no chart.
    {
      id: 'threads',
      title: 'Target threads',
      source: 'monitor',
      onlyIfChanging: true,
      fmt: fmtCount,
      whole: true,
      series: [{ key: 'threads', label: 'threads', color: '#7c3aed', stepped: true }],
    },
    {
      id: 'fds',
      title: 'Target open file descriptors',
      source: 'monitor',
      onlyIfChanging: true,
      fmt: fmtCount,
      whole: true,
      series: [{ key: 'fds', label: 'fds', color: '#0891b2', stepped: true }],
    },
  ];

  const CHART_HEIGHT = 200;
  const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
  const WHOLE_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];

  /** Axis labels stay short: `0`, `250µs`, `2.5ms`, `1.2s`. */
  function axisMs(v) {
    if (!isNum(v) || v === 0) return '0';
    if (v < 1) return `${fmtNum(v * 1000)}µs`;
    if (v < 1000) return `${fmtNum(v)}ms`;
    return `${fmtNum(v / 1000)}s`;
  }
  const charts = new Map();
  let chartGrid = null;

  /** The points of a chart, or null when the chart has no place in this document. */
  function chartPoints(spec, doc) {
    if (spec.source === 'monitor') {
      const mon = doc.monitor;
      return mon && typeof mon === 'object' ? arr(mon.samples).map(obj) : null;
    }
    // A monitor document has no HTTP timeline by design: no empty request charts.
    return isMonitorOnly(doc) ? null : arr(doc.timeline).map(obj);
  }

  function changes(spec, points) {
    const values = new Set();
    for (const p of points) for (const s of spec.series) if (isNum(p[s.key])) values.add(p[s.key]);
    return values.size > 1;
  }

  function chartData(spec, points) {
    const rows = points.filter((p) => isNum(p.t));
    return [rows.map((p) => p.t), ...spec.series.map((s) => rows.map((p) => num(p[s.key])))];
  }

  function chartOptions(spec, width) {
    const axis = { stroke: '#64748b', grid: { stroke: '#edf0f5', width: 1 }, ticks: { show: false } };
    return {
      width,
      height: CHART_HEIGHT,
      scales: {
        // Bars are centred on their second: half a second of room on each side keeps the first
        // and last whole.
        x: {
          time: false,
          range: spec.series.some((s) => s.bars)
            ? (_u, min, max) => [min - 0.5, max + 0.5]
            : (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]),
        },
        // From zero: a rate or a latency read against a cut axis looks far worse than it is.
        y: { range: (_u, _min, max) => [0, isNum(max) && max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { ...axis, values: (_u, splits) => splits.map(clock), incrs: SECOND_INCRS },
        {
          ...axis,
          size: 70,
          values: (_u, splits) => splits.map(spec.axis || spec.fmt),
          // Counts (VUs, failures) have no fractional ticks.
          incrs: spec.whole ? WHOLE_INCRS : undefined,
        },
      ],
      series: [
        { label: 'time', value: (_u, v) => clock(v) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          // Bars are filled only, so a second with no failures draws nothing.
          width: s.bars ? 0 : 2,
          fill: s.fill,
          paths: s.bars
            ? uPlot.paths.bars({ size: [0.6, 40] })
            : s.stepped
              ? uPlot.paths.stepped({ align: 1 })
              : undefined,
          points: { show: (u) => u.data[0].length < 3, size: 6 },
          value: (_u, v) => spec.fmt(v),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      hooks: {
        // Away from the cursor the legend shows the latest second, not a row of dashes.
        setLegend: [
          (u) => {
            // Live charts grow: away from the cursor it follows the newest point.
            const n = u.data[0].length;
            const away = u.legend.idx == null || !(u.cursor.left >= 0);
            if (away && n > 0 && u.legend.idx !== n - 1) u.setLegend({ idx: n - 1 }, false);
          },
        ],
      },
    };
  }

  function renderChartsPanel() {
    chartGrid = el('div', { class: 'chart-grid' });
    for (const spec of CHARTS) {
      const host = el('div', { class: 'chart', 'data-chart': spec.id });
      const empty = el('p', { class: 'note chart-empty', text: 'No data yet.' });
      const box = el(
        'div',
        { class: 'chart-card', hidden: true },
        el('h3', { text: spec.title }),
        host,
        empty,
      );
      chartGrid.append(box);
      charts.set(spec.id, { spec, box, host, empty, plot: null, key: '' });
    }
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        for (const c of charts.values()) {
          if (c.plot && c.host.clientWidth > 0)
            c.plot.setSize({ width: c.host.clientWidth, height: CHART_HEIGHT });
        }
      }).observe(chartGrid);
    }
    return panel('charts', 'Over time', chartGrid);
  }

  function updateCharts(doc) {
    for (const c of charts.values()) {
      const points = chartPoints(c.spec, doc);
      const shown = points !== null && (!c.spec.onlyIfChanging || changes(c.spec, points));
      c.box.hidden = !shown;
      if (!shown) continue;
      const data = chartData(c.spec, points);
      // Series only grow at their end (live) or never change (report): the length and the last
      // point tell whether to redraw, without serialising hours of points every second.
      const key = JSON.stringify([data[0].length, data.map((d) => d.at(-1)), view.final]);
      if (key === c.key) continue;
      c.key = key;
      const has = data[0].length > 0;
      c.empty.textContent =
        view.live && !view.final ? 'Waiting for the first second…' : 'No data in this run.';
      c.empty.hidden = has;
      c.host.hidden = !has;
      if (!has) continue;
      if (c.plot) c.plot.setData(data);
      else c.plot = new uPlot(chartOptions(c.spec, Math.max(c.host.clientWidth, 280)), data, c.host);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Endpoints, sortable by any column

  const EP_COLS = [
    { key: 'name', label: 'Endpoint', text: true, get: (ep) => str(ep.name) },
    { key: 'method', label: 'Method', text: true, get: methodOf },
    { key: 'count', label: 'Requests', get: (ep) => num(ep.count), fmt: fmtCount },
    { key: 'failures', label: 'Failures', get: (ep) => num(ep.failures), fmt: fmtCount },
    { key: 'rps', label: 'req/s', get: (ep) => num(ep.rps), fmt: fmtRate },
    { key: 'p50', label: 'p50', get: (ep) => num(obj(ep.latency).p50), fmt: fmtMs },
    { key: 'p95', label: 'p95', get: (ep) => num(obj(ep.latency).p95), fmt: fmtMs },
    { key: 'p99', label: 'p99', get: (ep) => num(obj(ep.latency).p99), fmt: fmtMs },
    { key: 'max', label: 'max', get: (ep) => num(obj(ep.latency).max), fmt: fmtMs },
    { key: 'mean', label: 'mean', get: (ep) => num(obj(ep.latency).mean), fmt: fmtMs },
  ];

  /** Document order until a header is clicked. */
  const sort = { key: null, dir: 'asc' };

  function sortedEndpoints(eps) {
    if (!sort.key) return eps;
    const col = EP_COLS.find((c) => c.key === sort.key);
    const sign = sort.dir === 'asc' ? 1 : -1;
    return eps
      .map((ep, i) => ({ ep, i, v: col.get(ep) }))
      .sort((a, b) => {
        // Missing values go last whichever the direction.
        if (a.v === null || a.v === '') return b.v === null || b.v === '' ? a.i - b.i : 1;
        if (b.v === null || b.v === '') return -1;
        const d = col.text ? a.v.localeCompare(b.v, EN) : a.v - b.v;
        return d === 0 ? a.i - b.i : sign * d;
      })
      .map((x) => x.ep);
  }

  function onSort(key) {
    const col = EP_COLS.find((c) => c.key === key);
    if (sort.key === key) sort.dir = sort.dir === 'asc' ? 'desc' : 'asc';
    else {
      sort.key = key;
      // Names read best A to Z; figures biggest first, as one looks for the slowest.
      sort.dir = col.text ? 'asc' : 'desc';
    }
    slots.endpoints.key = '';
    render();
  }

  function renderEndpoints(doc) {
    if (isMonitorOnly(doc)) return null;
    const eps = arr(doc.endpoints).map(obj);
    if (eps.length === 0) return panel('endpoints', 'Endpoints', note('No requests were recorded.'));
    const head = el(
      'tr',
      null,
      EP_COLS.map((c) =>
        el(
          'th',
          {
            'data-col': c.key,
            class: c.text ? 'text' : 'num',
            'aria-sort': sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none',
          },
          el(
            'button',
            { type: 'button', class: 'sort', onclick: () => onSort(c.key), title: `Sort by ${c.label}` },
            c.label,
            el('span', { class: 'arrow', text: sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : '' }),
          ),
        ),
      ),
    );
    const rows = sortedEndpoints(eps).map((ep) =>
      el(
        'tr',
        { 'data-endpoint': str(ep.name), class: num(ep.failures) > 0 ? 'has-failures' : null },
        EP_COLS.map((c) => {
          const v = c.get(ep);
          const td = fig('td', c.key, v, c.fmt ? c.fmt(v) : v || '-', c.text ? 'text' : 'num');
          if (c.key === 'name') td.setAttribute('title', str(ep.name));
          if (c.key === 'failures' && v > 0 && num(ep.count) > 0) {
            td.append(el('span', { class: 'sub', text: ` ${fmtPct(v / ep.count)}` }));
          }
          return td;
        }),
      ),
    );
    const m = obj(doc.metrics);
    const dur = obj(m.http_req_duration);
    const total = {
      name: 'All endpoints',
      method: '',
      count: num(obj(m.http_reqs).count),
      failures: num(obj(m.http_req_failed).fails),
      rps: num(obj(m.http_reqs).rate),
      p50: num(dur.p50),
      p95: num(dur.p95),
      p99: num(dur.p99),
      max: num(dur.max),
      mean: num(dur.mean),
    };
    const foot = el(
      'tr',
      { 'data-endpoint-total': true },
      EP_COLS.map((c) =>
        fig('td', c.key, total[c.key], c.fmt ? c.fmt(total[c.key]) : total[c.key], c.text ? 'text' : 'num'),
      ),
    );
    return panel(
      'endpoints',
      'Endpoints',
      el(
        'div',
        { class: 'table-wrap' },
        el(
          'table',
          { class: 'data endpoints' },
          el('thead', null, head),
          el('tbody', null, rows),
          eps.length > 1 ? el('tfoot', null, foot) : null,
        ),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Status codes and errors

  function statusClass(code) {
    const n = Number(code);
    if (n >= 500) return 's5';
    if (n >= 400) return 's4';
    if (n >= 300) return 's3';
    if (n >= 200) return 's2';
    return 's0';
  }

  function renderStatusCodes(doc) {
    const sums = new Map();
    let answered = 0;
    let total = 0;
    for (const ep of arr(doc.endpoints).map(obj)) {
      if (isNum(ep.count)) total += ep.count;
      for (const [code, n] of Object.entries(obj(ep.statusCodes))) {
        if (!isNum(n)) continue;
        sums.set(code, (sums.get(code) || 0) + n);
        answered += n;
      }
    }
    const rows = [...sums.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
    if (total > answered) rows.push(['none', total - answered]);
    if (rows.length === 0) return panel('status-codes', 'Status codes', note('No responses.'));
    const max = Math.max(...rows.map((r) => r[1]));
    return panel(
      'status-codes',
      'Status codes',
      el(
        'table',
        { class: 'data codes' },
        el('tbody', null, [
          ...rows.map(([code, n]) =>
            el(
              'tr',
              { 'data-status': code },
              el(
                'td',
                { class: 'text' },
                el('span', {
                  class: `code ${code === 'none' ? 's5' : statusClass(code)}`,
                  text: code === 'none' ? 'no response' : code,
                }),
              ),
              fig('td', 'count', n, fmtCount(n), 'num'),
              el('td', { class: 'bar-cell' }, bar(code === 'none' ? 's5' : statusClass(code), n / max)),
              el('td', { class: 'num muted', text: total > 0 ? fmtPct(n / total) : '' }),
            ),
          ),
        ]),
      ),
    );
  }

  /** A horizontal bar; its width goes through the style object, which needs no markup. */
  function bar(cls, ratio) {
    const b = el('div', { class: `bar ${cls}` });
    b.style.width = `${Math.max(1, ratio * 100)}%`;
    return b;
  }

  function renderErrors(doc) {
    const errors = arr(doc.errors).map(obj);
    if (errors.length === 0) return panel('errors', 'Errors', note('No errors.', 'ok'));
    return panel(
      'errors',
      'Errors',
      el(
        'ul',
        { class: 'errors' },
        errors.map((e) =>
          el(
            'li',
            { 'data-error': str(e.kind) },
            el(
              'div',
              { class: 'error-head' },
              fig('span', 'kind', str(e.kind), str(e.kind) || '?', 'error-kind'),
              fig('span', 'count', num(e.count), `${fmtCount(e.count)}×`, 'error-count'),
            ),
            e.example ? fig('code', 'example', str(e.example), str(e.example), 'error-example') : null,
          ),
        ),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Thresholds, checks, scenarios

  function renderThresholds(doc) {
    const th = arr(doc.thresholds).map(obj);
    if (th.length === 0) {
      return panel(
        'thresholds',
        'Thresholds',
        note(
          `No thresholds were set (add budgets with --threshold '${
            isMonitorOnly(doc) ? 'target_rss_growth_mb_per_min:value<5' : 'http_req_duration:p(95)<300'
          }').`,
        ),
      );
    }
    const metrics = obj(doc.metrics);
    return panel(
      'thresholds',
      'Thresholds',
      dataTable(
        'thresholds',
        [
          ['', 'text'],
          ['Metric', 'text'],
          ['Budget', 'text'],
          ['Actual', 'num'],
        ],
        th.map((t) =>
          el(
            'tr',
            {
              'data-metric': str(t.metric),
              'data-expr': str(t.expr),
              class: t.ok === false ? 'failed' : null,
            },
            fig(
              'td',
              'ok',
              t.ok === true || t.ok === false ? t.ok : null,
              t.ok === true ? '✓ passed' : t.ok === false ? '✗ failed' : '-',
              `text verdict ${t.ok === true ? 'ok' : t.ok === false ? 'bad' : ''}`,
            ),
            fig('td', 'metric', str(t.metric), str(t.metric), 'text mono'),
            fig('td', 'expr', str(t.expr), str(t.expr), 'text mono'),
            fig(
              'td',
              'actual',
              num(t.actual),
              fmtThresholdActual(t, metrics),
              `num ${isNum(t.actual) ? '' : 'muted'}`,
            ),
          ),
        ),
      ),
    );
  }

  function renderChecks(doc) {
    if (!Array.isArray(doc.checks)) return null;
    const checks = doc.checks.map(obj);
    if (checks.length === 0) return panel('checks', 'Checks', note('No checks ran.'));
    return panel(
      'checks',
      'Checks',
      dataTable(
        'checks',
        [
          ['Check', 'text'],
          ['Passed', 'num'],
          ['Failed', 'num'],
          ['Pass rate', 'num'],
        ],
        checks.map((c) => {
          const passes = num(c.passes);
          const fails = num(c.fails);
          const total = (passes || 0) + (fails || 0);
          return el(
            'tr',
            { 'data-check': str(c.name), class: fails > 0 ? 'failed' : null },
            fig('td', 'name', str(c.name), `${fails > 0 ? '✗' : '✓'} ${str(c.name)}`, 'text'),
            fig('td', 'passes', passes, fmtCount(passes), 'num'),
            fig('td', 'fails', fails, fmtCount(fails), `num ${fails > 0 ? 'bad' : ''}`),
            el('td', { class: 'num', text: total > 0 ? fmtPct((passes || 0) / total) : '-' }),
          );
        }),
      ),
    );
  }

  function renderScenarios(doc) {
    const entries = Object.entries(obj(doc.scenarios));
    if (entries.length === 0) return null;
    const cols = [
      ['iterations', 'Iterations'],
      ['failedIterations', 'Failed'],
      ['dropped', 'Dropped'],
      ['interrupted', 'Interrupted'],
      ['vusMax', 'Peak VUs'],
    ];
    return panel(
      'scenarios',
      'Scenarios',
      dataTable(
        'scenarios',
        [
          ['Scenario', 'text'],
          ...cols.map(([, label]) => [label, 'num']),
          ['Users (VUs · iterations)', 'text'],
        ],
        entries.map(([name, s0]) => {
          const s = obj(s0);
          const users = Object.entries(obj(s.users))
            .map(([u, x]) => `${u} (${fmtCount(obj(x).vus)} · ${fmtCount(obj(x).iterations)})`)
            .join(', ');
          return el(
            'tr',
            { 'data-scenario': name },
            el('td', { class: 'text', text: name }),
            cols.map(([k]) => fig('td', k, num(s[k]), fmtCount(s[k]), 'num')),
            el('td', { class: 'text muted', text: users || '-' }),
          );
        }),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Analyses: breaking point, spike recovery, the target's resources

  function renderAnalysis(doc) {
    const parts = [];
    if (doc.breakingPoint && typeof doc.breakingPoint === 'object') {
      const b = doc.breakingPoint;
      parts.push(
        el(
          'div',
          { class: 'analysis', id: 'breaking-point' },
          el('h3', { text: 'Breaking point' }),
          el('p', { class: 'lead', 'data-field': 'breakingPoint.reason', text: str(b.reason) || '-' }),
          kv([
            ['Broke at', 'breakingPoint.rate', num(b.rate), `${fmtRate(b.rate)}/s`],
            [
              'Last healthy rate',
              'breakingPoint.lastHealthyRate',
              num(b.lastHealthyRate),
              `${fmtRate(b.lastHealthyRate)}/s`,
            ],
            ['VUs then', 'breakingPoint.vus', num(b.vus), fmtCount(b.vus)],
            ['At', 'breakingPoint.atSec', num(b.atSec), clock(b.atSec)],
          ]),
        ),
      );
    }
    if (doc.spike && typeof doc.spike === 'object') {
      const s = doc.spike;
      const rec = num(s.recoverySec);
      parts.push(
        el(
          'div',
          { class: 'analysis', id: 'spike' },
          el('h3', { text: 'Spike' }),
          kv([
            ['Spike from', 'spike.startSec', num(s.startSec), clock(s.startSec)],
            ['Spike to', 'spike.endSec', num(s.endSec), clock(s.endSec)],
            ['Recovery', 'spike.recoverySec', rec, rec === null ? 'never recovered' : fmtSec(rec)],
          ]),
        ),
      );
    }
    return parts.length > 0
      ? panel('analysis', 'Analysis', el('div', { class: 'analysis-grid' }, parts))
      : null;
  }

  const VERDICTS = {
    healthy: { mark: '✓', text: 'Healthy: memory is flat', cls: 'ok', badge: 'target healthy' },
    leak: { mark: '✗', text: 'Memory leak suspected', cls: 'bad', badge: 'leak suspected' },
    inconclusive: { mark: '?', text: 'Inconclusive', cls: 'warn', badge: 'target inconclusive' },
    died: { mark: '✗', text: 'Died', cls: 'bad', badge: 'target died' },
  };
  const RESOURCE_VERDICTS = {
    healthy: { mark: '✓', text: 'healthy', cls: 'ok' },
    leak: { mark: '✗', text: 'leak', cls: 'bad' },
    inconclusive: { mark: '?', text: 'inconclusive', cls: 'warn' },
    // A resource of a process that died showed no leak while it lived: that is not "healthy".
    unseen: { mark: '–', text: 'no leak seen', cls: '' },
  };
  // What the reports say of a watched process: the rules every output uses (monitor-state.ts).
  const M = squallMonitor;

  /** The verdict of a monitor result; documents older than the verdict have only leakSuspected. */
  function verdictOf(m) {
    if (['healthy', 'leak', 'inconclusive'].includes(m.verdict)) return m.verdict;
    return m.leakSuspected === true ? 'leak' : null;
  }

  /** The headline: a leak names its resources; a process that died is never "healthy". */
  function stateOf(m) {
    const state = M.monitorState(m);
    return state === 'none' ? null : state;
  }

  function monitorExit(m) {
    const exit = obj(m).exit;
    return exit && typeof exit === 'object' ? exit : null;
  }

  /** `leak suspected: memory, fds`; documents older than per-resource verdicts judged memory alone. */
  function leakText(m, lead) {
    const leaks = M.monitorLeaks(m);
    return M.judgesResources(m) && leaks.length > 0 ? `${lead}: ${leaks.join(', ')}` : lead;
  }

  /** One line per resource judged: its verdict and its sentence. */
  function renderResources(m) {
    const judged = M.resourceVerdicts(m);
    if (judged.length === 0) return null;
    return el(
      'ul',
      { class: 'resources' },
      judged.map(({ resource, r }) => {
        const v = RESOURCE_VERDICTS[M.resourceState(m, r)];
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
  function renderWarnings(m) {
    const warnings = M.monitorWarnings(m);
    if (warnings.length === 0) return null;
    return el(
      'ul',
      { class: 'monitor-warnings' },
      warnings.map((w) => el('li', { 'data-field': 'monitor.warning', text: `⚠ ${w}` })),
    );
  }

  function signed(v, digits) {
    return isNum(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : '-';
  }

  /** `12 → 14`, with its growth per minute (after the warm-up, if one was found); '-' when not counted. */
  function countRange(start, end, perMin, resource) {
    if (!isNum(start) || !isNum(end)) return '-';
    const after = resource?.warmupSource === 'none' ? '' : ' after the warm-up';
    return `${fmtCount(start)} → ${fmtCount(end)}${isNum(perMin) ? ` (${signed(perMin, perMin === 0 ? 0 : 1)}/min${after})` : ''}`;
  }

  function exitText(exit, service) {
    const how =
      typeof exit.signal === 'string' && exit.signal !== ''
        ? `was killed by ${exit.signal}`
        : isNum(exit.code)
          ? `exited with code ${exit.code}`
          : 'went away';
    const when = isNum(exit.atSec) ? ` ${fmtSec(exit.atSec)} into monitoring` : '';
    return `The ${service ? 'service' : 'watched process'} ${how}${when}.`;
  }

  /** The monitored process: the verdict and its reasons first, then the figures they rest on. */
  function renderMonitor(doc) {
    if (!doc.monitor || typeof doc.monitor !== 'object') return null;
    const m = doc.monitor;
    const verdict = verdictOf(m);
    const state = stateOf(m);
    const cmd = typeof m.cmd === 'string' && m.cmd !== '' ? m.cmd : null;
    const exit = monitorExit(m);
    let v = state ? VERDICTS[state] : { mark: '✓', text: 'No leak suspected', cls: 'ok' };
    if (state === 'leak' && M.judgesResources(m)) v = { ...v, text: leakText(m, 'Leak suspected') };
    if (state === 'died')
      v = { ...v, text: `Died: ${exitText(exit, cmd !== null).replace(/^The /, 'the ')}` };
    // With per-resource verdicts, "healthy" covers every resource judged, not memory alone.
    const judged = M.resourceVerdicts(m);
    if (state === 'healthy' && judged.length > 0)
      v = { ...v, text: `Healthy: no leak in ${judged.map(({ resource }) => resource).join(', ')}` };
    const soFar = view.live && !view.final ? ' (so far)' : '';
    const samples = arr(m.samples).map(obj);
    const processes = Math.max(0, ...samples.map((x) => (isNum(x.processes) ? x.processes : 0)));
    const ci = arr(m.rssGrowthCiMbPerMin);
    const hasCi = ci.length === 2 && ci.every(isNum);
    const settled = m.settled === true ? 'yes' : m.settled === false ? 'no, still growing' : '-';
    const tail = exit ? arr(exit.tail).map(str) : [];
    const rows = [
      ['PID', 'monitor.pid', num(m.pid), str(m.pid) || '-'],
      ['Processes', 'monitor.processes', processes || null, processes > 0 ? fmtCount(processes) : '-'],
      ['RSS at start', 'monitor.rssStartMb', num(m.rssStartMb), fmtMb(m.rssStartMb)],
      ['RSS peak', 'monitor.rssPeakMb', num(m.rssPeakMb), fmtMb(m.rssPeakMb)],
      ['RSS at end', 'monitor.rssEndMb', num(m.rssEndMb), fmtMb(m.rssEndMb)],
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
        hasCi ? `${signed(ci[0], 2)} to ${signed(ci[1], 2)} MiB/min` : '-',
      ],
      ['Settled', 'monitor.settled', typeof m.settled === 'boolean' ? m.settled : null, settled],
      ['Warm-up', 'monitor.warmupSec', num(m.warmupSec), fmtSec(m.warmupSec)],
      [
        'CPU avg',
        'monitor.cpuAvgPct',
        num(m.cpuAvgPct),
        isNum(m.cpuAvgPct) ? `${fmtNum(m.cpuAvgPct)}%` : '-',
      ],
      [
        'CPU peak',
        'monitor.cpuPeakPct',
        num(m.cpuPeakPct),
        isNum(m.cpuPeakPct) ? `${fmtNum(m.cpuPeakPct)}%` : '-',
      ],
      [
        'Threads, first → last sample',
        'monitor.threads',
        isNum(m.threadsStart) && isNum(m.threadsEnd) ? `${m.threadsStart},${m.threadsEnd}` : null,
        countRange(m.threadsStart, m.threadsEnd, m.threadsGrowthPerMin, m.resources?.threads),
      ],
      [
        'Open files, first → last sample',
        'monitor.fds',
        isNum(m.fdsStart) && isNum(m.fdsEnd) ? `${m.fdsStart},${m.fdsEnd}` : null,
        countRange(m.fdsStart, m.fdsEnd, m.fdsGrowthPerMin, m.resources?.fds),
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
            fig(
              'p',
              'monitor.exit',
              exit.code ?? exit.signal ?? '',
              exitText(exit, cmd !== null),
              'exit-line',
            ),
            tail.length > 0
              ? el('pre', { class: 'tail', 'data-field': 'monitor.exit.tail', text: tail.join('\n') })
              : null,
          )
        : null,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Every metric, and the configuration

  function renderMetrics(doc) {
    // A monitor document's HTTP metrics are there only to keep the schema, and are empty.
    if (isMonitorOnly(doc)) return null;
    const entries = Object.entries(obj(doc.metrics)).sort((a, b) => a[0].localeCompare(b[0], EN));
    if (entries.length === 0) return null;
    return el(
      'section',
      { class: 'panel', id: 'metrics' },
      el(
        'details',
        { 'data-key': 'metrics' },
        el('summary', null, el('h2', { text: `All metrics (${entries.length})` })),
        el(
          'table',
          { class: 'data metrics' },
          el(
            'tbody',
            null,
            entries.map(([name, v]) =>
              el(
                'tr',
                { 'data-metric': name },
                el('td', { class: 'text mono', text: name }),
                el('td', { class: 'text muted', text: kindOf(v) }),
                el('td', { class: 'text mono', text: metricSummary(name, v) }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function renderConfig(doc) {
    if (!doc.config || typeof doc.config !== 'object') return null;
    return el(
      'section',
      { class: 'panel', id: 'config' },
      el(
        'details',
        { open: true, 'data-key': 'config' },
        el('summary', null, el('h2', { text: 'Configuration' })),
        el('pre', { class: 'config', 'data-field': 'config', text: JSON.stringify(doc.config, null, 2) }),
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // The page: slots re-drawn only when their part of the document changed, so a live update
  // once a second keeps the charts, the table's sort and an open <details> as they were.

  const view = {
    doc: null,
    live: null,
    /** connecting | running | stopping | finished | disconnected (live only) */
    state: 'report',
    final: false,
    elapsedMs: null,
    totalMs: null,
    /** A sentence about what went wrong (live only): a lost connection, a failed stop. */
    problem: '',
  };

  /** What the monitor panel shows, without serialising every sample once a second. */
  function monitorKey(d) {
    const m = d.monitor && typeof d.monitor === 'object' ? d.monitor : null;
    return m ? { ...m, samples: arr(m.samples).length } : null;
  }

  const SLOT_ORDER = [
    [
      'header',
      (d) => [
        d.version,
        d.startedAt,
        d.endedAt,
        d.durationSec,
        d.endReason,
        d.passed,
        d.config,
        obj(d.monitor).pid,
        obj(d.monitor).cmd,
        obj(d.monitor).verdict,
        obj(d.monitor).leakSuspected,
        obj(d.monitor).leaks,
        obj(d.monitor).exit,
      ],
    ],
    [
      'banner',
      (d) => [
        obj(d.metrics).http_reqs,
        obj(d.metrics).http_req_failed,
        d.generator,
        d.config,
        obj(d.monitor).warnings,
      ],
    ],
    // A monitor document's process comes first, with its verdict, where a load test has its cards.
    ['target', (d) => [isMonitorOnly(d) && monitorKey(d)]],
    ['cards', (d) => [d.metrics, d.thresholds, d.config]],
    ['charts', null],
    ['endpoints', (d) => [d.endpoints, d.metrics, sort, d.config]],
    ['codes-errors', (d) => [d.endpoints, d.errors, d.config]],
    ['thresholds', (d) => [d.thresholds, d.metrics, d.config]],
    ['checks', (d) => [d.checks]],
    ['scenarios', (d) => [d.scenarios]],
    ['analysis', (d) => [d.breakingPoint, d.spike]],
    ['monitor', (d) => [!isMonitorOnly(d) && monitorKey(d)]],
    ['metrics', (d) => [d.metrics, d.config]],
    ['config', (d) => [d.config]],
  ];

  const BUILDERS = {
    header: renderHeader,
    banner: renderBanner,
    cards: renderCards,
    endpoints: renderEndpoints,
    'codes-errors': (d) =>
      isMonitorOnly(d) ? null : el('div', { class: 'two-col' }, renderStatusCodes(d), renderErrors(d)),
    thresholds: renderThresholds,
    checks: renderChecks,
    scenarios: renderScenarios,
    analysis: renderAnalysis,
    target: (d) => (isMonitorOnly(d) ? renderMonitor(d) : null),
    monitor: (d) => (isMonitorOnly(d) ? null : renderMonitor(d)),
    metrics: renderMetrics,
    config: renderConfig,
  };

  const slots = {};
  const app = document.getElementById('app');
  const main = el('main', { class: 'page' });

  function mount(live) {
    app.textContent = '';
    app.append(main);
    for (const [name] of SLOT_ORDER) {
      const holder = el('div', { class: `slot slot-${name}` });
      main.append(holder);
      slots[name] = { holder, key: '' };
      if (name === 'header' && live) main.append(liveBar());
    }
    slots.charts.holder.append(renderChartsPanel());
    main.append(el('footer', { class: 'foot', text: 'Generated by squall' }));
  }

  function render() {
    const doc = view.doc;
    if (!doc) return;
    for (const [name, deps] of SLOT_ORDER) {
      if (!deps) continue;
      const slot = slots[name];
      const key = JSON.stringify([deps(doc), view.state, view.final]);
      if (key === slot.key) continue;
      slot.key = key;
      // A <details> the reader opened or closed stays so when its content is redrawn.
      const folded = new Map();
      for (const d of slot.holder.querySelectorAll('details[data-key]')) folded.set(d.dataset.key, d.open);
      const node = BUILDERS[name](doc);
      slot.holder.replaceChildren(...(node ? [node] : []));
      for (const d of slot.holder.querySelectorAll('details[data-key]')) {
        if (folded.has(d.dataset.key)) d.open = folded.get(d.dataset.key);
      }
    }
    updateCharts(doc);
    if (view.live) updateLiveBar();
    document.title = pageTitle(doc);
  }

  // ------------------------------------------------------------------------------------------
  // Live mode: frames from the dashboard's /events, a Stop button

  const liveParts = {};

  function liveBar() {
    liveParts.fill = el('div', { class: 'progress-fill' });
    liveParts.elapsed = fig('span', 'elapsed', null, '', 'elapsed');
    liveParts.stop = el('button', { type: 'button', class: 'stop', onclick: onStop }, 'Stop test');
    liveParts.problem = el('span', { class: 'problem', role: 'status' });
    return el(
      'div',
      { class: 'live-bar' },
      el('div', { class: 'progress' }, liveParts.fill),
      liveParts.elapsed,
      liveParts.problem,
      liveParts.stop,
    );
  }

  function updateLiveBar() {
    if (!liveParts.fill) return;
    // Once finished, the run's own duration against the planned one: a stopped run shows how far
    // it got.
    const durationSec = num(obj(view.doc).durationSec);
    const elapsed = view.final ? (durationSec === null ? null : durationSec * 1000) : view.elapsedMs;
    const total = view.totalMs;
    const ratio = isNum(elapsed) && isNum(total) && total > 0 ? Math.min(1, elapsed / total) : null;
    liveParts.fill.style.width = ratio === null ? '100%' : `${(ratio * 100).toFixed(1)}%`;
    liveParts.fill.classList.toggle('indeterminate', ratio === null && !view.final);
    liveParts.elapsed.setAttribute('data-value', isNum(elapsed) ? String(elapsed) : '');
    const of = isNum(total) ? ` of ${clock(Math.round(total / 1000))}` : '';
    liveParts.elapsed.textContent = isNum(elapsed) ? `${clock(Math.round(elapsed / 1000))}${of}` : '';
    const stop = liveParts.stop;
    stop.hidden = view.final;
    stop.disabled = view.state !== 'running';
    stop.textContent = view.state === 'stopping' ? 'stopping…' : 'Stop test';
    liveParts.problem.textContent = view.problem;
  }

  async function onStop() {
    if (view.state === 'stopping' || view.final) return;
    const previous = view.state;
    view.state = 'stopping';
    view.problem = '';
    render();
    try {
      const res = await fetch('stop', { method: 'POST', headers: { 'X-Squall-Token': view.live.token } });
      if (!res.ok) throw new Error(`the dashboard answered ${res.status}`);
    } catch (e) {
      if (view.final) return;
      view.state = previous;
      view.problem = `Could not stop the test: ${e.message}`;
      render();
    }
  }

  /** The page's copy of the growing series: messages carry only the points it lacks. */
  const held = { timeline: [], samples: [] };

  function splice(list, start, points) {
    return list.slice(0, Math.min(start, list.length)).concat(arr(points));
  }

  function onFrame(msg) {
    if (view.final) return;
    const doc = obj(msg.doc);
    held.timeline = splice(held.timeline, msg.timelineStart, doc.timeline);
    const monitor = doc.monitor && typeof doc.monitor === 'object' ? doc.monitor : null;
    if (monitor) held.samples = splice(held.samples, msg.samplesStart, monitor.samples);
    view.doc = {
      ...doc,
      timeline: held.timeline,
      monitor: monitor ? { ...monitor, samples: held.samples } : null,
    };
    view.elapsedMs = num(msg.elapsedMs);
    view.totalMs = num(msg.totalMs);
    if (view.state !== 'stopping') {
      view.state = 'running';
      view.problem = '';
    }
    render();
  }

  function onFinal(doc) {
    view.final = true;
    view.state = 'finished';
    view.doc = obj(doc);
    render();
  }

  function startLive(live) {
    view.live = live;
    view.state = 'connecting';
    view.doc = { metrics: {}, endpoints: [], errors: [], timeline: [], thresholds: [], monitor: null };
    render();
    const events = new EventSource('events');
    events.addEventListener('frame', (e) => onFrame(JSON.parse(e.data)));
    events.addEventListener('final', (e) => {
      // The run is over and its server is about to close: no reconnecting.
      events.close();
      onFinal(JSON.parse(e.data));
    });
    events.addEventListener('error', () => {
      if (view.final) return;
      // EventSource reconnects by itself; the next frame sets the state back to running.
      view.state = 'disconnected';
      view.problem = 'Lost the connection to squall; the test may have ended.';
      render();
    });
  }

  // ------------------------------------------------------------------------------------------

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const live = readJson('squall-live');
  mount(live);
  if (live) {
    startLive(live);
  } else {
    view.doc = obj(readJson('squall-result'));
    render();
  }
})();
