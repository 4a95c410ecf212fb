/**
 * Reading the document defensively: documents may come from older squall versions or be
 * partial, so every field is checked before use.
 */
import { isNum } from '../../../util/figures.js';

// The console's reading of the same field.
export { isMonitorOnly } from '../../format.js';
export { isNum };

/** A JSON object from the document, whose fields are still to be checked. */
export type Obj = Record<string, unknown>;

export const num = (x: unknown): number | null => (isNum(x) ? x : null);
export const obj = (x: unknown): Obj =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {};
export const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
export const str = (x: unknown): string => (x === null || x === undefined ? '' : String(x));
