import type { Command } from 'commander';
import { SquallError } from '../../errors/index.js';
import { didYouMean } from '../../util/suggest.js';
import { loadNearestConfig, optionInfos, resolveSources } from '../option-layers.js';

const EXAMPLES = `
Examples:
  $ squall config run                     # what squall run would use here, and from where
  $ SQUALL_VUS=20 squall config run -- --duration 1m
  $ squall config run --json              # the same as JSON: { key: { value, source, from } }
  $ squall config                         # the config file and .env found from here

Sources, the first that gives a value wins: a flag, a SQUALL_* variable (--max-endpoints:
SQUALL_MAX_ENDPOINTS; --no-color: SQUALL_NO_COLOR=1), the nearest squall.config.json|yaml|yml|ts
from here upward (keys in camelCase: maxEndpoints; a command's own section, run: { vus: 10 },
beats the top level), then the default. A .env file here sets variables not already set.`;

interface Row {
  flag: string;
  value: unknown;
  source: string;
  from?: string;
}

export function registerConfig(program: Command, setExit: (code: number) => void): void {
  program
    .command('config')
    .description('print the configuration a command would use here, and where each value came from')
    .argument('[command]', 'the command whose options to show (run, quick, bench, …)')
    .argument('[flags...]', 'flags as you would give them to that command, after --')
    .option('--json', 'print { key: { value, source, from } } as JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (name: string | undefined, flags: string[], opts: { json?: boolean }) => {
      const cwd = process.cwd();
      const config = await loadNearestConfig(cwd);
      const head = `config file: ${config?.file ?? 'none (squall.config.json|yaml|yml|ts, searched upward)'}`;
      if (name === undefined) {
        process.stdout.write(`${head}\n`);
        setExit(0);
        return;
      }
      const target = program.commands.find((c) => c.name() === name && name !== 'config');
      if (target === undefined) {
        const names = program.commands.map((c) => c.name()).filter((n) => n !== 'config');
        const guess = didYouMean(name, names);
        throw new SquallError(
          'SQ_USAGE_UNKNOWN_COMMAND',
          `squall config: no command '${name}'${guess ? ` (${guess})` : ''}`,
          {
            hint: `the commands are ${names.join(', ')}`,
          },
        );
      }
      // The flags as the command itself reads them (values typed on the line are source 'cli').
      const { unknown } = target.parseOptions(flags);
      if (unknown.length > 0) {
        throw new SquallError(
          'SQ_USAGE_UNKNOWN_FLAG',
          `squall config ${name}: unknown option '${unknown[0]}'`,
          {
            hint: `see squall ${name} --help`,
          },
        );
      }
      const sources = resolveSources(program, target, process.env, config);
      const rows: Record<string, Row> = {};
      for (const info of optionInfos(target)) {
        const typed = target.getOptionValueSource(info.key) === 'cli';
        const s = sources.get(info.key);
        const dflt = target.getOptionValue(info.key);
        const flag = info.kind === 'negate' ? info.long.replace(/^--no-/, '--[no-]') : info.long;
        if (typed) rows[info.key] = { flag, value: dflt, source: 'flag' };
        else if (s !== undefined) rows[info.key] = { flag, value: s.value, source: s.source, from: s.from };
        else if (dflt !== undefined) rows[info.key] = { flag, value: dflt, source: 'default' };
      }
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ command: name, configFile: config?.file ?? null, options: rows }, null, 2)}\n`,
        );
        setExit(0);
        return;
      }
      const list = Object.values(rows);
      const w = Math.max(4, ...list.map((r) => r.flag.length));
      const shown = list.map((r) => (Array.isArray(r.value) ? r.value.join(', ') : String(r.value)));
      const v = Math.max(5, ...shown.map((x) => x.length));
      const lines = list.map(
        (r, i) => `  ${r.flag.padEnd(w)}  ${shown[i]!.padEnd(v)}  ${r.source}${r.from ? ` ${r.from}` : ''}`,
      );
      process.stdout.write(
        `squall ${name}: ${head}\n${lines.join('\n') || '  (no option set)'}\n` +
          `  every other option: unset (flag, SQUALL_<FLAG>, or ${name}: { key: value } in the config file)\n`,
      );
      setExit(0);
    });
}
