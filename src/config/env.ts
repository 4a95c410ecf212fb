import type { ConfigIssue, PathSegment } from '../errors/issues.js';

/**
 * `${env.NAME}` in a YAML or JSON test's strings (target, headers, …) takes the value of `-e
 * NAME=…` or of the process environment. Flows are left alone: their templates read the env at
 * run time, next to the values they capture (flow.ts).
 */

/**
 * `${env.NAME}`, `${env.NAME:-default}`, and `$${` for a literal `${`: the flow templates' syntax
 * (flow-template.ts), so a value means the same inside and outside flows.
 */
const REFERENCE = /\$\$\{|\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Keys whose values are flows, compiled later with their own substitution. */
const FLOW_KEYS = new Set(['flow']);

export function substituteString(
  text: string,
  env: Readonly<Record<string, string>>,
  onMissing: (name: string) => void,
): string {
  return text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const value = env[name] ?? fallback;
    if (value === undefined) {
      onMissing(name);
      return whole;
    }
    return value;
  });
}

/**
 * A copy of `data` with every `${env.NAME}` replaced, outside flows. A name that is not set is
 * an issue (a missing token would otherwise go out as the literal text).
 */
export function substituteEnv(
  data: unknown,
  env: Readonly<Record<string, string>>,
  issues: ConfigIssue[],
  path: PathSegment[] = [],
): unknown {
  if (typeof data === 'string') {
    return substituteString(data, env, (name) =>
      issues.push({
        code: 'SQ_CONFIG_MISSING_ENV',
        path,
        message: `\${env.${name}} is not set`,
        hint: `pass -e ${name}=… or set ${name} in the environment, or give a default: \${env.${name}:-value}`,
      }),
    );
  }
  if (Array.isArray(data)) return data.map((item, i) => substituteEnv(item, env, issues, [...path, i]));
  if (data !== null && typeof data === 'object') {
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [
        k,
        FLOW_KEYS.has(k) ? v : substituteEnv(v, env, issues, [...path, k]),
      ]),
    );
  }
  return data;
}

/** The process environment without unset entries. */
export function definedEnv(processEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) out[k] = v;
  return out;
}
