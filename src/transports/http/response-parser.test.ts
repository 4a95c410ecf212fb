import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CaptureSink,
  MALFORMED,
  NEED_MORE,
  parseHeaderLines,
  ResponseCapture,
  ResponseParser,
} from './response-parser.js';

/** The parser's documented limit on one response head (the bytes before the blank line). */
const MAX_HEAD = 64 * 1024;
const MB = 1024 * 1024;

function b(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** A response: status line, header lines and body, framed with CRLFs. */
function resp(statusLine: string, headers: string[], body: string | Buffer = ''): Buffer {
  const head = b(`${statusLine}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  return Buffer.concat([head, typeof body === 'string' ? b(body) : body]);
}

/** A response with a Content-Length computed from its body. */
function fixed(statusLine: string, headers: string[], body: string | Buffer): Buffer {
  const length = typeof body === 'string' ? Buffer.byteLength(body, 'latin1') : body.length;
  return resp(statusLine, [...headers, `Content-Length: ${length}`], body);
}

interface ChunkOptions {
  upper?: boolean;
  /** Appended to every chunk-size line, e.g. `;name=value`. */
  ext?: string;
  /** Trailer lines, each without its CRLF. */
  trailers?: string[];
}

/** A chunked body: one chunk per part, then the last chunk and trailers. */
function chunked(parts: Array<string | Buffer>, opts: ChunkOptions = {}): Buffer {
  const out: Buffer[] = [];
  for (const part of parts) {
    const data = typeof part === 'string' ? b(part) : part;
    const size = data.length.toString(16);
    out.push(b(`${opts.upper ? size.toUpperCase() : size}${opts.ext ?? ''}\r\n`), data, b('\r\n'));
  }
  out.push(b(`0${opts.ext ?? ''}\r\n${(opts.trailers ?? []).map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(out);
}

function chunkedResponse(statusLine: string, headers: string[], body: Buffer): Buffer {
  return resp(statusLine, [...headers, 'Transfer-Encoding: chunked'], body);
}

interface Outcome {
  /** The last execute() result. */
  result: number;
  /** How many pieces were fed before execute() stopped returning NEED_MORE (or all of them). */
  fed: number;
  status: number;
  keepAlive: boolean;
  closeCompletes: boolean;
}

function feed(parser: ResponseParser, pieces: Iterable<Buffer>, expectBody = true): Outcome {
  parser.reset(expectBody);
  let result = NEED_MORE;
  let fed = 0;
  for (const piece of pieces) {
    result = parser.execute(piece);
    fed++;
    if (result !== NEED_MORE) break;
  }
  return {
    result,
    fed,
    status: parser.status,
    keepAlive: parser.keepAlive,
    closeCompletes: parser.finishOnClose(),
  };
}

function* splitAt(raw: Buffer, k: number): Generator<Buffer> {
  yield raw.subarray(0, k);
  yield raw.subarray(k);
}

function* bytes(raw: Buffer): Generator<Buffer> {
  for (let i = 0; i < raw.length; i++) yield raw.subarray(i, i + 1);
}

function* pieces(raw: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += size) yield raw.subarray(i, i + size);
}

function sameOutcome(a: Outcome, e: Outcome): boolean {
  return (
    a.result === e.result &&
    a.fed === e.fed &&
    a.status === e.status &&
    a.keepAlive === e.keepAlive &&
    a.closeCompletes === e.closeCompletes
  );
}

interface Expected {
  status: number;
  keepAlive: boolean;
  /** The body runs until the server closes: execute() never completes, finishOnClose() does. */
  untilClose?: boolean;
}

function expectedOutcome(e: Expected, pieceCount: number): Outcome {
  return {
    result: e.untilClose ? NEED_MORE : 0,
    fed: pieceCount,
    status: e.status,
    keepAlive: e.keepAlive,
    closeCompletes: e.untilClose === true,
  };
}

/**
 * Feeds `raw` split in two at every byte boundary and returns the splits whose outcome differs
 * (the first few), so that a million splits cost one assertion.
 */
function badSplits(raw: Buffer, expectBody: boolean, expected: Outcome): string[] {
  const parser = new ResponseParser();
  const bad: string[] = [];
  for (let k = 1; k < raw.length && bad.length < 5; k++) {
    const got = feed(parser, splitAt(raw, k), expectBody);
    if (!sameOutcome(got, expected)) bad.push(`split at ${k}: ${JSON.stringify(got)}`);
  }
  return bad;
}

interface Case extends Expected {
  name: string;
  raw: Buffer;
  expectBody?: boolean;
}

const bigBody = Buffer.alloc(MB, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', 'latin1');
const hexSizes = [10, 26, 255, 0xabc];
const hexParts = hexSizes.map((n, i) => Buffer.alloc(n, 97 + i));
const unevenParts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(37 * i + 1, 48 + (i % 10)));

const wellFormed: Case[] = [
  {
    name: 'Content-Length: 0',
    raw: resp('HTTP/1.1 200 OK', ['Content-Length: 0']),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'small Content-Length body',
    raw: fixed('HTTP/1.1 201 Created', ['Content-Type: text/plain', 'Location: /items/7'], 'hello'),
    status: 201,
    keepAlive: true,
  },
  {
    name: '1 MB Content-Length body whose bytes look like HTTP framing',
    raw: fixed('HTTP/1.1 200 OK', ['Content-Type: application/octet-stream'], bigBody),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunked, several chunks',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(['hello', ', ', 'chunked ', 'world'])),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunked, data holding CRLFs and a fake last chunk',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(['0\r\n\r\n', '\r\n', 'HTTP/1.1 500 x\r\n\r\n'])),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunked, 30 KB in uneven chunks',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(unevenParts)),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunk extensions',
    raw: chunkedResponse(
      'HTTP/1.1 200 OK',
      [],
      b('5;name=value\r\nhello\r\n6 ; a="b;c"\r\n world\r\n3\t;x\r\n!!!\r\n0;last=1\r\n\r\n'),
    ),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunk extensions on every chunk (helper)',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(['ab', 'cde'], { ext: ';foo=bar' })),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'trailers',
    raw: chunkedResponse(
      'HTTP/1.1 200 OK',
      ['Trailer: X-Checksum, X-Count'],
      chunked(['abc', 'def'], { trailers: ['X-Checksum: 900150983cd24fb0', 'X-Count: 2'] }),
    ),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'upper-case hex chunk sizes',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(hexParts, { upper: true })),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'lower-case hex chunk sizes',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], chunked(hexParts)),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'mixed-case hex chunk size',
    raw: chunkedResponse('HTTP/1.1 200 OK', [], b(`fF\r\n${'x'.repeat(255)}\r\n0\r\n\r\n`)),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'no length: the body runs until close',
    raw: resp('HTTP/1.1 200 OK', ['Content-Type: text/plain'], 'some of the body'),
    status: 200,
    keepAlive: false,
    untilClose: true,
  },
  {
    name: 'no length and no body bytes yet',
    raw: resp('HTTP/1.1 200 OK', []),
    status: 200,
    keepAlive: false,
    untilClose: true,
  },
  {
    name: '204 with no body',
    raw: resp('HTTP/1.1 204 No Content', ['Date: Mon, 01 Jan 2024 00:00:00 GMT']),
    status: 204,
    keepAlive: true,
  },
  {
    name: '304 whose Content-Length describes the unsent representation',
    raw: resp('HTTP/1.1 304 Not Modified', ['ETag: "v1"', 'Content-Length: 12345']),
    status: 304,
    keepAlive: true,
  },
  {
    name: '304 with Transfer-Encoding: chunked and no body',
    raw: resp('HTTP/1.1 304 Not Modified', ['Transfer-Encoding: chunked']),
    status: 304,
    keepAlive: true,
  },
  {
    name: 'HEAD: a Content-Length is ignored',
    raw: resp('HTTP/1.1 200 OK', [`Content-Length: ${MB}`]),
    expectBody: false,
    status: 200,
    keepAlive: true,
  },
  {
    name: 'HEAD: chunked is ignored',
    raw: resp('HTTP/1.1 404 Not Found', ['Transfer-Encoding: chunked']),
    expectBody: false,
    status: 404,
    keepAlive: true,
  },
  {
    name: 'HEAD: no length does not mean until close',
    raw: resp('HTTP/1.1 200 OK', ['Content-Type: text/html']),
    expectBody: false,
    status: 200,
    keepAlive: true,
  },
  {
    name: '100 Continue before the final head',
    raw: Buffer.concat([resp('HTTP/1.1 100 Continue', []), fixed('HTTP/1.1 200 OK', [], 'ok')]),
    status: 200,
    keepAlive: true,
  },
  {
    name: '103 Early Hints with headers before a chunked final head',
    raw: Buffer.concat([
      resp('HTTP/1.1 103 Early Hints', ['Link: </style.css>; rel=preload; as=style']),
      chunkedResponse('HTTP/1.1 200 OK', [], chunked(['hinted'])),
    ]),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'several 1xx heads whose lengths and Connection must be ignored',
    raw: Buffer.concat([
      resp('HTTP/1.1 100 Continue', []),
      resp('HTTP/1.1 103 Early Hints', ['Content-Length: 50', 'Connection: close']),
      fixed('HTTP/1.1 404 Not Found', [], 'nope'),
    ]),
    status: 404,
    keepAlive: true,
  },
  {
    name: '100 Continue before a HEAD answer',
    raw: Buffer.concat([resp('HTTP/1.1 100 Continue', []), resp('HTTP/1.1 200 OK', ['Content-Length: 9'])]),
    expectBody: false,
    status: 200,
    keepAlive: true,
  },
  {
    name: 'HTTP/1.0 with a length closes',
    raw: fixed('HTTP/1.0 200 OK', [], 'old'),
    status: 200,
    keepAlive: false,
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive stays open',
    raw: fixed('HTTP/1.0 200 OK', ['Connection: keep-alive'], 'old but open'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'HTTP/1.0 with Connection: Keep-Alive in mixed case',
    raw: fixed('HTTP/1.0 302 Found', ['connection: Keep-Alive', 'Location: /'], ''),
    status: 302,
    keepAlive: true,
  },
  {
    name: 'HTTP/1.0 with no length runs until close',
    raw: resp('HTTP/1.0 200 OK', ['Connection: keep-alive'], 'streamed'),
    status: 200,
    keepAlive: false,
    untilClose: true,
  },
  {
    name: 'HTTP/1.1 Connection: close',
    raw: fixed('HTTP/1.1 200 OK', ['Connection: close'], 'bye'),
    status: 200,
    keepAlive: false,
  },
  {
    name: 'HTTP/1.1 Connection: close in mixed case, in a list',
    raw: fixed('HTTP/1.1 500 Internal Server Error', ['CONNECTION: TE, Close'], 'oops'),
    status: 500,
    keepAlive: false,
  },
  {
    name: 'HTTP/1.1 Connection: keep-alive',
    raw: fixed('HTTP/1.1 200 OK', ['Connection: keep-alive', 'Keep-Alive: timeout=5'], '{}'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'headers that only resemble the framing headers are ignored',
    raw: fixed(
      'HTTP/1.1 200 OK',
      ['Proxy-Connection: close', 'X-Content-Length: abc', 'X-Transfer: chunked'],
      'x',
    ),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'mixed-case header names',
    raw: resp('HTTP/1.1 200 OK', ['CONTENT-LENGTH: 4', 'cOnTeNt-TyPe: text/plain'], 'body'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'mixed-case Transfer-Encoding name and value',
    raw: resp('HTTP/1.1 200 OK', ['TRANSFER-encoding: Chunked'], chunked(['abc'])),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'LWS around values',
    raw: resp('HTTP/1.1 200 OK', ['Content-Length: \t 7 \t', 'Connection:\t close  '], 'seven!!'),
    status: 200,
    keepAlive: false,
  },
  {
    name: 'no space after the colon',
    raw: resp('HTTP/1.1 200 OK', ['Content-Length:3', 'X-Kind:identity'], 'abc'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'LWS around Transfer-Encoding: chunked',
    raw: resp('HTTP/1.1 200 OK', ['Transfer-Encoding:   chunked  '], chunked(['xyz'])),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'a repeated, equal Content-Length',
    raw: resp('HTTP/1.1 200 OK', ['Content-Length: 2', 'Content-Length: 2'], 'ok'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'Transfer-Encoding: gzip, chunked',
    raw: resp('HTTP/1.1 200 OK', ['Transfer-Encoding: gzip, chunked'], chunked([b('\x1f\x8b\x08\x00')])),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'status line without a reason phrase',
    raw: fixed('HTTP/1.1 200', [], 'x'),
    status: 200,
    keepAlive: true,
  },
  {
    name: 'empty reason phrase',
    raw: fixed('HTTP/1.1 503 ', ['Retry-After: 1'], ''),
    status: 503,
    keepAlive: true,
  },
  {
    name: 'empty header value and values with colons',
    raw: fixed('HTTP/1.1 301 Moved Permanently', ['X-Empty:', 'Location: http://example.com:8080/a:b'], ''),
    status: 301,
    keepAlive: true,
  },
  {
    name: '101 Switching Protocols ends the HTTP exchange',
    raw: resp('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Connection: Upgrade']),
    status: 101,
    keepAlive: false,
  },
  {
    name: 'an unusual status',
    raw: fixed('HTTP/1.1 599 Whatever', [], 'z'),
    status: 599,
    keepAlive: true,
  },
];

interface BadCase {
  name: string;
  raw: Buffer;
  expectBody?: boolean;
}

const ok = 'HTTP/1.1 200 OK';
const malformed: BadCase[] = [
  { name: 'garbage text', raw: b('hello, world\r\nthis is not http\r\n\r\n') },
  { name: 'HTTP/2 200', raw: b('HTTP/2 200\r\ncontent-length: 0\r\n\r\n') },
  { name: 'HTTP/2.0 200 OK', raw: b('HTTP/2.0 200 OK\r\n\r\n') },
  { name: 'a lower-case protocol name', raw: b('http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n') },
  { name: 'ICY (not HTTP)', raw: b('ICY 200 OK\r\n\r\n') },
  { name: 'missing status digits', raw: resp('HTTP/1.1 OK', ['Content-Length: 0']) },
  { name: 'a two-digit status', raw: resp('HTTP/1.1 20 OK', ['Content-Length: 0']) },
  { name: 'a four-digit status', raw: resp('HTTP/1.1 2000 OK', ['Content-Length: 0']) },
  { name: 'a status below 100', raw: resp('HTTP/1.1 099 Low', ['Content-Length: 0']) },
  { name: 'a letter in the status', raw: resp('HTTP/1.1 2x0 OK', ['Content-Length: 0']) },
  { name: 'Content-Length: abc', raw: resp(ok, ['Content-Length: abc'], 'abc') },
  { name: 'Content-Length: -1', raw: resp(ok, ['Content-Length: -1']) },
  { name: 'Content-Length: 12 34', raw: resp(ok, ['Content-Length: 12 34'], 'x'.repeat(1234)) },
  { name: 'an empty Content-Length', raw: resp(ok, ['Content-Length:']) },
  { name: 'Content-Length: 1.5', raw: resp(ok, ['Content-Length: 1.5'], 'ab') },
  { name: 'a 16-digit Content-Length', raw: resp(ok, ['Content-Length: 1234567890123456']) },
  {
    name: 'conflicting Content-Lengths',
    raw: resp(ok, ['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
  },
  { name: 'chunk size zz', raw: resp(ok, ['Transfer-Encoding: chunked'], 'zz\r\nhello\r\n0\r\n\r\n') },
  { name: 'a missing chunk size', raw: resp(ok, ['Transfer-Encoding: chunked'], '\r\nhello\r\n0\r\n\r\n') },
  {
    name: 'chunk data longer than its size',
    raw: resp(ok, ['Transfer-Encoding: chunked'], '3\r\nhello\r\n0\r\n\r\n'),
  },
  {
    name: 'chunk data not ended by CRLF',
    raw: resp(ok, ['Transfer-Encoding: chunked'], '5\r\nhello\rX0\r\n\r\n'),
  },
  {
    name: 'a chunk size line ended by a bare LF',
    raw: resp(ok, ['Transfer-Encoding: chunked'], '5\nhello\r\n'),
  },
  {
    name: 'a chunk size line with CR but no LF',
    raw: resp(ok, ['Transfer-Encoding: chunked'], '5\rhello\r\n'),
  },
  {
    name: 'a chunk size of 13 hex digits',
    raw: resp(ok, ['Transfer-Encoding: chunked'], '1000000000000\r\nx\r\n'),
  },
  { name: 'a last chunk not ended by CRLF', raw: resp(ok, ['Transfer-Encoding: chunked'], '0\r\n\rX') },
  { name: 'a header line without a colon', raw: resp(ok, ['NoColonHere', 'Content-Length: 0']) },
  // Both transports refuse these alike (test/e2e/http-fidelity.test.ts).
  {
    name: 'Content-Length together with Transfer-Encoding',
    raw: resp(ok, ['Content-Length: 3', 'Transfer-Encoding: chunked'], chunked(['longer than 3'])),
  },
  { name: 'a space in a header name', raw: resp(ok, ['Bad Name: x', 'Content-Length: 0']) },
  { name: 'a bare-LF head', raw: b('HTTP/1.1 200 OK\nContent-Length: 2\n\nok') },
  { name: 'a bare LF after the status line', raw: b('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n') },
  { name: 'a bare LF ending one field', raw: b('HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 0\r\n\r\n') },
  { name: 'a header with an empty name', raw: resp(ok, [': value', 'Content-Length: 0']) },
  { name: 'an obs-fold continuation line', raw: resp(ok, ['X-Long: one', '  two', 'Content-Length: 0']) },
  {
    name: 'a malformed final head after 100 Continue',
    raw: Buffer.concat([resp('HTTP/1.1 100 Continue', []), resp('HTTP/1.1 2OO OK', ['Content-Length: 0'])]),
  },
  {
    name: 'a malformed head even for HEAD',
    raw: resp('HTTP/1.1 200 OK', ['Content-Length: x']),
    expectBody: false,
  },
];

describe('ResponseParser: well-formed responses', () => {
  for (const c of wellFormed) {
    const expectBody = c.expectBody ?? true;
    describe(c.name, () => {
      it('parses in one chunk', () => {
        const parser = new ResponseParser();
        expect(feed(parser, [c.raw], expectBody)).toEqual(expectedOutcome(c, 1));
        expect(parser.error).toBe('');
      });

      it('parses split in two at every byte boundary', () => {
        expect(badSplits(c.raw, expectBody, expectedOutcome(c, 2))).toEqual([]);
      });

      it('parses one byte at a time', () => {
        const parser = new ResponseParser();
        expect(feed(parser, bytes(c.raw), expectBody)).toEqual(expectedOutcome(c, c.raw.length));
      });
    });
  }

  it('does not complete before the last byte of a framed response', () => {
    const parser = new ResponseParser();
    for (const c of wellFormed.filter((w) => !w.untilClose && w.raw.length < 10_000)) {
      const short = c.raw.subarray(0, c.raw.length - 1);
      const got = feed(parser, [short], c.expectBody ?? true);
      expect(got.result, c.name).toBe(NEED_MORE);
      expect(got.closeCompletes, c.name).toBe(false);
    }
  });

  it('says when a response has started: once the final head is read', () => {
    const parser = new ResponseParser();
    const raw = Buffer.concat([resp('HTTP/1.1 100 Continue', []), fixed(ok, [], 'four')]);
    const headEnd = raw.lastIndexOf(b('\r\n\r\n')) + 4;
    parser.reset(true);
    expect(parser.started).toBe(false);
    expect(parser.execute(raw.subarray(0, 10))).toBe(NEED_MORE);
    expect(parser.started).toBe(false);
    // Only the 100 Continue so far.
    expect(parser.execute(raw.subarray(10, raw.indexOf(b('\r\n\r\n')) + 4))).toBe(NEED_MORE);
    expect(parser.started).toBe(false);
    expect(parser.execute(raw.subarray(raw.indexOf(b('\r\n\r\n')) + 4, headEnd))).toBe(NEED_MORE);
    expect(parser.started).toBe(true);
    expect(parser.status).toBe(200);
    expect(parser.finishOnClose()).toBe(false);
    expect(parser.execute(raw.subarray(headEnd))).toBe(0);
  });

  it('does not complete a framed body on close', () => {
    const parser = new ResponseParser();
    const raw = fixed(ok, [], 'twelve bytes');
    parser.reset(true);
    expect(parser.execute(raw.subarray(0, raw.length - 3))).toBe(NEED_MORE);
    expect(parser.finishOnClose()).toBe(false);
    const ch = chunkedResponse(ok, [], chunked(['abc']));
    parser.reset(true);
    expect(parser.execute(ch.subarray(0, ch.length - 2))).toBe(NEED_MORE);
    expect(parser.finishOnClose()).toBe(false);
  });
});

describe('ResponseParser: malformed responses', () => {
  for (const c of malformed) {
    const expectBody = c.expectBody ?? true;
    it(`${c.name}: MALFORMED in one chunk, split anywhere and byte by byte`, () => {
      const parser = new ResponseParser();
      const whole = feed(parser, [c.raw], expectBody);
      expect(whole.result).toBe(MALFORMED);
      expect(parser.error).not.toBe('');

      const bad: string[] = [];
      for (let k = 1; k < c.raw.length; k++) {
        const got = feed(parser, splitAt(c.raw, k), expectBody);
        if (got.result !== MALFORMED || parser.error === '') bad.push(`split at ${k}: ${got.result}`);
      }
      expect(bad).toEqual([]);

      expect(feed(parser, bytes(c.raw), expectBody).result).toBe(MALFORMED);
      expect(parser.error).not.toBe('');
    });
  }

  it('a head over 64 KiB with no end: MALFORMED soon after the limit', () => {
    const parser = new ResponseParser();
    const raw = b(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MB)}`);
    expect(feed(parser, [raw]).result).toBe(MALFORMED);
    expect(parser.error).toMatch(/64 KiB/);

    const pieceSize = 1024;
    const got = feed(parser, pieces(raw, pieceSize));
    expect(got.result).toBe(MALFORMED);
    expect(parser.error).not.toBe('');
    // It gave up within a piece or so of the limit, not at the end of the megabyte.
    expect(got.fed * pieceSize).toBeLessThanOrEqual(MAX_HEAD + 3 + 2 * pieceSize);
  });

  /** A response whose head (before the blank line) is exactly `length` bytes. */
  function headOf(length: number): Buffer {
    const start = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ';
    const head = b(start + 'p'.repeat(length - start.length));
    expect(head.length).toBe(length);
    return Buffer.concat([head, b('\r\n\r\n')]);
  }

  it('a head of exactly 64 KiB parses, however it is split', () => {
    const raw = headOf(MAX_HEAD);
    const parser = new ResponseParser();
    expect(feed(parser, [raw])).toEqual(expectedOutcome({ status: 200, keepAlive: true }, 1));
    for (let k = raw.length - 8; k < raw.length; k++) {
      expect(feed(parser, splitAt(raw, k)), `split at ${k}`).toEqual(
        expectedOutcome({ status: 200, keepAlive: true }, 2),
      );
    }
    expect(feed(parser, pieces(raw, 1000)).result).toBe(0);
  });

  it('a head one byte over 64 KiB is MALFORMED, however it is split', () => {
    const raw = headOf(MAX_HEAD + 1);
    const parser = new ResponseParser();
    expect(feed(parser, [raw]).result).toBe(MALFORMED);
    for (let k = raw.length - 8; k < raw.length; k++) {
      expect(feed(parser, splitAt(raw, k)).result, `split at ${k}`).toBe(MALFORMED);
    }
    expect(feed(parser, pieces(raw, 1000)).result).toBe(MALFORMED);
  });

  it('reports a reason naming the problem', () => {
    const parser = new ResponseParser();
    const reasons: Array<[Buffer, RegExp]> = [
      [b('HTTP/2 200\r\n\r\n'), /status line/],
      [resp(ok, ['Content-Length: abc']), /Content-Length/],
      [resp(ok, ['Content-Length: 1', 'Content-Length: 2']), /conflicting/],
      [resp(ok, ['Transfer-Encoding: chunked'], 'zz\r\n'), /hexadecimal/],
      [resp(ok, ['Transfer-Encoding: chunked'], '1\r\nxy\r\n'), /longer than its size/],
      [resp(ok, ['Broken']), /colon/],
    ];
    for (const [raw, reason] of reasons) {
      expect(feed(parser, [raw]).result).toBe(MALFORMED);
      expect(parser.error).toMatch(reason);
    }
  });
});

describe('ResponseParser: leftover bytes', () => {
  const pairs: Array<{
    name: string;
    first: Buffer;
    firstBody?: boolean;
    second: Buffer;
    status: [number, number];
  }> = [
    {
      name: 'length + length',
      first: fixed(ok, [], 'one'),
      second: fixed(ok, [], 'second!'),
      status: [200, 200],
    },
    {
      name: 'chunked + length',
      first: chunkedResponse('HTTP/1.1 201 Created', [], chunked(['a', 'bc'], { trailers: ['X-T: 1'] })),
      second: fixed('HTTP/1.1 404 Not Found', [], 'missing'),
      status: [201, 404],
    },
    {
      name: '204 + chunked',
      first: resp('HTTP/1.1 204 No Content', []),
      second: chunkedResponse(ok, [], chunked(['x'])),
      status: [204, 200],
    },
    {
      name: 'HEAD + length',
      first: resp(ok, ['Content-Length: 100']),
      firstBody: false,
      second: fixed(ok, [], 'x'.repeat(100)),
      status: [200, 200],
    },
    {
      name: '100 Continue + 200, then 500',
      first: Buffer.concat([resp('HTTP/1.1 100 Continue', []), fixed(ok, [], 'go')]),
      second: fixed('HTTP/1.1 500 Internal Server Error', [], 'no'),
      status: [200, 500],
    },
    {
      name: '1 MB + small',
      first: fixed(ok, [], bigBody),
      second: fixed('HTTP/1.1 202 Accepted', [], ''),
      status: [200, 202],
    },
  ];

  for (const p of pairs) {
    it(`${p.name}: leftover equals the second response's length`, () => {
      const parser = new ResponseParser();
      const both = Buffer.concat([p.first, p.second]);
      parser.reset(p.firstBody ?? true);
      const left = parser.execute(both);
      expect(left).toBe(p.second.length);
      expect(parser.status).toBe(p.status[0]);

      parser.reset(true);
      expect(parser.execute(both.subarray(both.length - left))).toBe(0);
      expect(parser.status).toBe(p.status[1]);

      // The same when the first response arrives in two pieces.
      for (const k of [1, p.first.length >> 1, p.first.length - 1]) {
        parser.reset(p.firstBody ?? true);
        expect(parser.execute(both.subarray(0, k))).toBe(NEED_MORE);
        expect(parser.execute(both.subarray(k)), `split at ${k}`).toBe(p.second.length);
      }
    });
  }
});

describe('ResponseParser: bytes from a real node:http server', () => {
  let server: http.Server;
  let port: number;
  const fixedBody = 'fixed-length body line\n'.repeat(20);
  const pieces3 = ['first piece, ', 'second piece, ', 'third piece'];
  const bigPiece = Buffer.alloc(64 * 1024, 'big\r\n0\r\n\r\n');
  const bigPieces = 16;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      switch (req.url) {
        case '/fixed':
          res.writeHead(200, {
            'Content-Type': 'text/plain',
            'Content-Length': Buffer.byteLength(fixedBody),
          });
          res.end(fixedBody);
          return;
        case '/implicit':
          res.statusCode = 404;
          res.end('not here');
          return;
        case '/pieces':
          res.writeHead(202, { 'Content-Type': 'text/plain' });
          res.write(pieces3[0]!);
          res.write(Buffer.from(pieces3[1]!));
          setImmediate(() => res.end(pieces3[2]!));
          return;
        case '/big':
          res.writeHead(200);
          for (let i = 0; i < bigPieces; i++) res.write(bigPiece);
          res.end();
          return;
        case '/empty':
          res.writeHead(204, { 'X-Note': 'nothing' });
          res.end();
          return;
        case '/not-modified':
          res.writeHead(304, { ETag: '"v1"' });
          res.end();
          return;
        case '/trailers':
          res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' });
          res.write('a body ');
          res.write('with trailers');
          res.addTrailers({ 'X-Checksum': 'abc123' });
          res.end();
          return;
        case '/early':
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('after the hints');
          return;
        case '/continue':
          req.on('end', () => {
            res.writeHead(201);
            res.end('created');
          });
          return;
        default:
          res.writeHead(500);
          res.end('unknown route');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends a hand-written request and returns every byte the server sent until it closed. */
  function capture(request: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('the server did not close within 5 s'));
      }, 5000);
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(Buffer.concat(chunks));
      });
    });
  }

  function get(path: string, method = 'GET', extra = ''): string {
    return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`;
  }

  function headerText(raw: Buffer): string {
    return raw.toString('latin1', 0, raw.indexOf(b('\r\n\r\n')) + 4).toLowerCase();
  }

  /** Whole, split everywhere and byte by byte: completes exactly at the end of what was sent. */
  function expectParsed(raw: Buffer, e: Expected, expectBody = true): void {
    const parser = new ResponseParser();
    expect(feed(parser, [raw], expectBody)).toEqual(expectedOutcome(e, 1));
    expect(badSplits(raw, expectBody, expectedOutcome(e, 2))).toEqual([]);
    expect(feed(parser, bytes(raw), expectBody)).toEqual(expectedOutcome(e, raw.length));
    if (!e.untilClose) {
      expect(feed(parser, [raw.subarray(0, raw.length - 1)], expectBody).result).toBe(NEED_MORE);
    }
  }

  it('a fixed Content-Length', async () => {
    const raw = await capture(get('/fixed'));
    expect(headerText(raw)).toContain(`content-length: ${Buffer.byteLength(fixedBody)}`);
    expect(raw.subarray(raw.length - fixedBody.length).toString('latin1')).toBe(fixedBody);
    expectParsed(raw, { status: 200, keepAlive: false });
  });

  it('a length Node computes from res.end(data)', async () => {
    const raw = await capture(get('/implicit'));
    expect(headerText(raw)).toContain(`content-length: ${'not here'.length}`);
    expectParsed(raw, { status: 404, keepAlive: false });
  });

  it('res.write pieces, sent chunked', async () => {
    const raw = await capture(get('/pieces'));
    expect(headerText(raw)).toContain('transfer-encoding: chunked');
    for (const piece of pieces3) expect(raw.includes(b(piece))).toBe(true);
    expectParsed(raw, { status: 202, keepAlive: false });
  });

  it('1 MB written in pieces, sent chunked', async () => {
    const raw = await capture(get('/big'));
    expect(headerText(raw)).toContain('transfer-encoding: chunked');
    expect(raw.length).toBeGreaterThan(bigPiece.length * bigPieces);
    expectParsed(raw, { status: 200, keepAlive: false });
  });

  it('204 and 304 with no body', async () => {
    expectParsed(await capture(get('/empty')), { status: 204, keepAlive: false });
    expectParsed(await capture(get('/not-modified')), { status: 304, keepAlive: false });
  });

  it('trailers from res.addTrailers', async () => {
    const raw = await capture(get('/trailers'));
    const tail = raw.toString('latin1', raw.lastIndexOf(b('\r\n0\r\n')));
    expect(tail).toBe('\r\n0\r\nX-Checksum: abc123\r\n\r\n');
    expectParsed(raw, { status: 200, keepAlive: false });
  });

  it('103 Early Hints from res.writeEarlyHints', async () => {
    const raw = await capture(get('/early'));
    expect(raw.toString('latin1', 0, 12)).toBe('HTTP/1.1 103');
    expectParsed(raw, { status: 200, keepAlive: false });
  });

  it('100 Continue for Expect: 100-continue', async () => {
    const body = 'request body';
    const request =
      get('/continue', 'POST', `Expect: 100-continue\r\nContent-Length: ${body.length}\r\n`) + body;
    const raw = await capture(request);
    expect(raw.toString('latin1', 0, 12)).toBe('HTTP/1.1 100');
    expectParsed(raw, { status: 201, keepAlive: false });
  });

  it('HEAD: Content-Length sent, body not', async () => {
    const raw = await capture(get('/fixed', 'HEAD'));
    expect(headerText(raw)).toContain(`content-length: ${Buffer.byteLength(fixedBody)}`);
    expect(raw.length).toBe(raw.indexOf(b('\r\n\r\n')) + 4);
    expectParsed(raw, { status: 200, keepAlive: false }, false);
    // Told to expect a body, the parser would wait for it.
    expect(feed(new ResponseParser(), [raw], true).result).toBe(NEED_MORE);
  });

  it('an HTTP/1.0 request to a streaming handler: no length, the body ends at close', async () => {
    const raw = await capture('GET /pieces HTTP/1.0\r\n\r\n');
    expect(headerText(raw)).not.toContain('transfer-encoding');
    expect(headerText(raw)).not.toContain('content-length');
    expectParsed(raw, { status: 202, keepAlive: false, untilClose: true });
  });

  it('two pipelined requests: keep-alive, then a leftover that is exactly the second response', async () => {
    const first = `GET /pieces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    const raw = await capture(first + get('/fixed'));
    const secondStart = raw.indexOf(b('HTTP/1.1 200'));
    expect(secondStart).toBeGreaterThan(0);
    const parser = new ResponseParser();
    parser.reset(true);
    expect(parser.execute(raw)).toBe(raw.length - secondStart);
    expect(parser.status).toBe(202);
    expect(parser.keepAlive).toBe(true);
    parser.reset(true);
    expect(parser.execute(raw.subarray(secondStart))).toBe(0);
    expect(parser.status).toBe(200);
    expect(parser.keepAlive).toBe(false);
  });
});

