import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../thresholds/index.js';
import { goodputSlos, isChatCompletion } from './llm-completion.js';

describe('the request option llm', () => {
  it('reads a chat completion unless the URL is a text completions endpoint, or it says which', () => {
    expect(isChatCompletion('r', true, '/v1/chat/completions')).toBe(true);
    expect(isChatCompletion('r', true, 'http://h:8000/v1/completions?x=1')).toBe(false);
    expect(isChatCompletion('r', true, '/v1/completions/')).toBe(false);
    expect(isChatCompletion('r', true, '/generate')).toBe(true);
    expect(isChatCompletion('r', 'completions', '/v1/chat/completions')).toBe(false);
    expect(isChatCompletion('r', 'chat', '/v1/completions')).toBe(true);
    expect(() => isChatCompletion('POST /x', 'yes', '/x')).toThrow(
      "POST /x: llm must be true, 'chat' or 'completions', given \"yes\"",
    );
  });

  it('takes as goodput SLOs the time thresholds on llm_ttft, llm_itl, llm_tpot and llm_e2e only', () => {
    const slos = goodputSlos([
      parseThreshold('llm_ttft', 'p(95)<500'),
      parseThreshold('llm_tpot', 'avg<50'),
      parseThreshold('llm_output_tokens', 'count>10'),
      parseThreshold('llm_goodput', 'rate>0.9'),
      parseThreshold('http_req_duration', 'p(95)<300'),
    ]);
    expect(slos.map((s) => `${s.metric}:${s.expr}`)).toEqual(['llm_ttft:p(95)<500', 'llm_tpot:avg<50']);
  });
});
