import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * A TypeScript test is bundled with the files it imports (esbuild, issue 14), yet each file keeps
 * its own location, as it would unbundled: a helper reads its neighbours through its own
 * `import.meta.url`, `import.meta.dirname` and `__dirname`, and a file that declares its own
 * `__dirname` (the usual ES-module idiom) keeps it.
 */

const dir = tempDir('squall-ts-locations-');
let server: RecordingServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startRecordingServer();
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

describe('a TypeScript test and the files it imports', () => {
  it('each reads its own neighbours, by import.meta.url, import.meta.dirname and __dirname', async () => {
    mkdirSync(join(dir.path, 'lib'), { recursive: true });
    writeFileSync(join(dir.path, 'which.txt'), 'test-folder');
    writeFileSync(join(dir.path, 'lib', 'which.txt'), 'lib-folder');
    writeFileSync(
      join(dir.path, 'lib', 'paths.ts'),
      `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
export const byUrl = readFileSync(new URL('./which.txt', import.meta.url), 'utf8');
export const byDirname = readFileSync(join(import.meta.dirname, 'which.txt'), 'utf8');
export const byCjsDirname = readFileSync(join(__dirname, 'which.txt'), 'utf8');
`,
    );
    const test = join(dir.path, 'locations.ts');
    writeFileSync(
      test,
      `import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineTest } from 'squall';
import { byCjsDirname, byDirname, byUrl } from './lib/paths.ts';
const __dirname = dirname(fileURLToPath(import.meta.url));
const own = readFileSync(join(__dirname, 'which.txt'), 'utf8');
export default defineTest({
  vus: 1,
  iterations: 1,
  users: [{ name: 'u', async run({ http }) {
    await http.get(\`/\${own}/\${byUrl}/\${byDirname}/\${byCjsDirname}\`);
  } }],
});
`,
    );
    const r = await runCli(['run', test, '--host', server.url, '-q'], {
      cwd: dir.path,
      env: { SQUALL_CACHE_DIR: join(dir.path, 'cache') },
    });
    expect(r.code, explain(r)).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/test-folder/lib-folder/lib-folder/lib-folder']);
  });
});
