import type { ErrorGroup } from '../result/schema.js';
import { redactText } from '../util/redact.js';

/** Errors grouped by kind, each with its count and the first example seen. */
export class ErrorLog {
  private readonly groups = new Map<string, ErrorGroup>();

  /** Counts one more of a kind already seen; false when the kind is new (then call add). */
  bump(kind: string): boolean {
    const g = this.groups.get(kind);
    if (!g) return false;
    g.count++;
    return true;
  }

  add(kind: string, example: string, count = 1): void {
    const g = this.groups.get(kind);
    if (g) g.count += count;
    // An error's text may quote the URL or a header it was sent with: recorded redacted, once per kind.
    else this.groups.set(kind, { kind: redactText(kind), count, example: redactText(example) });
  }

  get total(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.count;
    return n;
  }

  /** Most frequent first. */
  toArray(): ErrorGroup[] {
    return [...this.groups.values()].map((g) => ({ ...g })).sort((a, b) => b.count - a.count);
  }

  merge(other: ErrorLog): void {
    for (const g of other.groups.values()) this.add(g.kind, g.example, g.count);
  }
}
