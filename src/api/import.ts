import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ImportError, type Imported, type ImportSource } from '../convert/import-types.js';
import { badFlag, SquallError } from '../errors/index.js';
import type { Writer } from '../util/io-types.js';

export interface ImportFlags {
  /** Where to write the test (or the quick command); stdout when absent. */
  out?: string;
  /** yaml (har, openapi; curl's --format yaml) or quick (curl's default). */
  format?: string;
  /** har: keep images, CSS, fonts, scripts and media. */
  keepStatic?: boolean;
  /** har, openapi: the test's target instead of the recording's main origin / the spec's server. */
  host?: string;
  /** har: leave out the requests to other origins. */
  sameOrigin?: boolean;
}

/**
 * `squall import har|openapi|curl INPUT`: writes the squall test (or, for curl, the `squall
 * quick` command) to `out` or stdout, and says on stderr what it translated and what it left
 * out. Input it cannot read is SQ_IMPORT_INPUT (exit 2), naming the file.
 */
export async function importCommand(
  source: ImportSource,
  input: string,
  flags: ImportFlags,
  io: { stdout: Writer; stderr: Writer },
): Promise<Imported> {
  const format = flags.format ?? (source === 'curl' ? 'quick' : 'yaml');
  const formats = source === 'curl' ? ['quick', 'yaml'] : ['yaml'];
  if (!formats.includes(format))
    throw badFlag(
      '--format',
      `--format is "${flags.format}"; squall import ${source} writes ${formats.join(' or ')}`,
    );
  if (flags.host !== undefined && !/^https?:\/\/[^/]/i.test(flags.host))
    throw badFlag(
      '--host',
      `--host is "${flags.host}"; expected an http:// or https:// URL such as http://127.0.0.1:8080`,
    );
  const host = flags.host?.replace(/\/+$/, '');
  const shown = source === 'curl' ? 'the curl command' : relative(process.cwd(), input) || input;

  let imported: Imported;
  try {
    if (source === 'har') {
      const { importHar } = await import('../convert/har.js');
      imported = importHar(readInput(input), {
        file: shown,
        keepStatic: flags.keepStatic,
        host,
        sameOrigin: flags.sameOrigin,
      });
    } else if (source === 'openapi') {
      readInput(input);
      const { importOpenApi } = await import('../convert/openapi.js');
      imported = importOpenApi(await readSpec(input, shown), { file: shown, host });
    } else {
      const { importCurl } = await import('../convert/curl.js');
      imported = importCurl(input, format as 'quick' | 'yaml');
    }
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    throw new SquallError('SQ_IMPORT_INPUT', e.message, {
      where: source === 'curl' ? {} : { file: input, line: e.line },
    });
  }

  const out = imported.text.endsWith('\n') ? imported.text : `${imported.text}\n`;
  if (flags.out) {
    try {
      writeFileSync(flags.out, out);
    } catch (e) {
      throw new SquallError('SQ_OUTPUT_WRITE', `${flags.out} cannot be written: ${(e as Error).message}`);
    }
  } else {
    io.stdout.write(out);
  }
  const err: string[] = [`importing ${shown} (${source})`];
  for (const t of imported.translated) err.push(`  translated: ${t}`);
  for (const s of imported.skipped) err.push(`  not translated: ${s}`);
  const n = imported.skipped.length;
  err.push(
    `${imported.translated.length} translated, ${n} not translated` +
      (flags.out ? `; wrote ${flags.out}` : ''),
  );
  io.stderr.write(`${err.join('\n')}\n`);
  return imported;
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new SquallError('SQ_CONFIG_FILE_NOT_FOUND', `${file} cannot be read: ${(e as Error).message}`, {
      where: { file },
    });
  }
}

/**
 * The spec validated (OpenAPI 3.0/3.1, Swagger 2.0) and dereferenced by @readme/openapi-parser.
 * Remote $refs are not fetched: an import sends no traffic.
 */
async function readSpec(file: string, shown: string): Promise<unknown> {
  const parser = await import('@readme/openapi-parser');
  const options = { resolve: { http: false } } as unknown as Parameters<typeof parser.validate>[1];
  let result: Awaited<ReturnType<typeof parser.validate>>;
  try {
    result = await parser.validate(file, options);
  } catch (e) {
    throw new ImportError(
      `${shown} cannot be read as an OpenAPI spec: ${firstParagraph((e as Error).message)}`,
    );
  }
  if (!result.valid) {
    const shownErrors = result.errors.slice(0, 3).map((x) => describeIssue(x.message));
    const more = result.errors.length - shownErrors.length + (result.additionalErrors ?? 0);
    const what =
      result.specification === null
        ? 'an OpenAPI or Swagger document'
        : `a valid ${result.specification} document`;
    throw new ImportError(
      `${shown} is not ${what}: ${shownErrors.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
    );
  }
  try {
    return await parser.dereference(file, {
      ...options,
      // A recursive schema keeps its $ref: the sample generator stops there.
      dereference: { circular: 'ignore' },
    } as Parameters<typeof parser.dereference>[1]);
  } catch (e) {
    throw new ImportError(`${shown} cannot be dereferenced: ${firstParagraph((e as Error).message)}`);
  }
}

/** A parser message without its code frame, on one line. */
function firstParagraph(message: string): string {
  return message
    .split(/\n\s*\n/)[0]!
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A validation error as one line: the rule ("must have required property 'version'") and where
 * the code frame points ("version is missing here", at `"info": {`).
 */
function describeIssue(message: string): string {
  const [head = '', ...rest] = message.split('\n');
  const rule = head.replace(/^[A-Z_]+\s+/, '').trim();
  const frame = rest.join('\n');
  const pointed = /^>\s*\d+\s*\|\s*(.*)$/m.exec(frame)?.[1]?.trim();
  const note = /\^\s*(.+)$/m.exec(frame)?.[1]?.trim().replace(/!$/, '');
  const where = pointed ? ` (at ${pointed.replace(/[{[,]\s*$/, '').trim()})` : '';
  return `${rule}${note && !rule.includes(note) ? ` — ${note}` : ''}${where}`;
}
