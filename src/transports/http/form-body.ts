import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { FormValue, MultipartFile, RequestOptions } from '../../script-api/vu-context.js';

/**
 * The bodies a request builds from its options: `json`, `form` (application/x-www-form-urlencoded)
 * and `multipart` (multipart/form-data), at most one of them or `body`. Multipart bodies are built
 * in memory, one Buffer per request, from file bytes read once per process (the lean transport
 * writes a request's head and body in one Buffer; a file read per request would cost a syscall
 * and a copy each time, and streaming would send every upload through undici at half the rate).
 */

const BODY_KEYS = ['json', 'body', 'form', 'multipart'] as const;

/** Files a process read for multipart bodies, by absolute path: read once, sent many times. */
const files = new Map<string, Buffer>();

/** A file's bytes for a multipart part: `path` relative to the current folder, or absolute. */
export function readPartFile(path: string): Buffer {
  const full = resolve(path);
  let bytes = files.get(full);
  if (bytes === undefined) {
    bytes = readFileSync(full);
    files.set(full, bytes);
  }
  return bytes;
}

export interface EncodedBody {
  body: string | Uint8Array | undefined;
  contentType: string | undefined;
}

const NONE: EncodedBody = { body: undefined, contentType: undefined };

/** The request's body and its Content-Type; throws (a script mistake) on two bodies at once. */
export function encodeBody(label: string, o: RequestOptions | undefined): EncodedBody {
  if (o === undefined) return NONE;
  const { json, body, form, multipart } = o;
  if (json === undefined && body === undefined && form === undefined && multipart === undefined) return NONE;
  const given = BODY_KEYS.filter((k) => o[k] !== undefined);
  if (given.length > 1) {
    throw new Error(`${label}: give one of json, body, form or multipart, not ${given.join(' and ')}`);
  }
  if (json !== undefined) return { body: JSON.stringify(json), contentType: 'application/json' };
  if (body !== undefined) return { body, contentType: undefined };
  if (form !== undefined) return { body: encodeForm(label, form), contentType: FORM_TYPE };
  return encodeMultipart(label, multipart!);
}

export const FORM_TYPE = 'application/x-www-form-urlencoded';

function isValue(v: unknown): v is FormValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** `a=1&b=x+y`: spaces as `+`, as browsers, Go's url.Values (k6) and Python's requests encode forms. */
export function encodeForm(label: string, form: Readonly<Record<string, FormValue | FormValue[]>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (!isValue(item)) {
        throw new Error(
          `${label}: form field '${k}' must be text, a number or a boolean, given ${typeOf(item)}`,
        );
      }
      p.append(k, String(item));
    }
  }
  return p.toString();
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;
}

/** A field name or filename in a part's header: quotes and line breaks escaped as the HTML spec does. */
function quoted(s: string): string {
  return `"${s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;
}

/** Boundaries: 96 random bits per process, then a counter; a file holding one is not a real risk. */
const BOUNDARY_HEAD = `----squall${randomBytes(12).toString('hex')}`;
let boundaries = 0;

export function encodeMultipart(
  label: string,
  parts: Readonly<Record<string, FormValue | MultipartFile | Array<FormValue | MultipartFile>>>,
): EncodedBody {
  const chunks: Array<{ head: string; data: Uint8Array | string }> = [];
  for (const [k, v] of Object.entries(parts)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (isValue(item)) {
        chunks.push({ head: `Content-Disposition: form-data; name=${quoted(k)}`, data: String(item) });
        continue;
      }
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new Error(
          `${label}: multipart field '${k}' must be text, a number, a boolean or a file { file: PATH }, given ${typeOf(item)}`,
        );
      }
      const f = item as MultipartFile;
      let data: Uint8Array | string;
      if (f.data !== undefined) data = f.data;
      else if (typeof f.file === 'string' && f.file !== '') {
        try {
          data = readPartFile(f.file);
        } catch (e) {
          throw new Error(
            `${label}: multipart field '${k}': cannot read ${f.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a path is relative to the current folder (${process.cwd()})`,
          );
        }
      } else throw new Error(`${label}: multipart field '${k}' is a file without file: PATH or data`);
      const filename = f.filename ?? (f.file === undefined ? k : basename(f.file));
      chunks.push({
        head:
          `Content-Disposition: form-data; name=${quoted(k)}; filename=${quoted(filename)}\r\n` +
          `Content-Type: ${f.contentType ?? 'application/octet-stream'}`,
        data,
      });
    }
  }
  const boundary = `${BOUNDARY_HEAD}${(boundaries++).toString(36)}`;
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    out.push(
      Buffer.from(`--${boundary}\r\n${c.head}\r\n\r\n`),
      typeof c.data === 'string' ? Buffer.from(c.data) : c.data,
      CRLF,
    );
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(out), contentType: `multipart/form-data; boundary=${boundary}` };
}

const CRLF = Buffer.from('\r\n');
