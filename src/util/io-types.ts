/** Where text goes: process.stdout and process.stderr are writers, so is any `{ write }`. */
export interface Writer {
  write(text: string): unknown;
  /** A terminal: progress rewrites its line and colour is on by default. */
  isTTY?: boolean;
  /** A terminal's width in characters. */
  columns?: number;
}

export type SignalName = 'SIGINT' | 'SIGTERM';

/** Where SIGINT and SIGTERM come from: `process` is one; a test's fake emits them by hand. */
export interface SignalSource {
  on(signal: SignalName, listener: () => void): unknown;
  off(signal: SignalName, listener: () => void): unknown;
}
