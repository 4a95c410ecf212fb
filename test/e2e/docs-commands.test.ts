import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuiltCli, runCli } from '../helpers/run-cli.js';

/**
 * Every `squall …` command in README.md and docs/*.md names a command and flags the CLI has
 * (issue 10 #25: the docs offered a `--save` that does not exist). The commands come from code
 * blocks (`$ squall …` lines, and `squall …` lines of sh blocks) and inline `squall …` spans; the
 * flags come from the real CLI's own `--help`, one per command.
 */

interface Flags {
  /** Every flag name (`-c`, `--connections`, `--no-color`). */
  names: Set<string>;
  /** The ones that take a value, so the value is not read as a flag. */
  takesValue: Set<string>;
}

interface DocCommand {
  where: string;
  text: string;
}

/** Commands and their flags, from `squall --help` and `squall <cmd> --help`. */
async function cliFlags(): Promise<Map<string, Flags>> {
  const top = await runCli(['--help']);
  expect(top.code).toBe(0);
  const commands = [...top.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== 'help');
  expect(commands.length).toBeGreaterThan(3);
  const out = new Map<string, Flags>();
  out.set('', parseOptions(top.stdout));
  for (const c of commands) {
    const help = await runCli([c, '--help']);
    expect(help.code, `squall ${c} --help`).toBe(0);
    out.set(c, parseOptions(help.stdout));
    // A command with subcommands (history list, baseline set): each has its own flags.
    const subs = [...(help.stdout.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][\w-]*)/gm)]
      .map((m) => m[1]!)
      .filter((s) => s !== 'help');
    for (const s of subs) {
      const sub = await runCli([c, s, '--help']);
      expect(sub.code, `squall ${c} ${s} --help`).toBe(0);
      out.set(`${c} ${s}`, parseOptions(sub.stdout));
    }
  }
  return out;
}

function parseOptions(help: string): Flags {
  const flags: Flags = { names: new Set(['-h', '--help']), takesValue: new Set() };
  const section = help.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
  for (const m of section.matchAll(/^ {2}(-\w)?(?:, )?(--[\w-]+)?((?: [<[][^>\]]*[>\]])?)/gm)) {
    for (const name of [m[1], m[2]]) {
      if (!name) continue;
      flags.names.add(name);
      if (m[3]) flags.takesValue.add(name);
    }
  }
  return flags;
}

