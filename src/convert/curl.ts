import { parse as tokenize } from 'shell-quote';
import { emitYaml } from './emit-yaml.js';
import {
  ImportError,
  type Imported,
  isJsonMime,
  literal,
  literalDeep,
  templateTrap,
} from './import-types.js';

/**
 * `squall import curl '…'`: a curl command line (as a browser's "Copy as cURL" writes it) → the
 * `squall quick` command that sends the same request, or a YAML test with that one step. The
 * line is tokenised as a POSIX shell would (shell-quote); curl's flags are mapped here.
 */

export interface CurlRequest {
  method: string;
  url: URL;
  /** In the order given; a later header of the same name replaces the earlier one. */
  headers: Array<[string, string]>;
  /** The body as text, or `@FILE` (curl's -d @file / --data-binary @file). */
  body?: string;
  /** -F parts: a field's value, or `@FILE` for a file part. */
  multipart?: Array<[string, string]>;
  insecure: boolean;
  /** -L: follow redirects (curl follows none without it). */
  follow: boolean;
  maxRedirs?: number;
  /** --max-time, ms. */
  timeoutMs?: number;
  /** Flags read but with no squall equivalent, as written ("--http3"). */
  notTranslated: string[];
  /** Flags that only shape curl's own output (-s, -v, -o FILE): nothing to translate. */
  ignored: string[];
}

/** Flags that take a value (long name → canonical long name). */
const VALUED: Record<string, string> = {
  '-X': '--request',
  '--request': '--request',
  '-H': '--header',
  '--header': '--header',
  '-d': '--data',
  '--data': '--data',
  '--data-ascii': '--data',
  '--data-raw': '--data-raw',
  '--data-binary': '--data-binary',
  '--data-urlencode': '--data-urlencode',
  '--json': '--json',
  '-u': '--user',
  '--user': '--user',
  '-b': '--cookie',
  '--cookie': '--cookie',
  '-A': '--user-agent',
  '--user-agent': '--user-agent',
  '-e': '--referer',
  '--referer': '--referer',
  '-F': '--form',
  '--form': '--form',
  '--form-string': '--form-string',
  '--url': '--url',
  '-m': '--max-time',
  '--max-time': '--max-time',
  '--max-redirs': '--max-redirs',
  // Output and connection flags whose value is read and dropped.
  '-o': '--output',
  '--output': '--output',
  '-w': '--write-out',
  '--write-out': '--write-out',
  '--connect-timeout': '--connect-timeout',
  '-c': '--cookie-jar',
  '--cookie-jar': '--cookie-jar',
  '--retry': '--retry',
  '-x': '--proxy',
  '--proxy': '--proxy',
  '--resolve': '--resolve',
  '--cacert': '--cacert',
  '--cert': '--cert',
  '--key': '--key',
  '-T': '--upload-file',
  '--upload-file': '--upload-file',
  '-r': '--range',
  '--range': '--range',
  '--limit-rate': '--limit-rate',
};

/** Flags without a value (short and long → canonical). */
const BOOLEAN: Record<string, string> = {
  '-k': '--insecure',
  '--insecure': '--insecure',
  '-L': '--location',
  '--location': '--location',
  '-G': '--get',
  '--get': '--get',
  '-I': '--head',
  '--head': '--head',
  '--compressed': '--compressed',
  '-s': '--silent',
  '--silent': '--silent',
  '-S': '--show-error',
  '--show-error': '--show-error',
  '-v': '--verbose',
  '--verbose': '--verbose',
  '-i': '--include',
  '--include': '--include',
  '-f': '--fail',
  '--fail': '--fail',
  '--fail-with-body': '--fail-with-body',
  '-#': '--progress-bar',
  '--progress-bar': '--progress-bar',
  '-N': '--no-buffer',
  '--no-buffer': '--no-buffer',
  '-g': '--globoff',
  '--globoff': '--globoff',
  '--http1.1': '--http1.1',
  '--http2': '--http2',
  '--http2-prior-knowledge': '--http2-prior-knowledge',
  '--http3': '--http3',
  '-0': '--http1.0',
  '--http1.0': '--http1.0',
  '--tr-encoding': '--tr-encoding',
  '-4': '--ipv4',
  '--ipv4': '--ipv4',
  '-6': '--ipv6',
  '--ipv6': '--ipv6',
  '--no-keepalive': '--no-keepalive',
  '-n': '--netrc',
  '--netrc': '--netrc',
};

/** Flags that change only what curl prints or how it connects, not the request squall sends. */
const OUTPUT_ONLY = new Set([
  '--silent',
  '--show-error',
  '--verbose',
  '--include',
  '--fail',
  '--fail-with-body',
  '--progress-bar',
  '--no-buffer',
  '--output',
  '--write-out',
  '--globoff',
  '--http1.1',
  '--ipv4',
  '--ipv6',
  '--cookie-jar',
  '--retry',
]);

