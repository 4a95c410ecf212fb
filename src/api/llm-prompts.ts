import { readFileSync } from 'node:fs';
import { badFlag, SquallError } from '../errors/index.js';

/**
 * `squall llm --prompts FILE.jsonl`: one JSON object a line, `{"prompt": "..."}` or
 * `{"messages": [{"role": "user", "content": "..."}]}`, as the serving benchmarks' datasets
 * are written. Each becomes the prompt part of a request body; the requests take them in turn.
 */

export type Prompt = { prompt: string } | { messages: { role: string; content: string }[] };

/** Used without --prompts: one short prompt, so the command runs with no file. */
export const DEFAULT_PROMPT = 'Write a short story about a squall at sea.';

/** A bound on a prompts file: it is read whole, before the load. */
const MAX_PROMPTS = 100_000;

function bad(file: string, line: number, message: string): SquallError {
  return new SquallError('SQ_CONFIG_INVALID', `${file}:${line}: ${message}`, {
    where: { flag: '--prompts', file, line },
    hint: 'one JSON object a line: {"prompt": "..."} or {"messages": [{"role": "user", "content": "..."}]}',
  });
}

/** One line's object as a prompt, or the reason it is not one. */
function promptOf(value: unknown): Prompt | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`;
  const v = value as Record<string, unknown>;
  if (typeof v.prompt === 'string') return { prompt: v.prompt };
  if (Array.isArray(v.messages) && v.messages.length > 0) {
    const messages: { role: string; content: string }[] = [];
    for (const [i, m] of v.messages.entries()) {
      const mm = m as { role?: unknown; content?: unknown } | null;
      if (typeof mm?.role !== 'string' || typeof mm.content !== 'string')
        return `messages[${i}] must be {"role": "...", "content": "..."} with string values`;
      messages.push({ role: mm.role, content: mm.content });
    }
    return { messages };
  }
  return 'has neither "prompt" (a string) nor "messages" (a non-empty list)';
}

export function readPrompts(file: string): Prompt[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message);
    throw badFlag('--prompts', `--prompts ${file} cannot be read (${why}); expected a JSONL file of prompts`);
  }
  const prompts: Prompt[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw bad(file, i + 1, `not valid JSON (${(e as Error).message})`);
    }
    const p = promptOf(value);
    if (typeof p === 'string') throw bad(file, i + 1, p);
    prompts.push(p);
    if (prompts.length > MAX_PROMPTS) throw bad(file, i + 1, `more than ${MAX_PROMPTS} prompts; use fewer`);
  }
  if (prompts.length === 0) throw badFlag('--prompts', `--prompts ${file} has no prompts (it is empty)`);
  return prompts;
}

/** The prompt as the endpoint takes it: messages for chat/completions, a prompt string for completions. */
export function promptFields(p: Prompt, chat: boolean): Record<string, unknown> {
  if (chat)
    return 'messages' in p ? { messages: p.messages } : { messages: [{ role: 'user', content: p.prompt }] };
  return 'prompt' in p ? { prompt: p.prompt } : { prompt: p.messages.map((m) => m.content).join('\n\n') };
}
