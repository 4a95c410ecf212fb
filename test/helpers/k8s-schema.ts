import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';

/**
 * A Kubernetes manifest document checked against the Kubernetes API's own schema, as the models
 * of `kubernetes-models` carry it (generated from the API's OpenAPI document): types, required
 * fields, enums and formats, by the package's validators. Those accept fields the schema does not
 * name, which the API server refuses (kubectl's strict field validation): each document is
 * validated through a proxy that records which fields the validators read, and a field they
 * never read, in an object whose keys they never listed (a map's), is unknown to the schema.
 */

interface Validating {
  prototype: { validate(): void };
}

const MODELS: Record<string, Validating> = {
  'v1/ConfigMap': ConfigMap,
  'batch/v1/Job': Job,
};

/** A deep copy of `value` whose objects report, in `unread`, each key no one has read. */
function tracked(value: unknown, path: string, unread: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${path}/${i}`, unread));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  for (const k of keys) unread.add(`${path}/${k}`);
  const copy = Object.fromEntries(
    keys.map((k) => [k, tracked((value as Record<string, unknown>)[k], `${path}/${k}`, unread)]),
  );
  const read = (k: string | symbol) => {
    if (typeof k === 'string') unread.delete(`${path}/${k}`);
  };
  return new Proxy(copy, {
    get(target, k, receiver) {
      read(k);
      return Reflect.get(target, k, receiver);
    },
    has(target, k) {
      read(k);
      return Reflect.has(target, k);
    },
    // Listing the keys is what a map's validator does (labels, a ConfigMap's data): all known.
    ownKeys(target) {
      for (const k of keys) read(k);
      return Reflect.ownKeys(target);
    },
  });
}

/** Every problem of one document: [] when the API would take it. */
export function k8sSchemaProblems(doc: unknown): string[] {
  const { apiVersion, kind } = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown };
  const model = MODELS[`${String(apiVersion)}/${String(kind)}`];
  if (model === undefined) return [`no model for apiVersion ${String(apiVersion)}, kind ${String(kind)}`];
  const unread = new Set<string>();
  try {
    model.prototype.validate.call(tracked(doc, '', unread));
  } catch (e) {
    return [(e as Error).message];
  }
  return [...unread].map((path) => `${path}: a field the ${String(kind)} schema does not have`);
}
