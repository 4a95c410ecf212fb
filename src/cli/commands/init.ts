import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { badFlag } from '../../errors/index.js';
import { TS_TEMPLATE, YAML_TEMPLATE } from '../init-templates.js';

const EXAMPLES = `
Examples:
  $ squall init                       # load-test.ts (TypeScript, runs without a build step)
  $ squall init --yaml                # load-test.yaml
  $ squall init --yaml checkout.yaml
  $ squall serve-demo & squall run load-test.ts`;

export function registerInit(program: Command, _setExit: (code: number) => void): void {
  program
    .command('init')
    .description('write a commented starter test that runs against squall serve-demo')
    .argument('[file]', 'where to write it (default load-test.ts, or load-test.yaml with --yaml)')
    .option('--yaml', 'write the YAML form instead of TypeScript')
    .option('-f, --force', 'overwrite the file if it exists')
    .addHelpText('after', EXAMPLES)
    .action((file: string | undefined, opts: { yaml?: boolean; force?: boolean }) => {
      const yaml = opts.yaml || /\.ya?ml$/i.test(file ?? '');
      const path = resolve(file ?? (yaml ? 'load-test.yaml' : 'load-test.ts'));
      if (existsSync(path) && !opts.force) {
        throw badFlag('[file]', `${path} exists already; pass --force to overwrite it, or name another file`);
      }
      writeFileSync(path, yaml ? YAML_TEMPLATE : TS_TEMPLATE);
      process.stderr.write(
        `wrote ${path}\nnext: squall serve-demo (in another terminal), then squall run ${file ?? (yaml ? 'load-test.yaml' : 'load-test.ts')}\n`,
      );
    });
}
