// Li/O molar-fraction panels for saved maps (standalone HTML and the JupyterLab .mmap viewer),
// the kernel-less counterpart of the Explorer's bqplot panels (paper Fig. 5): Li and O
// fractions against x_comp and x_struct, the map selection highlighted, and a box brush in
// any panel that selects on the map. Plain 2-D canvas: a few thousand points at most per panel.

import { selectInBox } from "./map/polygon";

export type Table = { columns: string[]; data: unknown[][] };
export interface ModelLike {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event?: string, cb?: () => void): void;
}

const PANELS: [string, string][] = [
  ["x_comp", "li_fraction"],
  ["x_struct", "li_fraction"],
  ["x_comp", "o_fraction"],
  ["x_struct", "o_fraction"],
];
const W = 250;
const H = 170;
const PAD = { l: 40, r: 8, t: 8, b: 30 };

export function selectionOf(model: ModelLike): Uint32Array {
  const v = model.get("selection") as DataView | null | undefined;
  if (!v || !v.byteLength) return new Uint32Array(0);
  return new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** Column of a document table as float64 (non-numbers become NaN); null when absent. */
export function column(table: Table, name: string): Float64Array | null {
  const j = table.columns.indexOf(name);
  if (j < 0) return null;
  return Float64Array.from(table.data, (row) => (typeof row[j] === "number" ? (row[j] as number) : NaN));
}

function extent(a: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = (hi - lo || 1) * 0.05;
  return [lo - pad, hi + pad];
}

class Panel {
  readonly canvas: HTMLCanvasElement;
  private xs: [number, number];
  private ys: [number, number];
  private xy: Float32Array;

  constructor(
    private x: Float64Array,
    private y: Float64Array,
    private xName: string,
    private yName: string,
    private onBrush: (sel: Uint32Array) => void,
  ) {
    this.xs = extent(x);
    this.ys = extent(y);
    this.xy = new Float32Array(2 * x.length);
    for (let i = 0; i < x.length; i++) (this.xy[2 * i] = x[i]), (this.xy[2 * i + 1] = y[i]);
    this.canvas = document.createElement("canvas");
    this.canvas.className = "mm-ratio-panel";
    this.canvas.dataset.x = xName;
    this.canvas.dataset.y = yName;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `${yName} against ${xName}; drag to select`);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = W * dpr;
    this.canvas.height = H * dpr;
    this.canvas.style.width = `${W}px`;
    this.canvas.style.height = `${H}px`;
    this.bindBrush();
  }

  px(v: number): number {
    return PAD.l + ((v - this.xs[0]) / (this.xs[1] - this.xs[0])) * (W - PAD.l - PAD.r);
  }

  py(v: number): number {
    return H - PAD.b - ((v - this.ys[0]) / (this.ys[1] - this.ys[0])) * (H - PAD.t - PAD.b);
  }

  inv(px: number, py: number): [number, number] {
    const x = this.xs[0] + ((px - PAD.l) / (W - PAD.l - PAD.r)) * (this.xs[1] - this.xs[0]);
    const y = this.ys[0] + ((H - PAD.b - py) / (H - PAD.t - PAD.b)) * (this.ys[1] - this.ys[0]);
    return [x, y];
  }

  draw(selected: Uint32Array, brush?: [number, number, number, number]): void {
    const ctx = this.canvas.getContext("2d")!;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const style = getComputedStyle(this.canvas);
    const fg = style.getPropertyValue("--jp-ui-font-color1").trim() || "#222";
    ctx.clearRect(0, 0, W, H);
    ctx.strokeStyle = fg;
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    ctx.strokeRect(PAD.l, PAD.t, W - PAD.l - PAD.r, H - PAD.t - PAD.b);
    ctx.font = "11px sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(this.xName, (PAD.l + W - PAD.r) / 2, H - 6);
    ctx.fillText(this.xs[0].toPrecision(2), PAD.l, H - PAD.b + 12);
    ctx.fillText(this.xs[1].toPrecision(2), W - PAD.r - 8, H - PAD.b + 12);
    ctx.save();
    ctx.translate(11, (PAD.t + H - PAD.b) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.yName, 0, 0);
    ctx.restore();
    ctx.fillStyle = "rgba(128,128,128,0.45)";
    for (let i = 0; i < this.x.length; i++) {
      if (!Number.isFinite(this.x[i]) || !Number.isFinite(this.y[i])) continue;
      ctx.fillRect(this.px(this.x[i]) - 1.5, this.py(this.y[i]) - 1.5, 3, 3);
    }
    ctx.fillStyle = "#d55e00"; // Okabe-Ito vermillion: visible on grey for colour-blind readers
    for (const i of selected) {
      if (i >= this.x.length || !Number.isFinite(this.x[i]) || !Number.isFinite(this.y[i])) continue;
      ctx.fillRect(this.px(this.x[i]) - 2.5, this.py(this.y[i]) - 2.5, 5, 5);
    }
    if (brush) {
      ctx.strokeStyle = "#0072b2";
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(brush[0], brush[1], brush[2] - brush[0], brush[3] - brush[1]);
      ctx.setLineDash([]);
    }
  }

  private bindBrush(): void {
    let start: [number, number] | null = null;
    const pos = (e: PointerEvent): [number, number] => {
      const r = this.canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    this.canvas.addEventListener("pointerdown", (e) => {
      start = pos(e);
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!start) return;
      const p = pos(e);
      this.canvas.dispatchEvent(new CustomEvent("mm-brush", { detail: [start[0], start[1], p[0], p[1]] }));
    });
    this.canvas.addEventListener("pointerup", (e) => {
      if (!start) return;
      const [a, b] = [this.inv(...start), this.inv(...pos(e))];
      start = null;
      this.onBrush(selectInBox(this.xy, a[0], a[1], b[0], b[1]));
    });
  }
}

/** Mount the four Li/O panels under a map; returns a cleanup function (no-op without data). */
export function mountRatioPanels(container: HTMLElement, model: ModelLike, table: Table | null): () => void {
  if (!table) return () => undefined;
  const cols = Object.fromEntries(
    ["x_comp", "x_struct", "li_fraction", "o_fraction"].map((c) => [c, column(table, c)]),
  );
  if (Object.values(cols).some((c) => c === null)) return () => undefined;
  const box = document.createElement("div");
  box.className = "mm-ratio-panels";
  box.style.cssText = "display:flex;flex-wrap:wrap;gap:8px;padding:8px;";
  box.setAttribute("aria-label", "Li and O molar fractions against the map axes");
  const select = (sel: Uint32Array) => {
    model.set("selection", new DataView(sel.buffer, sel.byteOffset, sel.byteLength));
    model.save_changes();
  };
  const panels = PANELS.map(([x, y]) => new Panel(cols[x]!, cols[y]!, x, y, select));
  const redraw = () => {
    const sel = selectionOf(model);
    box.dataset.selected = String(sel.length);
    for (const p of panels) p.draw(sel);
  };
  for (const p of panels) {
    p.canvas.addEventListener("mm-brush", (e) => p.draw(selectionOf(model), (e as CustomEvent).detail));
    box.appendChild(p.canvas);
  }
  container.appendChild(box);
  model.on("change:selection", redraw);
  redraw();
  return () => {
    model.off("change:selection", redraw);
    box.remove();
  };
}
