import { describe } from 'vitest';
import type { Transport } from '../../src/transports/http/transport.js';

/**
 * The Transport conformance suite's table runner (DESIGN.md: every plug-in kind has one
 * conformance suite each implementation passes). src/transports/http/transport.ts names the
 * implementations `squall run` carries requests over; a case written once under
 * describeTransportConformance runs, through the real CLI, on each of them and must give the
 * same outcome: a flow must not be able to tell them apart. The parts live in
 * test/e2e/transport-*.test.ts.
 */
export interface TransportUnderTest {
  /** The Transport's `name`. */
  readonly name: Transport['name'];
  /** SQUALL_HTTP_CLIENT for a run that uses it: the lean transport is the default for http://. */
  readonly client: 'undici' | undefined;
}

export const TRANSPORTS: readonly TransportUnderTest[] = [
  { name: 'lean', client: undefined },
  { name: 'undici', client: 'undici' },
];

/** Runs `cases` once per Transport implementation, in a describe named for the part and the transport. */
export function describeTransportConformance(part: string, cases: (t: TransportUnderTest) => void): void {
  for (const t of TRANSPORTS) describe(`Transport conformance, ${part}: ${t.name}`, () => cases(t));
}
