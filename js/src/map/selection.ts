// The selection: front-end state <-> the `selection` trait (uint32, sorted unique), its
// highlight on the points, and search (inline table here, else the kernel answers).

import { asTyped, type MapModel, uint32View } from "./model";
import type { PointLayer } from "./points";
import { mergeSelection, type MergeMode, sameIndices } from "./polygon";
import { probe } from "./probe";
import { searchTable } from "./search";
import type { MapState } from "./state";

const SEARCH_TIMEOUT_MS = 3000;
// A selection this large (uint32: 256 KiB) leaves the page in several writes of the socket's
// data pipe, each a task on this thread. Highlighting it (a long task in regl-scatterplot)
// before the last write would hold the message back, so it waits for the kernel's first
// status reply about the change, or at most HIGHLIGHT_WAIT_MS.
const LARGE_SELECTION = 1 << 16;
const HIGHLIGHT_WAIT_MS = 2000;

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

function plural(count: number, query: string): string {
  return `${count} match${count === 1 ? "" : "es"} for “${query}”`;
}

export class Selection {
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private model: MapModel,
    private state: MapState,
    private points: PointLayer,
    private root: HTMLElement,
    /** refresh the status line, with an optional note */
    private status: (note?: string) => void,
  ) {}

  /** Take the trait as it is (new data). */
  load(): void {
    const s = asTyped(this.model.get("selection"), Uint32Array);
    this.state.selection = s ? Uint32Array.from(s) : new Uint32Array(0);
  }

  /** The trait changed: follow it unless it is what we already show. */
  read(): void {
    const s = asTyped(this.model.get("selection"), Uint32Array) ?? new Uint32Array(0);
    if (sameIndices(s, this.state.selection)) return;
    this.state.selection = Uint32Array.from(s);
    this.highlight();
  }

  highlight(): void {
    if (!this.points.drawn) return;
    const t0 = performance.now();
    const { selection, n, isVisible } = this.state;
    const idx: number[] = [];
    for (const i of selection) if (i < n && isVisible(i)) idx.push(i);
    this.points.highlight(idx);
    probe(this.root, "highlightMs", Math.round(performance.now() - t0));
    probe(this.root, "selected", selection.length);
    this.status();
  }

  /** Replace / extend / reduce the selection from the front end and send it to Python. */
  set(next: Uint32Array, mode: MergeMode = "replace"): void {
    const t0 = performance.now();
    this.state.selection = mergeSelection(this.state.selection, next, mode);
    const t1 = performance.now();
    this.model.set("selection", uint32View(this.state.selection));
    if (this.state.selection.length < LARGE_SELECTION) {
      this.model.save_changes();
      // highlight in the next task: the message to Python is already on its way
      setTimeout(() => this.highlight(), 0);
    } else {
      const highlight = once(() => setTimeout(() => this.highlight(), 0));
      this.model.save_changes({ iopub: { status: highlight } });
      setTimeout(highlight, HIGHLIGHT_WAIT_MS);
    }
    const t2 = performance.now();
    probe(this.root, "setSelectionMs", [t1 - t0, t2 - t1].map((t) => t.toFixed(1)).join(","));
  }

  search(query: string): void {
    const q = query.trim();
    if (!q) return;
    const table = this.model.get("tooltip_table") as Record<string, unknown[]> | null;
    const cols = ((this.model.get("search_columns") as string[]) ?? []).map(String);
    if (table && Object.keys(table).length) {
      const hits = searchTable(table, cols, q, this.state.n);
      this.set(hits);
      this.status(plural(hits.length, q));
      return;
    }
    // no inline table: the kernel searches and sets `selection` itself
    this.model.send({ type: "search", query: q });
    this.clearTimer();
    this.searchTimer = setTimeout(() => this.status("search needs a running kernel for this map"), SEARCH_TIMEOUT_MS);
  }

  /** The kernel's {type: "search", count, query} answer. */
  answered(msg: { count: number; query: string }): void {
    this.status(plural(msg.count, msg.query));
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.searchTimer) clearTimeout(this.searchTimer);
  }

  destroy(): void {
    this.clearTimer();
  }
}
