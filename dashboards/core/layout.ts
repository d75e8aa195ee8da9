import type { GridPos } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * Explicit panel placement on Grafana's 24-column grid and explicit panel ids. The SDK's automatic
 * `span/height` placement can fight Grafana's gravity (foundation-sdk#673) and it assigns no panel
 * ids (docs/service-notes.md, "Grafana panel ids and layout"), so we do both ourselves: ids 1..N in creation order, rows left to right.
 */
export class Layout {
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  /** Id and position for a panel `w` columns wide and `h` units high. */
  place(w: number, h: number): { id: number; gridPos: GridPos } {
    if (this.x + w > 24) this.newLine();
    const gridPos = { x: this.x, y: this.y, w, h };
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return { id: this.nextId++, gridPos };
  }

  /** A full-width row header (rows take ids too, so ids stay unique across the dashboard). */
  row(): { id: number; gridPos: GridPos } {
    this.newLine();
    const placed = this.place(24, 1);
    this.newLine();
    return placed;
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}