/** A curl command line → the request it sends. Throws ImportError for a line curl would refuse. */
export function parseCurl(command: string): CurlRequest {
  const words = shellWords(command);
  if (words[0] === 'curl' || words[0] === 'curl.exe') words.shift();
  else if (words[0] !== undefined && /^[A-Za-z][\w-]*$/.test(words[0]) && words.length > 1)
    throw new ImportError(
      `expected a curl command line, given one that starts with ${JSON.stringify(words[0])}`,
    );
  if (words.length === 0) throw new ImportError('the curl command is empty; expected curl [flags] URL');
  const req: Omit<CurlRequest, 'url'> & { url?: URL } = {
    method: '',
    headers: [],
    insecure: false,
    follow: false,
    notTranslated: [],
    ignored: [],
  };
  const data: string[] = [];
  let dataFromFile = false;
  let json = false;
  let get = false;
  let head = false;
  let urlText: string | undefined;

  const take = (flag: string, value: string, shown: string): void => {
    switch (flag) {
      case '--request':
        req.method = value.toUpperCase();
        return;
      case '--header': {
        const colon = value.indexOf(':');
        if (colon <= 0) {
          // `-H 'Name;'` sends an empty header, `-H 'Name:'` removes one: neither maps.
          req.notTranslated.push(`${shown} ${JSON.stringify(value)} (not a Name: value header)`);
          return;
        }
        setHeader(req.headers, value.slice(0, colon).trim(), value.slice(colon + 1).trim());
        return;
      }
      case '--data':
      case '--data-binary':
        if (value.startsWith('@')) {
          dataFromFile = true;
          data.push(value);
        } else data.push(flag === '--data' ? value.replace(/[\r\n]/g, '') : value);
        return;
      case '--data-raw':
        data.push(value);
        return;
      case '--data-urlencode':
        data.push(urlencodeData(value, shown, req.notTranslated));
        return;
      case '--json':
        json = true;
        if (value.startsWith('@')) dataFromFile = true;
        data.push(value);
        return;
      case '--user': {
        const colon = value.indexOf(':');
        if (colon < 0) {
          req.notTranslated.push(`${shown} ${value} (no password: curl would prompt for it)`);
          return;
        }
        setHeader(req.headers, 'Authorization', `Basic ${Buffer.from(value).toString('base64')}`);
        return;
      }
      case '--cookie':
        if (!value.includes('=')) {
          req.notTranslated.push(`${shown} ${value} (a cookie file; give the cookies as -b 'name=value')`);
          return;
        }
        setHeader(req.headers, 'Cookie', value);
        return;
      case '--user-agent':
        setHeader(req.headers, 'User-Agent', value);
        return;
      case '--referer':
        setHeader(req.headers, 'Referer', value);
        return;
      case '--form':
      case '--form-string': {
        const eq = value.indexOf('=');
        if (eq <= 0) {
          req.notTranslated.push(`${shown} ${value} (expected name=value)`);
          return;
        }
        req.multipart ??= [];
        const v = value.slice(eq + 1);
        if (flag === '--form' && v.startsWith('<')) {
          req.notTranslated.push(`${shown} ${value} (a field read from a file)`);
          return;
        }
        req.multipart.push([value.slice(0, eq), flag === '--form-string' && v.startsWith('@') ? ` ${v}` : v]);
        return;
      }
      case '--url':
        urlText = value;
        return;
      case '--max-time': {
        const s = Number(value);
        if (Number.isFinite(s) && s > 0) req.timeoutMs = Math.round(s * 1000);
        else req.notTranslated.push(`${shown} ${value} (not a number of seconds)`);
        return;
      }
      case '--max-redirs': {
        const n = Number(value);
        if (Number.isInteger(n) && n >= 0) req.maxRedirs = n;
        else req.notTranslated.push(`${shown} ${value} (not a whole number)`);
        return;
      }
      default:
        if (OUTPUT_ONLY.has(flag)) req.ignored.push(`${shown} ${value}`);
        else req.notTranslated.push(`${shown} ${value}`);
    }
  };

  const set = (flag: string, shown: string): void => {
    switch (flag) {
      case '--insecure':
        req.insecure = true;
        return;
      case '--location':
        req.follow = true;
        return;
      case '--get':
        get = true;
        return;
      case '--head':
        head = true;
        return;
      case '--compressed':
        setHeader(req.headers, 'Accept-Encoding', 'gzip, deflate, br');
        return;
      default:
        if (OUTPUT_ONLY.has(flag)) req.ignored.push(shown);
        else req.notTranslated.push(shown);
    }
  };

  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (flag: string): string => {
      const v = words[++i];
      if (v === undefined) throw new ImportError(`curl's ${flag} needs a value, and the command ends there`);
      return v;
    };
    if (w.startsWith('--')) {
      const name = w;
      if (name in VALUED) take(VALUED[name]!, next(name), name);
      else if (name in BOOLEAN) set(BOOLEAN[name]!, name);
      else if (name === '--') {
        if (words[i + 1] !== undefined) urlText = words[++i];
      } else if (/^--no-/.test(name)) req.ignored.push(name);
      else req.notTranslated.push(name);
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      // Short flags combine (-sSL) and take their value attached or as the next word (-XPOST).
      for (let j = 1; j < w.length; j++) {
        const short = `-${w[j]}`;
        if (short in VALUED) {
          const rest = w.slice(j + 1);
          take(VALUED[short]!, rest !== '' ? rest : next(short), short);
          break;
        }
        if (short in BOOLEAN) set(BOOLEAN[short]!, short);
        else req.notTranslated.push(short);
      }
      continue;
    }
    if (urlText !== undefined) {
      req.notTranslated.push(`a second URL ${w} (one request is imported)`);
      continue;
    }
    urlText = w;
  }

  if (urlText === undefined) throw new ImportError('the curl command has no URL; expected curl [flags] URL');
  // curl adds http:// to a URL without a scheme.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(urlText) ? urlText : `http://${urlText}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ImportError(`the curl command's URL ${JSON.stringify(urlText)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ImportError(
      `the curl command's URL ${urlText} is ${url.protocol}; squall sends http and https`,
    );
  if (url.username !== '' && !req.headers.some(([k]) => k.toLowerCase() === 'authorization')) {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    setHeader(req.headers, 'Authorization', `Basic ${Buffer.from(auth).toString('base64')}`);
  }
  url.username = '';
  url.password = '';

  if (get && data.length > 0) {
    // -G: the data goes in the query string.
    url.search = [url.search.replace(/^\?/, ''), ...data].filter((s) => s !== '').join('&');
  } else if (data.length > 0) {
    req.body = dataFromFile && data.length === 1 ? data[0]! : data.join('&');
    if (dataFromFile && data.length > 1)
      req.notTranslated.push('several -d values with an @FILE among them (the file is sent as its name)');
    if (json) {
      setHeaderIfAbsent(req.headers, 'Content-Type', 'application/json');
      setHeaderIfAbsent(req.headers, 'Accept', 'application/json');
    } else setHeaderIfAbsent(req.headers, 'Content-Type', 'application/x-www-form-urlencoded');
  }
  if (req.method === '')
    req.method = head ? 'HEAD' : req.body !== undefined || req.multipart ? 'POST' : 'GET';
  return { ...req, url };
}

