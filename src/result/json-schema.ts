import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { resultDocumentSchema } from './validate.js';

/**
 * The result document's schema as JSON Schema (draft 2020-12), made from the very zod schema
 * that squall's readers validate with, so that other tools validate documents as squall does.
 * The build writes it into the package (`squall/result-schema.json`); it is not committed.
 */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(resultDocumentSchema, { target: 'draft-2020-12' }),
    title: 'squall result document',
    description:
      'A squall run result, schema 1 or 2 (docs/result-schema.md). Objects accept fields not listed here.',
  };
}

/** Writes the JSON Schema file (the build runs this). */
export function writeResultJsonSchema(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(resultJsonSchema(), null, 2)}\n`);
}
