import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md "Architecture": each folder of src/ is a layer and imports only layers below it, for
 * value and type imports alike (docs/architecture.md). Top first; folders on one line share a
 * layer and may import each other. `thresholds` is not in DESIGN.md's list: it sits below `monitor`
 * (whose metrics thresholds name) and above `script-api`.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['api'],
  ['live'],
  ['report'],
  ['store'],
  ['analysis'],
  ['convert'],
  ['config'],
  ['flow', 'feeders'],
  ['engine'],
  ['transports'],
  ['metrics'],
  ['result'],
  ['monitor'],
  ['thresholds'],
  ['script-api'],
  ['errors', 'util'],
];
/** A separate program squall can start: nothing imports it. */
const UNIMPORTABLE = new Set(['demo']);
/** Not layers: the package's entry point (src/index.ts) and ambient declarations. */
const EXEMPT = new Set(['', 'types']);

/**
 * Upward imports tolerated for now: none, and the list must stay empty. An upward import is
 * removed by moving the piece it needs down a layer or by inverting the dependency, not by an
 * entry here. Keyed `from-file -> to-folder`; an entry that no longer matches fails.
 */
const ALLOWED: Readonly<Record<string, string>> = {};

interface Violation {
  /** Path of the importing file, relative to the source root, with `/`. */
  file: string;
  specifier: string;
  to: string;
  why: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    // Tests may reach across layers to set a scene; the rule is about the product's modules.
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

/** Every module a file names: import/export from, `import type`, `import()` and `import('x').T`. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) found.push(e.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const lit = node.argument.literal;
      if (ts.isStringLiteral(lit)) found.push(lit.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const folderOf = (root: string, path: string): string => {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? parts[0]! : '';
};

function rankOf(folder: string): number {
  return LAYERS.findIndex((names) => names.includes(folder));
}

/** The imports under `root` that break the layering, allowed ones included. */
function layerViolations(root: string): Violation[] {
  const out: Violation[] = [];
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    const rel = relative(root, file).split(sep).join('/');
    if (EXEMPT.has(from)) continue;
    if (!UNIMPORTABLE.has(from) && rankOf(from) < 0) {
      out.push({
        file: rel,
        specifier: '',
        to: from,
        why: `folder '${from}' is in no layer: add it to LAYERS`,
      });
      continue;
    }
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(root + sep)) continue;
      const to = folderOf(root, target);
      if (to === from) continue;
      if (UNIMPORTABLE.has(to)) out.push({ file: rel, specifier, to, why: `'${to}' is imported by no one` });
      else if (UNIMPORTABLE.has(from) || EXEMPT.has(to)) continue;
      else if (rankOf(to) < 0) out.push({ file: rel, specifier, to, why: `folder '${to}' is in no layer` });
      else if (rankOf(to) < rankOf(from))
        out.push({ file: rel, specifier, to, why: `'${from}' may not import '${to}', a layer above it` });
    }
  }
  return out;
}

const SRC = fileURLToPath(new URL('.', import.meta.url)).replace(/[\\/]$/, '');

describe('layering (DESIGN.md "Architecture")', () => {
  const violations = layerViolations(SRC);
  const key = (v: Violation) => `${v.file} -> ${v.to}`;

  it('has no upward import, value or type, beyond the allow-list', () => {
    const unexpected = violations
      .filter((v) => !(key(v) in ALLOWED))
      .map((v) => `${key(v)} (${v.specifier}): ${v.why}`);
    expect(unexpected).toEqual([]);
  });

  it('keeps no stale allow-list entry', () => {
    const seen = new Set(violations.map(key));
    expect(Object.keys(ALLOWED).filter((k) => !seen.has(k))).toEqual([]);
  });

  it('fails on a planted upward import, a type-only one and one into demo', () => {
    const root = mkdtempSync(join(tmpdir(), 'squall-layers-'));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      write('report/console.ts', 'export const render = () => 1;\n');
      write('demo/main.ts', 'export const start = () => 1;\n');
      write('util/ok.ts', "import { x } from '../errors/x.js';\nexport const ok = x;\n");
      write('errors/x.ts', 'export const x = 1;\n');
      write('engine/bad.ts', "import { render } from '../report/console.js';\nexport const bad = render;\n");
      write('metrics/bad-type.ts', "import type { Plan } from '../config/plan.js';\nexport type P = Plan;\n");
      write('config/plan.ts', 'export interface Plan { a: number }\n');
      write('cli/bad-demo.ts', "export const load = () => import('../demo/main.js');\n");
      write('flow/dyn-type.ts', "export type R = import('../api/session.js').Session;\n");
      write('api/session.ts', 'export interface Session { a: number }\n');
      expect(layerViolations(root).map(key).sort()).toEqual([
        'cli/bad-demo.ts -> demo',
        'engine/bad.ts -> report',
        'flow/dyn-type.ts -> api',
        'metrics/bad-type.ts -> config',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
