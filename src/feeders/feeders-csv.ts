import { CsvError as CsvParseError, parse } from 'csv-parse/sync';

/**
 * RFC 4180 CSV for feeder files, read by csv-parse: quoted fields (with the delimiter, `""` and
 * line breaks inside), CRLF or LF line ends, a UTF-8 byte-order mark, a chosen delimiter. Errors
 * are put in squall's words and carry the 1-based line where the bad record starts.
 */

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  fields: string[];
  /** The line the record starts on (1-based), for messages. */
  line: number;
}

/** Splits `text` into records. Blank lines are skipped: a trailing newline is not an empty record. */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new CsvError(`the delimiter must be one character other than a quote or a line break`, 1);
  }
  const records: CsvRecord[] = [];
  let lastLine = 0;
  try {
    const parsed = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
      // Seen before a later record throws, so an unclosed quote can be placed after it.
      on_record: (record, context) => {
        lastLine = context.lines;
        return record;
      },
    }) as unknown as Array<{ record: string[]; info: { lines: number }; raw: string }>;
    for (const { record, info, raw } of parsed) {
      // info.lines is where the record ends; its own line breaks (inside quotes) lead back to
      // where it starts. Blank lines before it are part of raw but not of the record.
      const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
      records.push({ fields: record, line: info.lines - (body.match(/\n/g)?.length ?? 0) });
    }
  } catch (e) {
    throw csvError(e, text, lastLine);
  }
  return records;
}

/** csv-parse's error in squall's words, with the line the bad record starts on. */
function csvError(e: unknown, text: string, lastLine: number): unknown {
  if (!(e instanceof CsvParseError)) return e;
  const line = Number((e as { lines?: unknown }).lines) || 1;
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    // The quote opened on the first non-blank line after the last whole record.
    const lines = text.split('\n');
    let open = lastLine + 1;
    while (open < lines.length && lines[open - 1]!.trim() === '') open++;
    return new CsvError(`a quoted field opened on line ${open} is never closed`, open);
  }
  const got = /got "(.*?)"/.exec(e.message)?.[1];
  if (e.code === 'CSV_INVALID_CLOSING_QUOTE' && got !== undefined) {
    return new CsvError(`line ${line}: unexpected "${got}" after a closing quote`, line);
  }
  if (e.code === 'INVALID_OPENING_QUOTE') {
    return new CsvError(
      `line ${line}: a quote inside an unquoted field; quote the whole field and double the quote in it ("a ""b"" c")`,
      line,
    );
  }
  return new CsvError(`line ${line}: ${e.message}`, line);
}

/**
 * Rows as objects keyed by the header record. Throws CsvError for an empty file, empty or
 * duplicate column names, and records whose field count differs from the header's.
 */
export function parseCsvObjects(
  text: string,
  delimiter = ',',
): { fields: string[]; rows: Record<string, string>[] } {
  const records = parseCsv(text, delimiter);
  const header = records[0];
  if (!header) throw new CsvError('the file is empty; a CSV feeder needs a header row and data rows', 1);
  const fields = header.fields;
  const seen = new Set<string>();
  fields.forEach((name, i) => {
    if (name.trim() === '')
      throw new CsvError(`line ${header.line}: column ${i + 1} of the header has no name`, header.line);
    if (seen.has(name))
      throw new CsvError(`line ${header.line}: the header names '${name}' twice`, header.line);
    seen.add(name);
  });
  const rows = records.slice(1).map(({ fields: values, line }) => {
    if (values.length !== fields.length) {
      throw new CsvError(
        `line ${line}: ${values.length} field${values.length === 1 ? '' : 's'}, but the header has ${fields.length} (${fields.join(', ')})`,
        line,
      );
    }
    const row: Record<string, string> = {};
    fields.forEach((name, i) => {
      row[name] = values[i]!;
    });
    return row;
  });
  return { fields, rows };
}