/** Shell words of a command line; line continuations joined; pipes and redirections refused. */
function shellWords(command: string): string[] {
  const joined = command.replace(/\\\r?\n/g, ' ').replace(/\^\r?\n/g, ' ');
  // Variables are kept as written ($TOKEN): the user's shell would expand them, squall cannot.
  const parts = tokenize(joined, (name: string) => `$${name}`);
  const words: string[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      words.push(p);
      continue;
    }
    if ('comment' in p) break;
    if ('op' in p && p.op === 'glob') {
      words.push((p as { pattern: string }).pattern);
      continue;
    }
    // `curl … | jq`, `curl … > out`: the request is everything before the operator.
    break;
  }
  return words;
}

/** --data-urlencode's forms: `content`, `=content`, `name=content`; `@file` forms are not read. */
function urlencodeData(value: string, shown: string, notTranslated: string[]): string {
  const eq = value.indexOf('=');
  const at = value.indexOf('@');
  if (at >= 0 && (eq < 0 || at < eq)) {
    notTranslated.push(`${shown} ${value} (content read from a file)`);
    return '';
  }
  if (eq < 0) return encodeURIComponent(value);
  const name = value.slice(0, eq);
  const content = encodeURIComponent(value.slice(eq + 1));
  return name === '' ? content : `${name}=${content}`;
}

function setHeader(headers: Array<[string, string]>, name: string, value: string): void {
  const i = headers.findIndex(([k]) => k.toLowerCase() === name.toLowerCase());
  if (i >= 0) headers.splice(i, 1);
  headers.push([name, value]);
}

function setHeaderIfAbsent(headers: Array<[string, string]>, name: string, value: string): void {
  if (!headers.some(([k]) => k.toLowerCase() === name.toLowerCase())) headers.push([name, value]);
}

