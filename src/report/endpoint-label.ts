/**
 * Endpoints are keyed by (method, name): `GET items` and `POST items` are two rows. A table that
 * shows only names would show `items` twice, so a name shared by endpoints of several methods
 * is shown with its method in front; a name of its own (`GET /health`, `login`) as it is.
 */
export function endpointLabeller(
  endpoints: ReadonlyArray<{ name?: unknown; method?: unknown }>,
): (e: { name?: unknown; method?: unknown }) => string {
  const seen = new Map<string, number>();
  for (const e of endpoints) {
    const name = String(e.name ?? '');
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return (e) => {
    const name = String(e.name ?? '');
    const method = typeof e.method === 'string' ? e.method : '';
    if ((seen.get(name) ?? 0) < 2 || method === '' || name.startsWith(`${method} `)) return name;
    return `${method} ${name}`;
  };
}
