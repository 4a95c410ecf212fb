import { badFlag } from '../errors/index.js';

/**
 * `--leak-budget`: memory growth per unit of time below which a trend is not worth calling a
 * leak, as MiB per hour (what the verdict compares). Decimal and binary units are both taken at
 * their word: 1 MB is 10^6 bytes, 1 MiB is 2^20.
 */

const BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 2 ** 10,
  mb: 1e6,
  mib: 2 ** 20,
  gb: 1e9,
  gib: 2 ** 30,
};

/** Periods per hour. */
const PER_HOUR: Record<string, number> = {
  s: 3600,
  sec: 3600,
  m: 60,
  min: 60,
  h: 1,
  hr: 1,
  hour: 1,
  d: 1 / 24,
  day: 1 / 24,
};

const RATE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*\/\s*([a-z]+)\s*$/i;

/** `100MB/h`, `2MiB/min`, `500KiB/min`, `1GiB/day` in MiB per hour; undefined when not a rate. */
export function parseLeakRate(text: string): number | undefined {
  const m = RATE.exec(text);
  if (!m) return undefined;
  const bytes = BYTES[m[2]!.toLowerCase()];
  const perHour = PER_HOUR[m[3]!.toLowerCase()];
  if (bytes === undefined || perHour === undefined) return undefined;
  const mibPerHour = (Number(m[1]) * bytes * perHour) / 2 ** 20;
  return Number.isFinite(mibPerHour) ? mibPerHour : undefined;
}

/** parseLeakRate for a flag: a bad value is exit 2 naming the flag, the value and an example. */
export function parseLeakBudgetFlag(flag: string, text: string): number {
  const rate = parseLeakRate(text);
  if (rate === undefined) {
    throw badFlag(
      flag,
      `${flag} "${text}" is not a memory growth rate; expected an amount with a unit (B, KB, KiB, MB, MiB, ` +
        `GB, GiB) per s, min, h or day, such as ${flag} 100MB/h or ${flag} 2MiB/min`,
    );
  }
  return rate;
}