function headerOf(req: CurlRequest, name: string): string | undefined {
  return req.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** A word for a POSIX shell: bare when it is safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `squall quick` command line that sends the request. */
export function curlToQuick(req: CurlRequest): Imported {
  const args = ['squall', 'quick'];
  const translated: string[] = [];
  const skipped = [...req.notTranslated.map((f) => `${f}: no squall equivalent`)];
  if (req.method !== 'GET') args.push('-m', req.method);
  for (const [k, v] of req.headers) args.push('-H', `${k}: ${v}`);
  if (req.headers.length > 0)
    translated.push(`${req.headers.length} header${req.headers.length === 1 ? '' : 's'}`);
  if (req.body !== undefined) {
    args.push('-b', req.body);
    translated.push(req.body.startsWith('@') ? `the body from ${req.body.slice(1)}` : 'the body');
  }
  if (req.multipart) skipped.push('-F (multipart form): squall quick sends one body; use --format yaml');
  if (req.insecure) args.push('-k');
  if (req.timeoutMs !== undefined) args.push('--timeout', `${req.timeoutMs}ms`);
  if (req.follow)
    skipped.push(
      '-L: squall quick does not follow redirects (a 3xx is counted as it is); --format yaml follows them',
    );
  args.push(req.url.href);
  translated.unshift(`${req.method} ${req.url.href}`);
  for (const f of req.ignored) skipped.push(`${f}: only shapes curl's own output`);
  return { source: 'curl', text: args.map(shellQuote).join(' '), translated, skipped };
}

/** A YAML test with the request as its one step (target: the URL's origin). */
export function curlToYaml(req: CurlRequest): Imported {
  const translated: string[] = [`${req.method} ${req.url.href}`];
  const skipped = req.notTranslated.map((f) => `${f}: no squall equivalent`);
  const method = req.method.toLowerCase();
  if (!['get', 'post', 'put', 'patch', 'delete', 'head'].includes(method))
    throw new ImportError(
      `the curl command's method ${req.method} is not one a squall flow sends (GET, POST, PUT, PATCH, DELETE, HEAD)`,
    );
  const path = `${req.url.pathname}${req.url.search}`;
  const step: Record<string, unknown> = { [method]: literal(path) };
  const contentType = headerOf(req, 'content-type');
  const headers = req.headers.filter(
    ([k]) => !(k.toLowerCase() === 'content-type' && contentType === 'application/json' && isJsonBody(req)),
  );
  if (headers.length > 0) {
    step.headers = Object.fromEntries(headers.map(([k, v]) => [k, literal(v)]));
    translated.push(`${headers.length} header${headers.length === 1 ? '' : 's'}`);
  }
  if (req.body !== undefined) {
    if (req.body.startsWith('@')) {
      skipped.push(
        `the body ${req.body}: a YAML flow cannot send a file's bytes; use the quick command (-b ${req.body})`,
      );
    } else if (isJsonBody(req)) {
      step.json = literalDeep(JSON.parse(req.body));
      translated.push('the JSON body');
    } else {
      step.body = literal(req.body);
      translated.push('the body');
    }
  }
  if (req.multipart) {
    step.multipart = Object.fromEntries(
      req.multipart.map(([k, v]) => [
        k,
        v.startsWith('@') ? { file: v.slice(1).split(';')[0] } : literal(v.trimStart()),
      ]),
    );
    translated.push(`${req.multipart.length} multipart part${req.multipart.length === 1 ? '' : 's'}`);
  }
  // curl follows no redirect without -L; squall follows 10 by default (curl -L: 50).
  if (!req.follow) step.redirects = 0;
  else if (req.maxRedirs !== undefined) step.redirects = req.maxRedirs;
  if (req.timeoutMs !== undefined) step.timeout = `${req.timeoutMs}ms`;
  const model: Record<string, unknown> = { target: req.url.origin };
  if (req.insecure) model.insecureSkipTLSVerify = true;
  model.users = [{ name: 'curl', flow: [step] }];
  if (templateTrap(path) || (req.body !== undefined && templateTrap(req.body)))
    skipped.push('a {{ … }} in the URL or body: squall flows read it as a template; edit it before running');
  for (const f of req.ignored) skipped.push(`${f}: only shapes curl's own output`);
  const text = emitYaml(model, [
    'imported from a curl command by squall import curl',
    'run it: squall run THIS_FILE',
  ]);
  return { source: 'curl', text, translated, skipped };
}

function isJsonBody(req: CurlRequest): boolean {
  if (req.body === undefined || req.body.startsWith('@')) return false;
  if (!isJsonMime(headerOf(req, 'content-type'))) return false;
  try {
    JSON.parse(req.body);
    return true;
  } catch {
    return false;
  }
}

/** `squall import curl`: the command line → the quick command (default) or a YAML test. */
export function importCurl(command: string, format: 'quick' | 'yaml'): Imported {
  const req = parseCurl(command);
  return format === 'yaml' ? curlToYaml(req) : curlToQuick(req);
}
