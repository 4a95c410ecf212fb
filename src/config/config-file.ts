import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { SquallError } from '../errors/index.js';

/** The names a config file may have, in the order they are looked for in each folder. */
export const CONFIG_FILE_NAMES = [
  'squall.config.json',
  'squall.config.yaml',
  'squall.config.yml',
  'squall.config.ts',
];

export interface ConfigFile {
  /** As messages show it: relative to the current folder when below it. */
  file: string;
  absPath: string;
  /** The file's top level: option keys, and sections named after commands. */
  data: Record<string, unknown>;
}

/** The nearest squall.config.* from `cwd` upward (like locust.conf), or undefined. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function invalid(file: string, message: string, cause?: unknown): SquallError {
  return new SquallError('SQ_CONFIG_INVALID', `${file}: ${message}`, {
    where: { file },
    hint: 'a squall config file holds flag values by long name in camelCase, e.g. { "vus": 10, "run": { "duration": "30s" } } (docs/test-file.md)',
    cause,
  });
}

/** Reads and parses a config file; a file that is not a mapping, or does not parse, is exit 2. */
export async function loadConfigFile(absPath: string, cwd: string): Promise<ConfigFile> {
  const rel = relative(cwd, absPath);
  const file = rel.startsWith('..') ? absPath : rel;
  let data: unknown;
  if (absPath.endsWith('.ts')) {
    const { importTestModule } = await import('./load-module.js');
    const ns = await importTestModule(absPath, file);
    data = ns.default ?? ns.config;
  } else {
    let text: string;
    try {
      text = readFileSync(absPath, 'utf8');
    } catch (e) {
      throw invalid(file, `cannot be read (${(e as Error).message})`, e);
    }
    try {
      data = absPath.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text);
    } catch (e) {
      throw invalid(file, `does not parse: ${(e as Error).message.split('\n')[0]}`, e);
    }
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw invalid(
      file,
      `expected a mapping of flag names to values at the top level, got ${Array.isArray(data) ? 'a list' : typeof data}`,
    );
  }
  return { file, absPath, data: data as Record<string, unknown> };
}
