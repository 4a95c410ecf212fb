import { type ErrorLocation, SquallError } from '../errors/index.js';
import { didYouMean } from '../util/suggest.js';

/** The classes a `complexity()` bench may expect and be fitted to, slowest-growing first. */
export const COMPLEXITY_CLASSES = ['O(1)', 'O(log n)', 'O(n)', 'O(n log n)', 'O(n^2)', 'O(n^3)'] as const;

export type ComplexityClass = (typeof COMPLEXITY_CLASSES)[number];

/** Each class's curve f(n); logs are base 2, as Google Benchmark's (the base only scales c). */
const CURVES: Record<ComplexityClass, (n: number) => number> = {
  'O(1)': () => 1,
  'O(log n)': (n) => Math.log2(n),
  'O(n)': (n) => n,
  'O(n log n)': (n) => n * Math.log2(n),
  'O(n^2)': (n) => n * n,
  'O(n^3)': (n) => n * n * n,
};

/** A class's f(n), for drawing a fit; NaN for a class this version does not know. */
export function complexityCurve(cls: string, n: number): number {
  const f = (CURVES as Record<string, ((n: number) => number) | undefined>)[cls];
  return f ? f(n) : Number.NaN;
}

/** Fits whose RMS is within this share of the lowest are a tie, won by the slower-growing class. */
export const TIE = 0.1;

/** One class fitted as t ≈ coefficient · f(n). */
export interface ComplexityFit {
  class: ComplexityClass;
  /** c in t ≈ c · f(n), in ms per unit of f. */
  coefficient: number;
  /** Root mean square of the residuals over the mean time: 0 is a perfect fit, 0.05 a 5 % misfit. */
  rms: number;
}

export interface ComplexityResult {
  /** The slowest-growing class whose RMS is within TIE of the lowest. */
  best: ComplexityFit;
  /** Every class's fit, in COMPLEXITY_CLASSES order. */
  fits: ComplexityFit[];
}

/**
 * Fits t(n) ≈ c · f(n) for each class by least squares through the origin, as Google
 * Benchmark's `Complexity()` does (MinimalLeastSq): c = Σ t·f / Σ f², and the fit's quality is
 * the RMS of the residuals normalised by the mean time, so it reads the same at any time scale.
 * The best fit has the lowest RMS; on a tie (RMS within TIE, 10 %, of the lowest) the
 * slower-growing class wins (the cheaper claim).
 * With no intercept, a large fixed cost per call pulls the fit towards the slower-growing
 * classes, so sizes should be large enough for the work to dominate. Times are in ms; needs at
 * least two distinct sizes ≥ 1.
 */
export function fitComplexity(sizes: readonly number[], times: readonly number[]): ComplexityResult {
  if (sizes.length !== times.length)
    throw new RangeError(`${sizes.length} sizes but ${times.length} times: one time per size is needed`);
  if (new Set(sizes).size < 2) throw new RangeError('a complexity fit needs at least two distinct sizes');
  for (const n of sizes)
    if (!Number.isFinite(n) || n < 1) throw new RangeError(`a size must be a finite number ≥ 1, got ${n}`);
  for (const t of times)
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`a time must be a finite number ≥ 0 ms, got ${t}`);
  let meanTime = 0;
  for (const t of times) meanTime += t;
  meanTime /= times.length;
  const fits = COMPLEXITY_CLASSES.map((cls): ComplexityFit => {
    const f = sizes.map(CURVES[cls]);
    let tf = 0;
    let ff = 0;
    for (let i = 0; i < f.length; i++) {
      tf += times[i]! * f[i]!;
      ff += f[i]! * f[i]!;
    }
    const coefficient = tf / ff;
    let sse = 0;
    for (let i = 0; i < f.length; i++) sse += (times[i]! - coefficient * f[i]!) ** 2;
    const rms = Math.sqrt(sse / f.length);
    // All times 0: every class fits perfectly, and the tie goes to O(1).
    return { class: cls, coefficient, rms: meanTime === 0 ? 0 : rms / meanTime };
  });
  let lowest = fits[0]!;
  for (const fit of fits) if (fit.rms < lowest.rms) lowest = fit;
  // Classes within TIE of the lowest RMS fit the data alike: it cannot tell them apart, and the
  // slowest-growing of them is the claim it supports (a cache step at one size once made
  // O(n log n) fit 1 % better than O(n) for an array sum).
  const best = fits.find((f) => f.rms <= lowest.rms * (1 + TIE))!;
  return { best, fits };
}

/** True when class `a` grows strictly faster than class `b` (O(n^2) over O(n log n), …). */
export function growsFasterThan(a: ComplexityClass, b: ComplexityClass): boolean {
  return COMPLEXITY_CLASSES.indexOf(a) > COMPLEXITY_CLASSES.indexOf(b);
}

/** Spacing and the notations people type are not the point: `O(n²)`, `O(nlogn)`, `O(n log(n))`. */
function normalise(text: string): string {
  return text
    .replace(/\s+/g, '')
    .replace(/²/g, '^2')
    .replace(/³/g, '^3')
    .replace(/\*\*/g, '^')
    .replace(/log\(n\)/g, 'logn');
}

const BY_KEY = new Map<string, ComplexityClass>(COMPLEXITY_CLASSES.map((c) => [normalise(c), c]));

/**
 * A complexity expectation as a bench file writes it: one of COMPLEXITY_CLASSES, spacing aside.
 * Anything else is bad input (exit 2), named with `what` (for example `complexity('sort') in
 * sort.bench.ts`) and the accepted forms.
 */
export function parseComplexity(
  text: string,
  what = 'the expected complexity',
  where?: ErrorLocation,
): ComplexityClass {
  const found = typeof text === 'string' ? BY_KEY.get(normalise(text)) : undefined;
  if (found) return found;
  const given = typeof text === 'string' ? `'${text}'` : String(text);
  const accepted = COMPLEXITY_CLASSES.map((c) => `'${c}'`).join(', ');
  const hint = typeof text === 'string' ? didYouMean(text, COMPLEXITY_CLASSES) : undefined;
  throw new SquallError(
    'SQ_CONFIG_INVALID',
    `${what} is ${given}, which is not a complexity class squall fits: expected one of ${accepted}` +
      (hint ? `; ${hint}` : '.'),
    where ? { where } : {},
  );
}
