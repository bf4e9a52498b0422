// Hover tooltips. Small data ship an inline column table (`tooltip_table` trait); large data
// ask the kernel lazily with a custom message {type: "tooltip", index} and cache the answer.
// Without a kernel (standalone page, file viewer) the request simply goes unanswered and the
// tooltip shows the point index and coordinates only.

import type { MapModel } from "./model";

export type Row = [string, string];

export class TooltipSource {
  private cache = new Map<number, Row[]>();
  private pending = new Map<number, ((rows: Row[]) => void)[]>();

  constructor(private model: MapModel) {}

  /** Rows from the inline table, if the widget carries one for this point. */
  inline(index: number): Row[] | null {
    const table = this.model.get("tooltip_table") as Record<string, unknown[]> | null;
    if (!table) return null;
    const cols = Object.keys(table);
    if (cols.length === 0) return null;
    return cols.map((c) => [c, fmt(table[c]?.[index])]);
  }

  /** Rows for a point: inline, cached, or requested from the kernel. */
  fetch(index: number, cb: (rows: Row[]) => void): void {
    const rows = this.inline(index) ?? this.cache.get(index);
    if (rows) {
      cb(rows);
      return;
    }
    const waiting = this.pending.get(index);
    if (waiting) {
      waiting.push(cb);
      return;
    }
    this.pending.set(index, [cb]);
    this.model.send({ type: "tooltip", index });
  }

  /** Handle {type: "tooltip", index, rows} replies from the kernel. */
  receive(msg: { index: number; rows: Row[] }): void {
    const rows = (msg.rows ?? []).map(([k, v]) => [String(k), fmt(v)] as Row);
    this.cache.set(msg.index, rows);
    for (const cb of this.pending.get(msg.index) ?? []) cb(rows);
    this.pending.delete(msg.index);
  }

  clear(): void {
    this.cache.clear();
    this.pending.clear();
  }
}

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return String(v);
}

export function renderTooltip(el: HTMLElement, title: string, rows: Row[]): void {
  el.replaceChildren();
  const h = document.createElement("div");
  h.className = "mm-tooltip-title";
  h.textContent = title;
  el.appendChild(h);
  const table = document.createElement("table");
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = k;
    const td = document.createElement("td");
    td.textContent = v;
    td.dataset.column = k;
    tr.append(th, td);
    table.appendChild(tr);
  }
  el.appendChild(table);
}
