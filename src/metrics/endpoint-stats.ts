import { Trend } from './trend.js';

/** What one named request (`GET /health`) accumulates. */
export class EndpointStats {
  readonly duration = new Trend();
  /** Requests that ended, with a response or an error. */
  count = 0;
  failures = 0;
  readonly statusCounts = new Map<number, number>();

  constructor(readonly name: string) {}

  recordStatus(status: number): void {
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
  }
}
