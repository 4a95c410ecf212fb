/**
 * Edit distance (insertions, deletions, substitutions) between two strings, by code point so
 * that `µs` counts as two characters, not three.
 */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  // Two rows are enough: each row depends only on the one above it.
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let curr = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[t.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close enough to be a likely typo.
 * Case is ignored (`HTTP_REQS` is surely `http_reqs`). The default bound, a third of the input's
 * length and at least 1, keeps short inputs from matching everything.
 */
export function suggest(
  input: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(1, Math.floor(Array.from(input).length / 3)),
): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = levenshtein(needle, candidate.toLowerCase());
    // Strict `<` keeps the first of equally close candidates, so the answer is deterministic.
    if (d <= maxDistance && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean 'x'?` for a message, or undefined when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const best = suggest(input, candidates);
  return best === undefined ? undefined : `did you mean '${best}'?`;
}
