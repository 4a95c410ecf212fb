import { describe, expect, it } from 'vitest';
import { hashSeed, Rng } from '../util/rng.js';
import { Apportionment, splitByWeight, WeightedPicker, WeightedSequence } from './weights.js';

describe('WeightedSequence (user types by VU index)', () => {
  it('splits 70/30 of 10 VUs exactly 7/3, and 3 of 10 as 2/1', () => {
    expect(splitByWeight([70, 30], 10)).toEqual([7, 3]);
    expect(splitByWeight([70, 30], 3)).toEqual([2, 1]);
    expect(splitByWeight([70, 30], 100)).toEqual([70, 30]);
  });

  it('never gives two of three equal types the same VU first', () => {
    expect(splitByWeight([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(splitByWeight([1, 1, 1], 3)).toEqual([1, 1, 1]);
  });

  it('keeps every prefix within its exact shares (floor..ceil), for uneven weights too', () => {
    const rng = new Rng(42);
    const outside: unknown[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const k = 2 + Math.floor(rng.next() * 5);
      const weights = Array.from({ length: k }, () =>
        rng.next() < 0.3 ? 0.1 + rng.next() * 9 : 1 + Math.floor(rng.next() * 100),
      );
      const total = weights.reduce((a, b) => a + b, 0);
      const seq = new WeightedSequence(weights);
      const counts = weights.map(() => 0);
      for (let n = 1; n <= 200; n++) {
        counts[seq.at(n - 1)]!++;
        weights.forEach((w, i) => {
          const exact = (n * w) / total;
          const c = counts[i]!;
          if (c < Math.floor(exact + 1e-9) || c > Math.ceil(exact - 1e-9)) outside.push({ weights, n, i, c });
        });
      }
    }
    expect(outside).toEqual([]);
  });

  it('gives VU i the same type whatever the VU count (ramping never re-types a VU)', () => {
    const a = new WeightedSequence([5, 3, 2]);
    const first = Array.from({ length: 50 }, (_, i) => a.at(i));
    const b = new WeightedSequence([5, 3, 2]);
    expect(b.at(49)).toBe(first[49]);
    expect(Array.from({ length: 50 }, (_, i) => b.at(i))).toEqual(first);
  });

  it('treats all-zero weights as equal rather than failing', () => {
    expect(splitByWeight([0, 0], 4)).toEqual([2, 2]);
    expect(splitByWeight([0, 1], 3)).toEqual([0, 3]);
  });
});

describe('WeightedPicker (tasks by weight)', () => {
  it('picks in proportion to weight', () => {
    const picker = new WeightedPicker([3, 1]);
    const rng = new Rng(7);
    const counts = [0, 0];
    for (let i = 0; i < 20_000; i++) counts[picker.pick(rng.next())]!++;
    expect(counts[0]! / 20_000).toBeGreaterThan(0.73);
    expect(counts[0]! / 20_000).toBeLessThan(0.77);
  });

  it('maps the ends of [0, 1) to the first and last index', () => {
    const picker = new WeightedPicker([1, 2, 1]);
    expect(picker.pick(0)).toBe(0);
    expect(picker.pick(0.9999999)).toBe(2);
    expect(picker.pick(0.5)).toBe(1);
  });
});

describe('Rng', () => {
  it('repeats with the same seed and differs with another', () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(new Rng(seed)),
      );
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('draws uniforms in [0, 1) and unit exponentials', () => {
    const rng = new Rng(hashSeed('x', 1));
    let sum = 0;
    let sumExp = 0;
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumExp += rng.exponential();
    }
    expect(outside).toBe(0);
    expect(sum / 50_000).toBeCloseTo(0.5, 1);
    expect(sumExp / 50_000).toBeGreaterThan(0.97);
    expect(sumExp / 50_000).toBeLessThan(1.03);
  });

  it('derives distinct seeds from distinct parts', () => {
    expect(hashSeed(0, 'a')).not.toBe(hashSeed(0, 'b'));
    expect(hashSeed(0, 'ab')).not.toBe(hashSeed(0, 'a', 'b'));
    expect(hashSeed(3, 'vu', 1)).toBe(hashSeed(3, 'vu', 1));
  });
});

describe('Apportionment (user types of open-model iterations, one at a time)', () => {
  it('deals a long run within floor..ceil of the exact shares at every prefix, in constant memory', () => {
    for (const weights of [
      [3, 1],
      [0.7, 0.2, 0.1],
      [5, 3, 2, 1],
    ]) {
      const deal = new Apportionment(weights);
      const total = weights.reduce((a, b) => a + b, 0);
      const counts = weights.map(() => 0);
      let outside = 0;
      for (let n = 1; n <= 2_000_000; n++) {
        counts[deal.next()]!++;
        // Checking every prefix is slow; every 997th and the last catch drift as well.
        if (n % 997 !== 0 && n !== 2_000_000) continue;
        weights.forEach((w, i) => {
          const exact = (n * w) / total;
          if (counts[i]! < Math.floor(exact + 1e-9) || counts[i]! > Math.ceil(exact - 1e-9)) outside++;
        });
      }
      expect(outside, `weights ${weights}: ${counts}`).toBe(0);
    }
  });

  it('gives the same first types as WeightedSequence gives the first VUs', () => {
    const deal = new Apportionment([70, 30]);
    const seq = new WeightedSequence([70, 30]);
    for (let i = 0; i < 50; i++) expect(deal.next()).toBe(seq.at(i));
  });
});
