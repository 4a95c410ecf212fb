/**
 * Markdown tables read back the way GitHub reads them, for tests of the Markdown report: a row is
 * split into cells at every `|` that no backslash escapes (GFM's rule), and a cell is shown with
 * its escapes and entities resolved.
 */

/** The cells of one table row, by GFM's rule: a backslash escapes the character after it. */
export function cells(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]!;
    if (ch === '\\') {
      cur += ch + (row[i + 1] ?? '');
      i++;
    } else if (ch === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  // The text before the first pipe and after the last one are not cells.
  return out.slice(1, -1);
}

/** What a reader sees in a cell: backslash escapes and the two entities resolved. */
export function shown(cell: string): string {
  return cell.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}

/** The body rows (header and separator dropped) of the table under a `#### heading`, or of the first table. */
export function table(md: string, heading?: string): string[][] {
  const lines = md.split('\n');
  let i = heading === undefined ? 0 : lines.indexOf(`#### ${heading}`);
  if (i < 0) return [];
  while (i < lines.length && !lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) rows.push(cells(lines[j]!));
  return rows;
}
