/**
 * A bounded FIFO of scheduled start times (ms): open-model requests waiting for a free
 * connection. A ring buffer of doubles, so waiting allocates nothing; what does not fit is the
 * caller's to count as dropped.
 */
export class ArrivalQueue {
  private readonly times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** False when full. */
  push(t: number): boolean {
    if (this.size === this.capacity) return false;
    this.times[(this.head + this.size) % this.capacity] = t;
    this.size++;
    return true;
  }

  /** The oldest time; only call when length > 0. */
  shift(): number {
    const t = this.times[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return t;
  }

  clear(): number {
    const n = this.size;
    this.size = 0;
    this.head = 0;
    return n;
  }
}
