import { readFileSync } from 'node:fs';

/** squall's version, from its package.json (two folders up from src/result and dist/result). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
