import { badFlag } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';
import { TOKEN } from '../util/http-token.js';

/** Flag-value parsers: each names its flag, quotes the value and says what is expected. */

export function parsePositiveInt(flag: string, text: string, max = 1_000_000_000): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw badFlag(flag, `${flag} "${text}" is not a whole number from 1 to ${max}`);
  }
  return n;
}

export function parsePositiveNumber(flag: string, text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw badFlag(flag, `${flag} "${text}" is not a positive number (${what})`);
  }
  return n;
}

/** `10%`, `10` or `0.1`? Percent only: `10%` or `10` is ten per cent. */
export function parsePercentFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) throw badFlag(flag, `${flag} "${text}" is not a percentage; expected for example ${flag} 10%`);
  return Number(m[1]) / 100;
}

export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) {
    throw badFlag(
      flag,
      `${flag} "${text}" is not a duration; expected a positive number with a unit, such as 500ms, 30s, 5m or 2h`,
    );
  }
  return ms;
}

/** `Name: value`; the name a token, the value without line breaks. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const value = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (colon <= 0 || !TOKEN.test(name)) {
    throw badFlag(
      '-H',
      `-H "${text}" is not a header; expected 'Name: value', such as -H 'Accept: application/json'`,
    );
  }
  if (/[\r\n\0]/.test(value)) {
    throw badFlag('-H', `-H "${text}" has a line break or NUL in its value, which HTTP does not allow`);
  }
  // Header bytes go out as Latin-1; anything wider would be silently mangled.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw badFlag('-H', `-H "${text}" has a character outside Latin-1 in its value; percent-encode it`);
  }
  return [name, value];
}

export function parseMethod(text: string): string {
  const m = text.trim().toUpperCase();
  if (!TOKEN.test(m)) {
    throw badFlag(
      '-m',
      `-m "${text}" is not an HTTP method; expected a name such as GET, POST, PUT or DELETE`,
    );
  }
  return m;
}

export function parseTargetUrl(flag: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badFlag(
      flag,
      `"${text}" is not a URL; expected an absolute http:// or https:// URL, such as http://127.0.0.1:8080/health`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badFlag(flag, `"${text}" uses ${url.protocol}; squall speaks http:// and https://`);
  }
  if (url.hostname === '') throw badFlag(flag, `"${text}" has no host`);
  return url;
}

/** `-o KIND=PATH`, KIND one of `kinds`. */
export function parseOutput(text: string, kinds: readonly string[]): { kind: string; path: string } {
  const eq = text.indexOf('=');
  const kind = eq > 0 ? text.slice(0, eq).trim() : '';
  const path = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (eq <= 0 || path === '') {
    throw badFlag('-o', `-o "${text}" is not KIND=PATH; expected for example -o json=result.json`);
  }
  if (!kinds.includes(kind)) {
    throw badFlag('-o', `-o "${text}": unknown output kind "${kind}"; available: ${kinds.join(', ')}`);
  }
  if (kind === 'prometheus') parseListenAddress(path, `-o ${text}`);
  if (kind === 'prometheus-rw') parseRemoteWriteUrl(path);
  return { kind, path };
}

/** `-o prometheus-rw=URL`: the http(s) URL of a remote-write receiver. */
function parseRemoteWriteUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw badFlag(
      '-o',
      `-o prometheus-rw=${text}: "${text}" is not an http:// or https:// URL; expected the remote-write ` +
        'endpoint, for example -o prometheus-rw=http://127.0.0.1:9090/api/v1/write',
    );
  }
  return url;
}

/** `HOST:PORT` or `[::1]:PORT` to listen on; port 0 picks a free one. */
export function parseListenAddress(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw badFlag(
      '-o',
      `${what}: "${text}" is not HOST:PORT; expected for example -o prometheus=127.0.0.1:9464 ` +
        '(or [::1]:9464 for IPv6)',
    );
  }
  return { host: (m[1] ?? m[2])!, port };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `-e NAME=value`: the value may be empty and may hold `=`. */
export function parseEnvFlag(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text.trim() : text.slice(0, eq).trim();
  if (eq < 0 || !ENV_NAME.test(name)) {
    throw badFlag(
      '-e',
      `-e "${text}" is not NAME=value; expected for example -e API_TOKEN=abc123 (a name is letters, digits and _, not starting with a digit)`,
    );
  }
  return [name, text.slice(eq + 1)];
}

/** `-s 30s:20` (k6's `--stage DURATION:TARGET`): ramp to TARGET VUs over DURATION. */
export function parseStageFlag(text: string): { durationMs: number; target: number } {
  const m = /^\s*([^:\s]+)\s*:\s*(\d+)\s*$/.exec(text);
  const durationMs = m ? parseDurationMs(m[1]!) : undefined;
  if (!m || durationMs === undefined || durationMs < 0) {
    throw badFlag(
      '--stage',
      `--stage "${text}" is not DURATION:TARGET; expected for example -s 30s:20 (ramp to 20 VUs over 30 s)`,
    );
  }
  return { durationMs, target: Number(m[2]) };
}

/** Tags squall sets itself: a --tag of that name would change what the summary groups by. */
const OWN_TAGS = new Set(['scenario', 'user', 'name', 'method', 'status', 'url', 'phase', 'group']);

/** `--tag NAME=VALUE`. */
export function parseTagFlag(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
    throw badFlag(
      '--tag',
      `--tag "${text}" is not NAME=VALUE; expected for example --tag team=checkout (a name is letters, digits, _ . -)`,
    );
  }
  if (OWN_TAGS.has(name)) {
    throw badFlag('--tag', `--tag "${text}": squall sets the tag '${name}' itself; choose another name`);
  }
  return [name, text.slice(eq + 1)];
}

/** `--stop-on-errors 50%` or `0.5`: a share of requests above 0 and at most 1. */
export function parseRateFlag(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const n = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : Number.NaN;
  if (!m || !(n > 0) || n > 1) {
    throw badFlag(
      flag,
      `${flag} "${text}" is not a share of requests; expected a percentage such as 50% or a fraction such as 0.5`,
    );
  }
  return n;
}
