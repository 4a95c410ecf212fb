import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { badFlag, SquallError } from '../errors/index.js';
import { renderJson } from '../report/json.js';
import type { ResultDocument } from '../result/schema.js';

const RENDERERS: Record<string, (r: ResultDocument) => string> = {
  json: renderJson,
};

/** Writes every `-o KIND=PATH` output; a failed write is named with its path and reason. */
export function writeOutputs(
  result: ResultDocument,
  outputs: ReadonlyArray<{ kind: string; path: string }>,
): string[] {
  const written: string[] = [];
  for (const { kind, path } of outputs) {
    const render = RENDERERS[kind];
    if (!render) continue;
    const full = resolve(path);
    try {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, render(result));
    } catch (e) {
      throw new SquallError(
        'SQ_OUTPUT_WRITE',
        `could not write the ${kind} output to ${path}: ${(e as Error).message}`,
        {
          where: { flag: '-o' },
          cause: e,
        },
      );
    }
    written.push(full);
  }
  return written;
}

/**
 * Checks before the load starts that every output can be written, so a long run never ends
 * in a write error: the folder exists or can be made and is writable, the path is no folder.
 */
export function checkOutputsWritable(outputs: ReadonlyArray<{ kind: string; path: string }>): void {
  for (const { kind, path } of outputs) {
    const full = resolve(path);
    try {
      if (existsSync(full) && statSync(full).isDirectory()) throw new Error('it is a directory');
      mkdirSync(dirname(full), { recursive: true });
      accessSync(dirname(full), constants.W_OK);
      if (existsSync(full)) accessSync(full, constants.W_OK);
    } catch (e) {
      throw badFlag('-o', `-o ${kind}=${path} cannot be written: ${(e as Error).message}`);
    }
  }
}
