import { stringify } from 'yaml';

/**
 * A part of the original a converter could not translate. Placed in the model where the squall
 * equivalent would go (an item of a step list, or a map's value), it is written as a
 * `# TODO(convert): …` comment followed by the original code, commented out.
 */
export class Todo {
  constructor(
    readonly note: string,
    readonly original: string,
    /** 1-based line of the original file. */
    readonly line: number,
  ) {}
}

/** A plain comment in a step list (what a k6 group was called, that a batch ran in parallel). */
export class Note {
  constructor(readonly text: string) {}
}

const MARK = '__squall_todo_';

/**
 * The squall YAML test of a model (plain objects, arrays and scalars, with Todo markers where a
 * person must finish the port). `header` lines become the file's leading comment.
 */
export function emitYaml(model: Record<string, unknown>, header: readonly string[] = []): string {
  const todos: Array<Todo | Note> = [];
  const marked = mark(model, todos);
  const text = stringify(marked, { lineWidth: 0, singleQuote: false });
  const out: string[] = header.map((h) => (h === '' ? '#' : `# ${h}`));
  for (const line of text.split('\n')) {
    const m = new RegExp(`^(\\s*)(- |([^:]+): )${MARK}(\\d+)$`).exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const indent = m[1]!;
    const todo = todos[Number(m[4])]!;
    if (todo instanceof Note) {
      out.push(`${indent}# ${todo.text}`);
      continue;
    }
    const key = m[3] === undefined ? '' : ` (${m[3].trim()})`;
    out.push(`${indent}# TODO(convert)${key}: ${todo.note} — line ${todo.line} of the original:`);
    for (const o of todo.original.split('\n')) out.push(`${indent}#   ${o}`.trimEnd());
  }
  return out.join('\n');
}

/** The comment lines of a Todo that has no place in the model (written above it, say). */
export function todoLines(todo: Todo, indent = ''): string[] {
  return [
    `${indent}# TODO(convert): ${todo.note} — line ${todo.line} of the original:`,
    ...todo.original.split('\n').map((o) => `${indent}#   ${o}`.trimEnd()),
  ];
}

function mark(value: unknown, todos: Array<Todo | Note>): unknown {
  if (value instanceof Todo || value instanceof Note) {
    todos.push(value);
    return `${MARK}${todos.length - 1}`;
  }
  if (Array.isArray(value)) return value.map((v) => mark(v, todos));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = mark(v, todos);
    return out;
  }
  return value;
}
