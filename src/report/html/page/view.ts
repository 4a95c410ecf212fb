import type { Obj } from './read.js';

/** What the page shows: the document, and in live mode the dashboard's state. */
export interface View {
  doc: Obj | null;
  live: { token: string } | null;
  /** report | connecting | running | stopping | finished | disconnected */
  state: string;
  final: boolean;
  elapsedMs: number | null;
  totalMs: number | null;
  /** A sentence about what went wrong (live only): a lost connection, a failed stop. */
  problem: string;
}

export const view: View = {
  doc: null,
  live: null,
  state: 'report',
  final: false,
  elapsedMs: null,
  totalMs: null,
  problem: '',
};

/** Still running on the dashboard: figures are "so far". */
export const running = (): boolean => !!view.live && !view.final;

/** Draws the page again; set by the page once its slots exist (sorting and live updates call it). */
export const redraw = { all: (): void => {}, slot: (_name: string): void => {} };
