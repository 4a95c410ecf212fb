import { beforeAll, describe, expect, it } from 'vitest';
import { explain, requireBuiltCli, runCli } from '../helpers/run-cli.js';

/** Help is where a user learns the CLI: it exits 0, on stdout, with examples to copy. */

beforeAll(requireBuiltCli);

describe('--help', () => {
  it.each(['quick', 'run', 'demo', 'serve-demo', 'monitor', 'report', 'init'])(
    'squall %s --help exits 0 and shows examples',
    async (command) => {
      const run = await runCli([command, '--help']);
      expect(run.code, explain(run)).toBe(0);
      expect(run.stdout, explain(run)).toContain(`Usage: squall ${command}`);
      expect(run.stdout, explain(run)).toContain('Examples:');
      expect(run.stdout, explain(run)).toMatch(new RegExp(`\\$ squall ${command}`));
    },
  );

  it('squall --help lists the commands', async () => {
    const run = await runCli(['--help']);
    expect(run.code, explain(run)).toBe(0);
    for (const command of ['quick', 'run', 'demo', 'serve-demo', 'monitor', 'report', 'init'])
      expect(run.stdout, explain(run)).toContain(command);
  });

  it('squall --version prints the version', async () => {
    const run = await runCli(['--version']);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toMatch(/^\d+\.\d+\.\d+/);
  });
});