describe('ResponseParser: reuse', () => {
  /** mulberry32: a small seeded PRNG, so that a failure can be reproduced. */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  interface Mixed {
    kind: string;
    raw: Buffer;
    expectBody: boolean;
    /** undefined: MALFORMED expected. */
    expected?: Expected;
  }

  function mixedResponses(count: number, seed: number): Mixed[] {
    const rnd = prng(seed);
    const int = (n: number) => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const out: Mixed[] = [];
    for (let i = 0; i < count; i++) {
      const status = pick([200, 201, 202, 301, 400, 404, 500, 503]);
      const http10 = rnd() < 0.2;
      const connection = pick(['', 'close', 'keep-alive', 'Keep-Alive']);
      const headers = connection ? [`Connection: ${connection}`] : [];
      const keepAlive = connection.toLowerCase() === 'close' ? false : !http10 || connection !== '';
      const line = `HTTP/1.${http10 ? 0 : 1} ${status} Reason`;
      const prefix =
        rnd() < 0.15 ? resp(pick(['HTTP/1.1 100 Continue', 'HTTP/1.1 103 Early Hints']), []) : b('');
      const kind = pick(['fixed', 'chunked', 'empty', 'head', 'close', 'malformed'] as const);
      let m: Mixed;
      if (kind === 'fixed') {
        const body = Buffer.alloc(int(3000), 'body\r\n\r\n');
        m = { kind, raw: fixed(line, headers, body), expectBody: true, expected: { status, keepAlive } };
      } else if (kind === 'chunked') {
        const parts = Array.from({ length: 1 + int(5) }, () => Buffer.alloc(1 + int(700), 'c\r\n'));
        const body = chunked(parts, {
          upper: rnd() < 0.5,
          ext: rnd() < 0.3 ? ';x=y' : '',
          trailers: rnd() < 0.3 ? ['X-Sum: 1'] : [],
        });
        // Chunked on HTTP/1.1 only.
        const l11 = `HTTP/1.1 ${status} Reason`;
        const ka = connection.toLowerCase() !== 'close';
        m = {
          kind,
          raw: chunkedResponse(l11, headers, body),
          expectBody: true,
          expected: { status, keepAlive: ka },
        };
      } else if (kind === 'empty') {
        const s = pick([204, 304]);
        const raw = resp(line.replace(String(status), String(s)), [...headers, 'Content-Length: 10']);
        m = { kind, raw, expectBody: true, expected: { status: s, keepAlive } };
      } else if (kind === 'head') {
        const raw = resp(line, [...headers, `Content-Length: ${int(100_000)}`]);
        m = { kind, raw, expectBody: false, expected: { status, keepAlive } };
      } else if (kind === 'close') {
        const raw = resp(line, headers, 'until close');
        m = { kind, raw, expectBody: true, expected: { status, keepAlive: false, untilClose: true } };
      } else {
        m = { kind, raw: pick(malformed.filter((x) => x.expectBody !== false)).raw, expectBody: true };
      }
      if (m.expected) m.raw = Buffer.concat([prefix, m.raw]);
      out.push(m);
    }
    return out;
  }

  it('one instance, reset between 1,000 mixed responses split at random, parses all of them', () => {
    const rnd = prng(7);
    const parser = new ResponseParser();
    const mix = mixedResponses(1000, 12345);
    const kinds = new Set(mix.map((m) => m.kind));
    expect(kinds.size).toBe(6);
    const wrong: string[] = [];
    mix.forEach((m, i) => {
      // Now and then a response abandoned half way (a timeout) before the next one.
      if (rnd() < 0.1) {
        parser.reset(true);
        parser.execute(m.raw.subarray(0, Math.floor(rnd() * m.raw.length)));
      }
      const cuts = [
        ...new Set(Array.from({ length: Math.floor(rnd() * 4) }, () => 1 + Math.floor(rnd() * m.raw.length))),
      ]
        .filter((k) => k < m.raw.length)
        .sort((x, y) => x - y);
      const bounds = [0, ...cuts, m.raw.length];
      const parts = bounds.slice(1).map((end, j) => m.raw.subarray(bounds[j], end));
      const got = feed(parser, parts, m.expectBody);
      if (m.expected) {
        const expected = expectedOutcome(m.expected, parts.length);
        if (!sameOutcome(got, expected))
          wrong.push(`#${i} ${m.kind}: ${JSON.stringify(got)} ${JSON.stringify(expected)}`);
        if (parser.error !== '') wrong.push(`#${i} ${m.kind}: error left over: ${parser.error}`);
      } else if (got.result !== MALFORMED || parser.error === '') {
        wrong.push(`#${i} malformed: ${JSON.stringify(got)}`);
      }
    });
    expect(wrong).toEqual([]);
  });
});

