import { el } from './dom.js';

/**
 * A `<select>` of what a panel can show (the run, or one endpoint), which keeps the reader's
 * choice when the document is drawn again (a live update) as long as that choice still exists.
 */
export class Selector {
  readonly node: HTMLSelectElement;
  private labels: string[] = [];

  constructor(id: string, label: string, onChange: () => void) {
    this.node = el('select', { id, 'aria-label': label, onchange: onChange });
  }

  /** Sets the choices (their labels, in order); returns the index chosen. */
  set(labels: string[]): number {
    if (JSON.stringify(labels) !== JSON.stringify(this.labels)) {
      const keep = this.labels[this.node.selectedIndex];
      this.labels = labels;
      this.node.replaceChildren(...labels.map((text, i) => el('option', { value: String(i), text })));
      const again = keep === undefined ? -1 : labels.indexOf(keep);
      this.node.selectedIndex = Math.max(again, 0);
    }
    return this.node.selectedIndex;
  }
}
