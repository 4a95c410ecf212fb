import { describe, expect, it } from 'vitest';
import { formatTail, LineTail } from './line-tail.js';

describe('LineTail', () => {
  it('keeps the last lines of interleaved streams, joining lines split across chunks', () => {
    const tail = new LineTail(3);
    tail.push('stdout', 'one\ntw');
    tail.push('stderr', 'err one\r\n');
    tail.push('stdout', 'o\nthree\nfour\nunfinished');
    expect(tail.get()).toEqual(['three', 'four', 'unfinished']);
  });

  it('cuts very long lines, so a binary spew cannot grow memory', () => {
    const tail = new LineTail(2);
    tail.push('stdout', `${'x'.repeat(10_000)}\n`);
    tail.push('stdout', 'y'.repeat(10_000));
    const [long, partial] = tail.get();
    expect(long!.length).toBeLessThan(1000);
    expect(long!.endsWith('…')).toBe(true);
    expect(partial!.length).toBeLessThan(1000);
  });

  it('drops trailing blank lines, and says when there was no output', () => {
    const tail = new LineTail();
    tail.push('stdout', 'done\n\n\n');
    expect(tail.get()).toEqual(['done']);
    expect(formatTail(tail.get())).toBe('its last output:\n    | done');
    expect(formatTail(new LineTail().get())).toBe('it printed nothing');
  });
});
