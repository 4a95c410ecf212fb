/**
 * The one place that decides what is a secret in what squall records or prints: result
 * documents (and so every report rendered from them), stderr, the dashboard. Requests still
 * carry the real values: only copies meant for people and files go through here.
 */

export const REDACTED = '[redacted]';

/** Header, query parameter, flag and variable names that are secrets whatever their value. */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'auth',
  'sig',
]);

/** …and names that contain one of these (`X-Auth-Token`, `access_token`, `DB_PASSWORD`, `apiKey`). */
const SECRET_PART =
  /token|secret|passw(?:or)?d|api[-_]?key|private[-_]?key|credential|signature|session[-_]?id/i;

/** Whether a value named so (header, query parameter, `--flag`, `VAR=`, JSON key) is a secret. */
export function isSecretName(name: string): boolean {
  const n = name.replace(/^-+/, '').toLowerCase();
  return SECRET_NAMES.has(n) || SECRET_PART.test(n);
}

/**
 * `scheme://user:password@`: the password goes, the user stays (it tells runs apart). The
 * password runs to the last `@` before the path, as URL parsers read it.
 */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:'"]*):([^\s/?#'"]*)@/gi;
/** `"name": "value"` in JSON text (a response body quoted in an error, say). */
const JSON_PAIR = /"([^"\\\s]{1,100})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/** `name=value`: query parameters, `--flag=value`, `VAR=value` in a command line. */
const ASSIGNMENT = /(?<![\w.-])([\w.-]+)=([^\s&#;'",]+)/g;
/** `Name: value` as a header is written, up to the end of the line or a closing quote. */
const HEADER_LINE = /(?<![\w-])([\w-]+):[ \t]+([^\r\n'"]+)/g;
/** `--flag value` in a command line. */
const FLAG_VALUE = /(^|\s)(--?[\w-]+)[ \t]+(?!-)([^\s'"]+)/g;
/** A credential after its scheme, wherever it stands. */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)[ \t]+[A-Za-z0-9._~+/-]+=*/g;

/**
 * Any text squall records or prints (a URL, an error message, a command line, a header line)
 * with the secrets in it replaced by `[redacted]`: URL passwords, and the values of secret-named
 * query parameters, headers, JSON keys, `--flags` and `VAR=` assignments, and Bearer/Basic
 * credentials. Idempotent; runs off the hot path (once per endpoint, error kind or line).
 */
export function redactText(text: string): string {
  return text
    .replace(URL_USERINFO, (_, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(JSON_PAIR, (all, name: string, sep: string) =>
      isSecretName(name) ? `"${name}"${sep}"${REDACTED}"` : all,
    )
    .replace(ASSIGNMENT, (all, name: string) => (isSecretName(name) ? `${name}=${REDACTED}` : all))
    .replace(HEADER_LINE, (all, name: string) => (isSecretName(name) ? `${name}: ${REDACTED}` : all))
    .replace(FLAG_VALUE, (all, lead: string, flag: string) =>
      isSecretName(flag) ? `${lead}${flag} ${REDACTED}` : all,
    )
    .replace(SCHEME_CREDENTIAL, (_, scheme: string) => `${scheme} ${REDACTED}`);
}

/** A URL as recorded: no password, no secret query parameter (`undefined` stays undefined). */
export function redactUrl<T extends string | undefined>(url: T): T {
  return (url === undefined ? url : redactText(url)) as T;
}

/** Headers as recorded: secret-named ones lose their value; the others are scanned as text. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, isSecretName(k) ? REDACTED : redactText(v)]),
  );
}
