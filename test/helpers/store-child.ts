import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A separate Node process that uses the built store (dist/store), for what one process cannot
 * show: two writers on one file, a writer killed mid-save, a user who may not write a folder.
 */
const OPEN = pathToFileURL(fileURLToPath(new URL('../../dist/store/open.js', import.meta.url))).href;
const FIXTURE = fileURLToPath(new URL('../fixtures/results/run-full.json', import.meta.url));

const SCRIPT = `
import { readFileSync } from 'node:fs';
import { openStore } from ${JSON.stringify(OPEN)};
const [spec, mode, count, name] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(${JSON.stringify(FIXTURE)}, 'utf8'));
const meta = (i) => ({ name, labels: { i: String(i) }, kind: 'run', startedAt: doc.startedAt, passed: doc.passed,
  git: null, host: 'h', cpu: 'c', node: process.version, squallVersion: '0.1.0', ci: null });
try {
  const store = await openStore(spec, process.cwd());
  if (mode === 'save') {
    // Both writers start together: each waits for a line on stdin once its store is open.
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.destroy();
    for (let i = 0; i < Number(count); i++) process.stdout.write('saved ' + (await store.save(doc, meta(i))) + '\\n');
  }
  await store.close();
  process.stdout.write('done\\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ code: e.code, exitCode: e.exitCode, message: e.message }) + '\\n');
  process.exitCode = 3;
}
`;

/** Writes the child's script into `dir` (readable by every user). */
export function writeStoreChild(dir: string): string {
  const path = join(dir, 'store-child.mjs');
  writeFileSync(path, SCRIPT, { mode: 0o644 });
  return path;
}

/** Starts the child: `save` N runs named `name` into `spec`, or only `open` it. */
export function spawnStoreChild(
  script: string,
  spec: string,
  mode: 'save' | 'open',
  count = 0,
  name = 'child',
  asUser?: string,
): ChildProcess {
  const args = [script, spec, mode, String(count), name];
  return asUser
    ? spawn('runuser', ['-u', asUser, '--', process.execPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves once every child has opened its store and waits; then starts them all at once. */
export async function startTogether(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          let out = '';
          const on = (b: Buffer) => {
            out += b.toString();
            if (out.includes('ready\n')) {
              c.stdout!.off('data', on);
              resolve();
            }
          };
          c.stdout!.on('data', on);
          c.once('close', () => reject(new Error(`the child ended before it was ready: ${out}`)));
        }),
    ),
  );
  for (const c of children) c.stdin!.write('go\n');
}

/** Its whole stdout and exit status. */
export function finished(child: ChildProcess): Promise<{ out: string; err: string; status: number | null }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ out, err, status })));
}
