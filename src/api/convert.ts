import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { detectSource } from '../convert/detect.js';
import { type Conversion, ConvertError, type ConvertFormat } from '../convert/types.js';
import { badFlag, SquallError } from '../errors/index.js';
import type { Writer } from '../util/io-types.js';

export interface ConvertFlags {
  /** Where to write the squall test; stdout when absent. */
  out?: string;
  format?: string;
}

/**
 * `squall convert FILE`: reads a k6 script, an Artillery YAML file or a locustfile, writes the
 * squall test (to `out` or stdout), and says on stderr what it translated and what it left as
 * TODO, each with the original's line. Input it cannot read is SQ_CONVERT_INPUT (exit 2) naming
 * the file and line.
 */
export async function convertCommand(
  file: string,
  flags: ConvertFlags,
  io: { stdout: Writer; stderr: Writer },
): Promise<Conversion> {
  const format = (flags.format ?? 'yaml') as ConvertFormat;
  if (format !== 'yaml' && format !== 'ts')
    throw badFlag('--format', `--format is "${flags.format}"; expected yaml or ts`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SquallError('SQ_CONFIG_FILE_NOT_FOUND', `${file} cannot be read: ${(e as Error).message}`, {
      where: { file },
    });
  }
  const { source, why } = detectSource(text, file);
  if (!source) {
    throw new SquallError('SQ_CONVERT_INPUT', `${file} is not a k6, Artillery or Locust test: ${why}`, {
      where: { file, line: 1 },
      hint: "squall convert reads a k6 script (imports 'k6'), an Artillery YAML (config: and scenarios: with flow:) or a locustfile (an HttpUser)",
    });
  }
  if (format === 'ts')
    throw badFlag(
      '--format',
      `--format ts is not available yet for ${source} input; convert to YAML (the default) and port the TODOs by hand`,
    );
  const shown = relative(process.cwd(), file) || file;
  let conversion: Conversion;
  try {
    const convert = await converterFor(source);
    conversion = convert(text, shown, flags.out === undefined ? undefined : dirname(resolve(flags.out)));
  } catch (e) {
    if (!(e instanceof ConvertError)) throw e;
    throw new SquallError('SQ_CONVERT_INPUT', e.message, { where: { file, line: e.line } });
  }
  const out = conversion.text.endsWith('\n') ? conversion.text : `${conversion.text}\n`;
  if (flags.out) {
    try {
      writeFileSync(flags.out, out);
    } catch (e) {
      throw new SquallError('SQ_OUTPUT_WRITE', `${flags.out} cannot be written: ${(e as Error).message}`);
    }
  } else {
    io.stdout.write(out);
  }
  const err: string[] = [`converting ${shown} (${source})`];
  for (const t of conversion.translated) err.push(`  translated: ${t}`);
  for (const t of [...conversion.todos].sort((a, b) => a.line - b.line))
    err.push(`  TODO line ${t.line}: ${t.what}`);
  const n = conversion.todos.length;
  err.push(
    `${conversion.translated.length} translated, ${n} TODO${n === 1 ? '' : 's'} left` +
      (n > 0 ? ' (marked TODO(convert) in the output: finish them by hand before running)' : '') +
      (flags.out ? `; wrote ${flags.out}` : ''),
  );
  io.stderr.write(`${err.join('\n')}\n`);
  return conversion;
}

/** A converter: the original's text and name, and the folder the squall test goes to. */
type Converter = (text: string, file: string, outDir?: string) => Conversion;

async function converterFor(source: Conversion['source']): Promise<Converter> {
  switch (source) {
    case 'k6':
      return (await import('../convert/k6.js')).convertK6;
    case 'artillery':
      return (await import('../convert/artillery.js')).convertArtillery;
    case 'locust':
      return (await import('../convert/locust.js')).convertLocust;
  }
}
