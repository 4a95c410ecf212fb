import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein, suggest } from './suggest.js';

describe('levenshtein', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['same', 'same', 0],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['http_req_duraton', 'http_req_duration', 1],
    ['http_reqs', 'http_req', 1],
    ['ab', 'ba', 2],
    ['µs', 'us', 1],
  ];
  it.each(cases)('%j vs %j = %i', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe('suggest', () => {
  const metrics = ['http_reqs', 'http_req_duration', 'http_req_failed', 'checks', 'iterations', 'vus'];
  const cases: [string, string | undefined][] = [
    ['http_req_duraton', 'http_req_duration'],
    ['http_req_durations', 'http_req_duration'],
    ['HTTP_REQS', 'http_reqs'],
    ['http_req_fail', 'http_req_failed'],
    ['check', 'checks'],
    ['vu', 'vus'],
    ['iteration', 'iterations'],
    ['latency', undefined],
    ['x', undefined],
    ['', undefined],
  ];
  it.each(cases)('%j -> %j', (input, expected) => {
    expect(suggest(input, metrics)).toBe(expected);
  });

  it('keeps the first of equally close candidates', () => {
    expect(suggest('cat', ['bat', 'hat'])).toBe('bat');
    expect(suggest('cat', ['hat', 'bat'])).toBe('hat');
  });

  it('honours an explicit bound', () => {
    expect(suggest('latency', ['latencies'], 1)).toBeUndefined();
    expect(suggest('latency', ['latencies'], 3)).toBe('latencies');
  });

  it('formats a question, or nothing', () => {
    expect(didYouMean('http_reqz', metrics)).toBe("did you mean 'http_reqs'?");
    expect(didYouMean('zzz', metrics)).toBeUndefined();
  });
});
