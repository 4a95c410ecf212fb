import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, parseCsvObjects } from './feeders-csv.js';

const fields = (text: string, delimiter?: string) => parseCsv(text, delimiter).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits records and fields', () => {
    expect(fields('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads CRLF, LF and a last record without a line break', () => {
    expect(fields('a,b\r\n1,2\r\n3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks inside', () => {
    expect(fields('"a,b","say ""hi""","two\nlines"\n')).toEqual([['a,b', 'say "hi"', 'two\nlines']]);
    expect(fields('x,"a\r\nb"')).toEqual([['x', 'a\r\nb']]);
  });

  it('keeps empty fields, and a quoted empty field as a record', () => {
    expect(fields('a,,c\n,\n""\n')).toEqual([['a', '', 'c'], ['', ''], ['']]);
  });

  it('skips blank lines, and strips a byte-order mark', () => {
    expect(fields('\uFEFFa\n\n1\n\n')).toEqual([['a'], ['1']]);
  });

  it('keeps spaces as written, and refuses a stray quote inside an unquoted field (RFC 4180)', () => {
    expect(fields(' a , b \n')).toEqual([[' a ', ' b ']]);
    expect(() => parseCsv('h\n b"c \n')).toThrow(/line 2: a quote inside an unquoted field/);
  });

  it('takes another delimiter', () => {
    expect(fields('a;b\n"1;2";3', ';')).toEqual([
      ['a', 'b'],
      ['1;2', '3'],
    ]);
    expect(fields('a\tb', '\t')).toEqual([['a', 'b']]);
  });

  it('records the line each record starts on', () => {
    const records = parseCsv('h\n"a\nb"\n\nc\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('refuses an unclosed quote, naming its line', () => {
    try {
      parseCsv('a\nb\n"open,\nmore');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CsvError);
      expect((e as CsvError).line).toBe(3);
      expect((e as Error).message).toMatch(/opened on line 3 is never closed/);
    }
  });

  it('refuses text after a closing quote', () => {
    expect(() => parseCsv('a\n"x"y,1')).toThrow(/line 2: unexpected "y" after a closing quote/);
  });

  it('refuses a delimiter that cannot work', () => {
    expect(() => parseCsv('a', '"')).toThrow(CsvError);
    expect(() => parseCsv('a', ';;')).toThrow(CsvError);
  });
});

describe('parseCsvObjects', () => {
  it('turns the header into field names', () => {
    expect(parseCsvObjects('email,password\na@x.io,pw1\nb@x.io,"p,w2"\n')).toEqual({
      fields: ['email', 'password'],
      rows: [
        { email: 'a@x.io', password: 'pw1' },
        { email: 'b@x.io', password: 'p,w2' },
      ],
    });
  });

  it('refuses a record with the wrong number of fields, naming the line and the header', () => {
    expect(() => parseCsvObjects('a,b\n1,2\n3\n')).toThrow(/line 3: 1 field, but the header has 2 \(a, b\)/);
    expect(() => parseCsvObjects('a,b\n1,2,3\n')).toThrow(/line 2: 3 fields/);
  });

  it('refuses an empty file and bad headers', () => {
    expect(() => parseCsvObjects('')).toThrow(/empty/);
    expect(() => parseCsvObjects('a,,c\n1,2,3')).toThrow(/column 2 of the header has no name/);
    expect(() => parseCsvObjects('a,b,a\n1,2,3')).toThrow(/names 'a' twice/);
  });

  it('gives a header-only file no rows', () => {
    expect(parseCsvObjects('a,b\n').rows).toEqual([]);
  });
});
