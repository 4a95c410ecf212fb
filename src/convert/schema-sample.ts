/**
 * A value that fits a JSON Schema (as OpenAPI and Swagger use it), for a request an imported test
 * sends: the schema's own example, default, const or first enum value where it gives one, else a
 * made-up value of the right type and format. Deterministic, so two imports of a spec agree.
 */

type Schema = Record<string, unknown>;

/** How deep objects and arrays are filled (a recursive schema stops here). */
const MAX_DEPTH = 6;

const FORMATS: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '12:00:00',
  email: 'user@example.com',
  uuid: '00000000-0000-4000-8000-000000000001',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'c3F1YWxs',
  password: 'secret',
};

/** The value the schema documents, if any: example, examples[0], default, const, enum[0]. */
export function documentedValue(schema: Schema): { value: unknown } | undefined {
  if ('example' in schema && schema.example !== undefined) return { value: schema.example };
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { value: schema.examples[0] };
  if ('default' in schema && schema.default !== undefined) return { value: schema.default };
  if ('const' in schema) return { value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { value: schema.enum[0] };
  return undefined;
}

/**
 * A sample value of `schema`. `direction` leaves out readOnly properties from a request (and
 * writeOnly from a response). A `$ref` left in place (a circular one) gives null.
 */
export function sampleOf(schema: unknown, direction: 'request' | 'response' = 'request'): unknown {
  return sample(schema, direction, 0, new Set());
}

function sample(
  schema: unknown,
  direction: 'request' | 'response',
  depth: number,
  path: Set<unknown>,
): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return null;
  const s = schema as Schema;
  const documented = documentedValue(s);
  if (documented) return documented.value;
  if (path.has(s) || depth > MAX_DEPTH || typeof s.$ref === 'string') return null;
  path.add(s);
  try {
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      const parts = s.allOf.map((p) => sample(p, direction, depth, path));
      if (parts.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p)))
        return Object.assign({}, ...parts, objectSample(s, direction, depth, path) ?? {});
      return parts.find((p) => p !== null) ?? null;
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const list = s[key];
      if (Array.isArray(list) && list.length > 0) {
        const first = list.find((x) => (x as Schema)?.type !== 'null') ?? list[0];
        return sample(first, direction, depth, path);
      }
    }
    const type = typeOf(s);
    switch (type) {
      case 'object':
        return objectSample(s, direction, depth, path) ?? {};
      case 'array': {
        const item = sample(s.items, direction, depth + 1, path);
        const min = typeof s.minItems === 'number' ? Math.max(1, s.minItems) : 1;
        return Array.from({ length: Math.min(min, 5) }, () => item);
      }
      case 'integer':
        return numberSample(s, true);
      case 'number':
        return numberSample(s, false);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return stringSample(s);
    }
  } finally {
    path.delete(s);
  }
}

function typeOf(s: Schema): string {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (s.properties !== undefined || s.additionalProperties !== undefined) return 'object';
  if (s.items !== undefined) return 'array';
  return 'string';
}

function objectSample(
  s: Schema,
  direction: 'request' | 'response',
  depth: number,
  path: Set<unknown>,
): Record<string, unknown> | undefined {
  const props = s.properties;
  if (props === null || typeof props !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props as Record<string, unknown>)) {
    const ps = (p ?? {}) as Schema;
    if (direction === 'request' && ps.readOnly === true) continue;
    if (direction === 'response' && ps.writeOnly === true) continue;
    out[name] = sample(ps, direction, depth + 1, path);
  }
  return out;
}

function numberSample(s: Schema, integer: boolean): number {
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const exMin = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  let v = min ?? (exMin !== undefined ? exMin + 1 : 1);
  if (max !== undefined && v > max) v = max;
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) v = Math.ceil(v / s.multipleOf) * s.multipleOf;
  return integer ? Math.ceil(v) : v;
}

function stringSample(s: Schema): string {
  const format = typeof s.format === 'string' ? s.format : '';
  let v = FORMATS[format] ?? 'string';
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined;
  if (v.length < min) v = v.padEnd(min, 'x');
  if (max !== undefined && v.length > max) v = v.slice(0, Math.max(max, min));
  return v;
}
