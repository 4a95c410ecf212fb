/**
 * An RFC 4180 CSV reader for feeder files: quoted fields (with the delimiter, `""` and line breaks
 * inside), CRLF or LF line ends, a UTF-8 byte-order mark, a chosen delimiter. Small enough to own,
 * so feeders add no dependency; errors carry the 1-based line where the bad record starts.
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
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  // A line with nothing on it is no record; `started` tells it apart from a record holding one
  // empty field, which only a quoted "" can write.
  let started = false;
  // Only a quote that opens a field starts a quoted field.
  let atFieldStart = true;
  let i = 0;
  const endRecord = () => {
    if (started) records.push({ fields: [...fields, field], line: recordLine });
    fields = [];
    field = '';
    started = false;
    atFieldStart = true;
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '"' && atFieldStart) {
      const quoteLine = line;
      i++;
      for (;;) {
        if (i >= s.length)
          throw new CsvError(`a quoted field opened on line ${quoteLine} is never closed`, quoteLine);
        const c = s[i]!;
        if (c === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      started = true;
      atFieldStart = false;
      const next = s[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new CsvError(`line ${line}: unexpected ${JSON.stringify(next)} after a closing quote`, line);
      }
      continue;
    }
    if (ch === delimiter) {
      fields.push(field);
      field = '';
      started = true;
      atFieldStart = true;
      i++;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      i += ch === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      // A quote inside an unquoted field is not RFC 4180, but spreadsheets write it; keep it as is.
      field += ch;
      started = true;
      atFieldStart = false;
      i++;
    }
  }
  endRecord();
  return records;
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
