/** Picks the samples whose tags carry every `key: value` of a threshold's filter. */
export function tagsMatch(
  tags: Readonly<Record<string, string>>,
  filter: Readonly<Record<string, string>>,
  skip?: ReadonlySet<string>,
): boolean {
  for (const k in filter) {
    if (skip?.has(k)) continue;
    if (tags[k] !== filter[k]) return false;
  }
  return true;
}
