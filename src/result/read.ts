import { readFileSync } from 'node:fs';
import { SquallError } from '../errors/index.js';
import type { ResultDocument } from './schema.js';
import { upgradeResult } from './upgrade.js';
import { firstResultProblem } from './validate.js';

/** Where JSON.parse stopped, as `line L, column C` when Node's message gives a position. */
function jsonPosition(text: string, message: string): { line?: number; column?: number } {
  const m = /position (\d+)/.exec(message);
  if (!m) return {};
  const before = text.slice(0, Number(m[1]));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

const fail = (file: string, message: string, where: { line?: number; column?: number } = {}) =>
  new SquallError('SQ_RESULT_READ', message, {
    where: { file, ...where },
    hint: 'give it a file written by `squall quick|run … -o json=result.json` (or --json)',
  });

/**
 * Reads a saved result document (`squall report`): what identifies one (the tool, the schema
 * version, the figures) with its own message, then every field the renderers read (validate.ts),
 * so a corrupted file is exit 2 naming its first bad field, never a renderer's crash.
 */
export function readResultFile(file: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(file, `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    throw fail(file, `${file} is not JSON: ${msg}`, jsonPosition(text, msg));
  }
  return parseResultDocument(doc, file);
}

/**
 * Checks that a parsed JSON value is a squall result document (schema 1 or 2) and returns it
 * with what schema 2 adds filled in for an older one (upgrade.ts): what every reader of a
 * document (report, merge, compare) calls, so that renderers trust the document they get.
 * `file` names the source in messages.
 */
export function parseResultDocument(doc: unknown, file: string): ResultDocument {
  const o = doc as Partial<ResultDocument> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o.tool !== 'squall') {
    throw fail(file, `${file} is JSON but not a squall result document (no "tool": "squall")`);
  }
  if (o.schema !== 1 && o.schema !== 2) {
    throw fail(
      file,
      `${file} is a squall result of schema ${JSON.stringify(o.schema)}; this squall reads schemas 1 and 2`,
    );
  }
  if (typeof o.metrics !== 'object' || o.metrics === null || !Array.isArray(o.endpoints)) {
    throw fail(file, `${file} is a squall result document without its "metrics" and "endpoints"`);
  }
  const problem = firstResultProblem(o);
  if (problem !== undefined) {
    throw fail(file, `${file} is not a valid squall result document: ${problem}`);
  }
  return upgradeResult(o as ResultDocument);
}
