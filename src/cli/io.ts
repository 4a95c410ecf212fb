/** Repeatable flags: commander hands each value to this with the list so far. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
