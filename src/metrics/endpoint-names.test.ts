import { describe, expect, it } from 'vitest';
import { EndpointNames, OTHER_ENDPOINT, pathTemplate } from './endpoint-names.js';

describe('pathTemplate', () => {
  it('turns numeric, UUID and hex segments into :id', () => {
    expect(pathTemplate('GET /items/123')).toBe('GET /items/:id');
    expect(pathTemplate('GET /u/9f8e7d6c5b4a/posts/7')).toBe('GET /u/:id/posts/:id');
    expect(pathTemplate('DELETE /o/123e4567-e89b-12d3-a456-426614174000')).toBe('DELETE /o/:id');
  });

  it('leaves words, short hex-looking words and names without ids alone', () => {
    expect(pathTemplate('GET /health')).toBe('GET /health');
    expect(pathTemplate('GET /facade/deadbeef')).toBe('GET /facade/deadbeef');
    expect(pathTemplate('GET /v2/items')).toBe('GET /v2/items');
    expect(pathTemplate('login')).toBe('login');
  });
});

describe('EndpointNames', () => {
  it('keeps names up to the limit, then templates up to the limit, then other', () => {
    const n = new EndpointNames(2);
    expect(n.resolve('GET /a/1')).toBe('GET /a/1');
    expect(n.resolve('GET /b/1')).toBe('GET /b/1');
    expect(n.notice).toBeUndefined();
    expect(n.resolve('GET /a/1')).toBe('GET /a/1');
    expect(n.resolve('GET /a/2')).toBe('GET /a/:id');
    expect(n.resolve('GET /b/2')).toBe('GET /b/:id');
    expect(n.resolve('GET /c/2')).toBe(OTHER_ENDPOINT);
    expect(n.resolve('GET /plain')).toBe(OTHER_ENDPOINT);
    expect(n.resolve('GET /a/3')).toBe('GET /a/:id');
    expect(n.notice).toMatch(/more than 2 distinct request names \(from 'GET \/a\/2'\)/);
    expect(n.groupedUnder('', 'GET /a/:id')).toBe(2);
    expect(n.groupedUnder('', 'GET /b/:id')).toBe(1);
    expect(n.groupedUnder('', OTHER_ENDPOINT)).toBe(2);
    expect(n.grouped.size).toBe(3);
  });

  it('keys names by method: one name with two methods is two endpoints, and counts as two', () => {
    const n = new EndpointNames(2);
    expect(n.resolve('items', 'GET')).toBe('items');
    expect(n.resolve('items', 'POST')).toBe('items');
    // The limit of 2 is reached by the two (method, name) pairs.
    expect(n.resolve('items/7', 'GET')).toBe('items/:id');
    expect(n.resolve('items/8', 'POST')).toBe('items/:id');
    expect(n.groupedUnder('GET', 'items/:id')).toBe(1);
    expect(n.groupedUnder('POST', 'items/:id')).toBe(1);
  });
});