describe('a reused read buffer (net onread)', () => {
  it('reads only the given range and never bytes left over from an earlier read', () => {
    const shared = Buffer.alloc(256, 0);
    // Stale bytes that would end a head early if the parser looked past `stop`.
    shared.write('\r\n\r\nHTTP/1.1 500 Stale\r\n\r\n', 40, 'latin1');
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n';
    const parser = new ResponseParser();
    parser.reset(true);
    const n1 = shared.write(head, 0, 'latin1');
    expect(parser.execute(shared, 0, n1)).toBe(NEED_MORE);
    // The next read lands in the same buffer and overwrites the first.
    const n2 = shared.write('\r\nabc', 0, 'latin1');
    expect(parser.execute(shared, 0, n2)).toBe(0);
    expect(parser.status).toBe(200);
  });
});

/** Feeds `pieces` through one shared, reused buffer (as net's onread does) with a capture on. */
function captureThrough(
  raw: Iterable<Buffer>,
  expectBody = true,
): { result: number; cap: ResponseCapture; head: string } {
  const parser = new ResponseParser();
  const cap = new ResponseCapture();
  let head = '';
  // Records the head section too, to check it against the fields.
  const sink: CaptureSink = {
    head: (buf, start, end) => {
      head = buf.toString('latin1', start, end);
    },
    header: (...a) => cap.header(...a),
    body: (...a) => cap.body(...a),
  };
  parser.capture = sink;
  parser.reset(expectBody);
  const shared = Buffer.alloc(64 * 1024);
  let result = NEED_MORE;
  for (const piece of raw) {
    piece.copy(shared, 0);
    result = parser.execute(shared, 0, piece.length);
    // Scribble over the read buffer, as the next read would: the capture must hold copies.
    shared.fill(0x58, 0, piece.length);
    if (result !== NEED_MORE) break;
  }
  return { result, cap, head };
}