/** The documentation the test reads: README.md and every docs/*.md. */
function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** `squall …` commands of one Markdown file, with their file:line. */
function commandsIn(file: string): DocCommand[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const found: DocCommand[] = [];
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${file}:${i + 1}`;
    const opening = /^\s*```(\w*)/.exec(line);
    if (opening) {
      fence = fence === null ? opening[1]! : null;
      continue;
    }
    if (fence !== null) {
      // A shell block holds commands; any other block is output, where a command is a `$ ` line.
      const shell = ['sh', 'bash', 'shell', 'console'].includes(fence);
      const m = /^\s*\$\s+(.*)$/.exec(line) ?? (shell ? /^\s*(.*)$/.exec(line) : null);
      if (!m) continue;
      let text = m[1]!;
      // A command continued on the next lines with a backslash.
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
      for (const part of text.split(/&&|\|\||;|\|/)) {
        if (/^\s*(npx\s+)?squall\s/.test(part)) found.push({ where, text: part.trim() });
      }
      continue;
    }
    for (const m of line.matchAll(/`((?:npx )?squall [^`]+)`/g)) found.push({ where, text: m[1]! });
  }
  return found;
}

/**
 * Flags named alone in the prose (`` `--save` ``): each must be a flag of some command. Not in
 * docs/PERFORMANCE.md, whose flags are the bench script's, nor another tool's (`Locust's --csv`);
 * a prefix (`--monitor-`) names a family of flags.
 */
function proseFlagsIn(file: string): { where: string; flag: string }[] {
  if (file === 'docs/PERFORMANCE.md') return [];
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const found: { where: string; flag: string }[] = [];
  let inFence = false;
  lines.forEach((line, i) => {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (inFence) return;
    for (const m of line.matchAll(/(\S+ )?`(--[a-z][\w-]*\w)(?:[ =][^`]*)?`/g)) {
      if (m[1] && /(Locust|k6|Artillery|autocannon|wrk|Prometheus)'s $/.test(m[1])) continue;
      found.push({ where: `${file}:${i + 1}`, flag: m[2]! });
    }
  });
  return found;
}

/** Shell words, quotes removed; a comment or a redirection ends the command. */
function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/'[^']*'|"(?:[^"\\]|\\.)*"|\S+/g)) {
    const w = m[0];
    if (w.startsWith('#') || /^\d?>|^&$/.test(w)) break;
    out.push(w.replace(/^(['"])([\s\S]*)\1$/, '$2'));
  }
  return out;
}

/** Text in angle brackets, `…` or `...`: a placeholder the reader fills in. */
const isPlaceholder = (w: string) => /^[<[]|…|\.\.\./.test(w);

/** What is wrong with one documented command, or undefined. */
function problemOf(cmd: DocCommand, cli: Map<string, Flags>): string | undefined {
  const w = words(cmd.text);
  if (w[0] === 'npx') w.shift();
  w.shift(); // squall
  let command = '';
  if (w[0] !== undefined && !w[0].startsWith('-')) {
    if (isPlaceholder(w[0])) return undefined;
    command = w.shift()!;
    if (!cli.has(command)) return `unknown command '${command}'`;
    if (w[0] !== undefined && cli.has(`${command} ${w[0]}`)) command = `${command} ${w.shift()!}`;
  }
  const flags = cli.get(command)!;
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    if (!word.startsWith('-') || word === '-' || isPlaceholder(word)) continue;
    const name = word.split('=')[0]!;
    if (!flags.names.has(name)) return `'squall ${command}' has no flag ${name}`;
    if (flags.takesValue.has(name) && !word.includes('=')) i++;
  }
  return undefined;
}

describe('the commands in the documentation', () => {
  let cli: Map<string, Flags>;
  beforeAll(async () => {
    requireBuiltCli();
    cli = await cliFlags();
  }, 60_000);

  it('finds commands in every place they are written (code blocks and inline)', () => {
    const all = docFiles().flatMap(commandsIn);
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((c) => c.where.startsWith('README.md') && c.text.startsWith('npx squall demo'))).toBe(
      true,
    );
    expect(all.some((c) => c.where.startsWith('docs/'))).toBe(true);
  });

  it('every documented command and flag exists in the CLI', () => {
    const problems = docFiles()
      .flatMap(commandsIn)
      .map((c) => {
        const p = problemOf(c, cli);
        return p && `${c.where}: ${p}: ${c.text}`;
      })
      .filter((p) => p !== undefined);
    expect(problems).toEqual([]);
  });

  it('every flag named alone in the prose is a flag of some command', () => {
    const known = new Set([...cli.values()].flatMap((f) => [...f.names]));
    const unknown = docFiles()
      .flatMap(proseFlagsIn)
      .filter((f) => !known.has(f.flag))
      .map((f) => `${f.where}: no command has ${f.flag}`);
    expect(unknown).toEqual([]);
  });

  it('would catch a flag or a command the CLI does not have', () => {
    const bad = [
      { where: 'x.md:1', text: 'squall run test.yaml --sweep' },
      { where: 'x.md:2', text: 'squall benchmark' },
      { where: 'x.md:3', text: "squall quick -c 10 --sav 'x' http://h/" },
    ];
    expect(bad.map((c) => problemOf(c, cli))).toEqual([
      "'squall run' has no flag --sweep",
      "unknown command 'benchmark'",
      "'squall quick' has no flag --sav",
    ]);
    // A value that starts with a dash is the flag's value, not a flag.
    expect(
      problemOf({ where: 'x.md:4', text: "squall quick -b '-x' -H 'A: b' http://h/" }, cli),
    ).toBeUndefined();
  });
});
