import type { ResultDocument } from '../result/schema.js';

/** One file a reporter writes: its name is the `-o` path with `suffix` appended. */
export interface RenderedFile {
  suffix: string;
  text: string;
}

/**
 * A file reporter: renders a result document, and nothing else, into one or more files. The
 * `-o KIND=PATH` of every command and `squall report` find it here by its kind or an alias.
 */
export interface FileReporter {
  kind: string;
  aliases: readonly string[];
  /** The extension its file usually has (`-o csv=PREFIX` appends its own to each file). */
  extension: string;
  /** What it writes, and an `-o` path for it, for help texts. */
  description: string;
  example: string;
  /**
   * The suffixes of every file it may write after the `-o` path, known before anything is
   * rendered so that every output is checked writable before the load starts: `['']` for one
   * file. A document gets those its `render` returns (a sweep's CSV is one file of the four).
   */
  suffixes: readonly string[];
  /** Its files for this document, each with its suffix. The renderer is loaded on first use (start-up stays lean). */
  render(doc: ResultDocument): Promise<RenderedFile[]>;
}

const one = (text: string): RenderedFile[] => [{ suffix: '', text }];

/** Locust's three CSV files (`--csv PREFIX`). */
const CSV_SUFFIXES = ['_stats.csv', '_stats_history.csv', '_failures.csv'] as const;
/** A sweep's one CSV file, in place of Locust's three (a row per level). */
const SWEEP_CSV_SUFFIX = '_sweep.csv';

export const FILE_REPORTERS: readonly FileReporter[] = [
  {
    kind: 'json',
    aliases: [],
    extension: '.json',
    description: 'the result document',
    example: 'r.json',
    suffixes: [''],
    render: async (doc) => one((await import('./json.js')).renderJson(doc)),
  },
  {
    kind: 'html',
    aliases: [],
    extension: '.html',
    description: 'a self-contained HTML report',
    example: 'r.html',
    suffixes: [''],
    render: async (doc) => one((await import('./html/render.js')).renderHtml(doc)),
  },
  {
    kind: 'csv',
    aliases: [],
    extension: '.csv',
    description:
      "Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv; a sweep's PREFIX_sweep.csv",
    example: 'PREFIX',
    suffixes: [...CSV_SUFFIXES, SWEEP_CSV_SUFFIX],
    render: async (doc) => {
      const m = await import('./csv.js');
      const sweep = m.renderSweepCsv(doc);
      if (sweep !== undefined) return [{ suffix: SWEEP_CSV_SUFFIX, text: sweep }];
      const c = m.renderCsv(doc);
      return [c.stats, c.history, c.failures].map((text, i) => ({ suffix: CSV_SUFFIXES[i]!, text }));
    },
  },
  {
    kind: 'junit',
    aliases: [],
    extension: '.xml',
    description: 'JUnit XML for CI test reports',
    example: 'r.xml',
    suffixes: [''],
    render: async (doc) => one((await import('./junit.js')).renderJunit(doc)),
  },
  {
    kind: 'md',
    aliases: ['markdown'],
    extension: '.md',
    description: 'a Markdown summary',
    example: 'r.md',
    suffixes: [''],
    render: async (doc) => one((await import('./markdown.js')).renderMarkdown(doc)),
  },
  {
    kind: 'bencher',
    aliases: [],
    extension: '.json',
    description: 'Bencher Metric Format JSON (`bencher run --adapter json --file bmf.json`)',
    example: 'bmf.json',
    suffixes: [''],
    render: async (doc) => one((await import('./bencher.js')).renderBencher(doc)),
  },
  {
    kind: 'github-benchmark',
    aliases: [],
    extension: '.json',
    description: "github-action-benchmark's JSON (tool: 'customSmallerIsBetter')",
    example: 'gab.json',
    suffixes: [''],
    render: async (doc) => one((await import('./github-benchmark.js')).renderGithubBenchmark(doc)),
  },
];

/** The reporter for an `-o` kind or alias; undefined for live outputs and unknown kinds. */
export function fileReporter(kind: string): FileReporter | undefined {
  return FILE_REPORTERS.find((r) => r.kind === kind || r.aliases.includes(kind));
}

/** Every name `-o` accepts for a file output: kinds, then aliases. */
export function fileReporterKinds(): string[] {
  return [...FILE_REPORTERS.map((r) => r.kind), ...FILE_REPORTERS.flatMap((r) => r.aliases)];
}