describe('ResponseParser: capture', () => {
  const headers = [
    'Content-Type: application/json',
    'Set-Cookie: a=1; Path=/',
    'X-Spaced:   padded value \t',
    'set-cookie: b=2',
    'X-Empty:',
  ];
  const body = '{"ok":true,"text":"caf\u00e9"}';
  const whole = fixed('HTTP/1.1 201 Created', headers, Buffer.from(body, 'utf8'));
  const expectedHeaders = [
    'content-type',
    'application/json',
    'set-cookie',
    'a=1; Path=/',
    'x-spaced',
    'padded value',
    'set-cookie',
    'b=2',
    'x-empty',
    '',
    'content-length',
    String(Buffer.byteLength(body)),
  ];

  it('captures lower-cased fields in order, repeats kept, and a copy of the body (whole)', () => {
    const { result, cap } = captureThrough([whole]);
    expect(result).toBe(0);
    expect(cap.headers).toEqual(expectedHeaders);
    expect(cap.values('set-cookie')).toEqual(['a=1; Path=/', 'b=2']);
    expect(cap.bodyBytes().toString('utf8')).toBe(body);
  });

  it('captures the same, split in two at every byte', () => {
    const bad: number[] = [];
    for (let k = 0; k <= whole.length; k++) {
      const { result, cap } = captureThrough([whole.subarray(0, k), whole.subarray(k)]);
      if (result !== 0 || cap.bodyBytes().toString('utf8') !== body) bad.push(k);
      else if (JSON.stringify(cap.headers) !== JSON.stringify(expectedHeaders)) bad.push(k);
    }
    expect(bad).toEqual([]);
  });

  it('captures chunked data only, without framing, extensions or trailers, at every split', () => {
    const parts = ['hello ', 'chunked ', 'world'];
    const raw = chunkedResponse(
      'HTTP/1.1 200 OK',
      ['Set-Cookie: c=3'],
      chunked(parts, { ext: ';x=y', trailers: ['X-Trailer: t'] }),
    );
    const bad: number[] = [];
    for (let k = 0; k <= raw.length; k++) {
      const { result, cap } = captureThrough([raw.subarray(0, k), raw.subarray(k)]);
      if (result !== 0 || cap.bodyBytes().toString('latin1') !== parts.join('')) bad.push(k);
      else if (JSON.stringify(cap.values('set-cookie')) !== '["c=3"]') bad.push(k);
      else if (cap.values('x-trailer').length !== 0) bad.push(k);
    }
    expect(bad).toEqual([]);
    const oneByOne = captureThrough(bytes(raw));
    expect(oneByOne.result).toBe(0);
    expect(oneByOne.cap.bodyBytes().toString('latin1')).toBe(parts.join(''));
  });

  it('HEAD: fields captured, no body even with a Content-Length', () => {
    const raw = resp('HTTP/1.1 200 OK', ['Content-Length: 1234', 'ETag: "x"']);
    const { result, cap } = captureThrough([raw], false);
    expect(result).toBe(0);
    expect(cap.headers).toEqual(['content-length', '1234', 'etag', '"x"']);
    expect(cap.chunks).toEqual([]);
  });

  it('a body that runs until close is captured as it comes', () => {
    const raw = resp('HTTP/1.0 200 OK', ['X-A: 1'], 'until close');
    const parser = new ResponseParser();
    const cap = new ResponseCapture();
    parser.capture = cap;
    parser.reset(true);
    expect(parser.execute(raw.subarray(0, 30))).toBe(NEED_MORE);
    expect(parser.execute(raw.subarray(30))).toBe(NEED_MORE);
    expect(parser.finishOnClose()).toBe(true);
    expect(cap.bodyBytes().toString('latin1')).toBe('until close');
  });

  it('skips the fields of 1xx heads: only the final head is the response', () => {
    const raw = Buffer.concat([
      resp('HTTP/1.1 103 Early Hints', ['Link: </a.css>; rel=preload']),
      fixed('HTTP/1.1 200 OK', ['X-Final: yes'], 'ok'),
    ]);
    const { result, cap } = captureThrough([raw]);
    expect(result).toBe(0);
    expect(cap.headers).toEqual(['x-final', 'yes', 'content-length', '2']);
  });

  it('head() gives the field lines whole; parseHeaderLines decodes them as the parser does', () => {
    const { head, cap } = captureThrough([whole]);
    const again = new ResponseCapture();
    const copy = Buffer.from(head, 'latin1');
    parseHeaderLines(copy, 0, copy.length, again);
    expect(again.headers).toEqual(cap.headers);
  });

  it('captures nothing when off, and reset() clears a capture', () => {
    const parser = new ResponseParser();
    expect(feed(parser, [whole]).result).toBe(0);
    const cap = new ResponseCapture();
    cap.header(b('A: 1'), 0, 1, 3, 4);
    cap.reset();
    expect(cap.headers).toEqual([]);
    expect(cap.bodyBytes().length).toBe(0);
  });
});

describe('ResponseParser: Keep-Alive timeout (the lean pool reuses a connection within it)', () => {
  const cases: Array<[string, number]> = [
    ['Keep-Alive: timeout=5', 5000],
    ['Keep-Alive: timeout=5, max=1000', 5000],
    ['keep-alive: max=100, Timeout=2', 2000],
    ['Keep-Alive: max=100', -1],
    ['Keep-Alive: timeout=', -1],
    ['Keep-Alive: timeout=x', -1],
  ];
  for (const [field, ms] of cases) {
    it(`${field} → ${ms}`, () => {
      const p = new ResponseParser();
      p.reset(true);
      expect(p.execute(fixed('HTTP/1.1 200 OK', [field], 'ok'))).toBe(0);
      expect(p.keepAliveMs).toBe(ms);
    });
  }

  it('is forgotten by the next response', () => {
    const p = new ResponseParser();
    p.reset(true);
    p.execute(fixed('HTTP/1.1 200 OK', ['Keep-Alive: timeout=5'], 'ok'));
    p.reset(true);
    p.execute(fixed('HTTP/1.1 200 OK', [], 'ok'));
    expect(p.keepAliveMs).toBe(-1);
  });
});
