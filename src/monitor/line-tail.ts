/**
 * The last lines a process printed, for error messages: a fixed number of lines, each cut to a
 * bounded length, so a chatty or binary-spewing service cannot grow squall's memory.
 */

export const DEFAULT_TAIL_LINES = 40;
const MAX_LINE_CHARS = 400;

export class LineTail {
  private readonly lines: string[] = [];
  /** The unfinished last line of each stream (stdout and stderr interleave line by line). */
  private readonly partial = new Map<string, string>();

  constructor(private readonly max = DEFAULT_TAIL_LINES) {}

  /** Adds a chunk of one stream's output. */
  push(stream: string, chunk: string): void {
    const text = (this.partial.get(stream) ?? '') + chunk;
    const parts = text.split(/\r?\n/);
    const rest = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    this.partial.set(stream, rest.length > MAX_LINE_CHARS ? rest.slice(-MAX_LINE_CHARS) : rest);
  }

  private add(line: string): void {
    this.lines.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  /** The last lines, unfinished ones included, without trailing blank lines. */
  get(): string[] {
    const all = [...this.lines, ...[...this.partial.values()].filter((p) => p !== '')];
    const out = all.slice(-this.max);
    while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
    return out;
  }
}

/** The tail for a message: indented lines, or a note that there was no output. */
export function formatTail(lines: readonly string[]): string {
  if (lines.length === 0) return 'it printed nothing';
  return `its last output:\n${lines.map((l) => `    | ${l}`).join('\n')}`;
}
