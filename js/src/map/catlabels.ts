// Family names on the map: each shown category's name drawn at its densest cluster in the
// current view (trait `show_category_labels`), in the overlay's SVG, with a halo, beside the
// cluster where it hides the fewest points and no other label. Where a label goes is pure
// (`clusterAnchors`, `pointCounter`, `placeLabels`; vitest); `CategoryLabels` draws it.
// Recomputed on every redraw, so labels follow pan and zoom and leave with hidden categories.

import { SVG_NS } from "./dom";
import type { MapModel } from "./model";
import { probe } from "./probe";
import type { Extent } from "./scales";
import type { MapState } from "./state";

/** Density grid cell (CSS px) and the Gaussian's sigma (cells): 8 px cells, sigma 16 px. */
export const CELL_PX = 8;
export const SIGMA_CELLS = 2;
/** A family with fewer points than this in view is no cluster and gets no label. */
export const MIN_POINTS = 3;
export const FONT_PX = 12;

export interface LabelAnchor {
  code: number;
  /** the point the label sits on: the family's point nearest its density peak */
  index: number;
  /** that point on screen (CSS px from the plot's top-left corner) */
  x: number;
  y: number;
  /** the family's points in view */
  count: number;
}

export interface PlacedLabel extends LabelAnchor {
  name: string;
  /** centre and size of the label's box on screen */
  cx: number;
  cy: number;
  w: number;
  h: number;
}

export interface AnchorInput {
  coords: Float32Array;
  categories: ArrayLike<number>;
  /** number of categories (codes >= k are ignored) */
  k: number;
  view: Extent;
  width: number;
  height: number;
  /** false for points hidden through the legends */
  shown: (i: number) => boolean;
}

const KERNEL_RADIUS = 3 * SIGMA_CELLS;
const KERNEL = Array.from({ length: 2 * KERNEL_RADIUS + 1 }, (_, i) => Math.exp(-((i - KERNEL_RADIUS) ** 2) / (2 * SIGMA_CELLS ** 2)));

/** Separable Gaussian blur of a row-major `nx` x `ny` grid (in place; `tmp` is scratch). */
function blur(grid: Float64Array, tmp: Float64Array, nx: number, ny: number): void {
  for (let pass = 0; pass < 2; pass++) {
    const [src, dst] = pass === 0 ? [grid, tmp] : [tmp, grid];
    const [step, len, lines, stride] = pass === 0 ? [1, nx, ny, nx] : [nx, ny, nx, 1];
    for (let l = 0; l < lines; l++) {
      const base = l * stride;
      for (let i = 0; i < len; i++) {
        let s = 0;
        for (let d = -KERNEL_RADIUS; d <= KERNEL_RADIUS; d++) {
          const j = i + d;
          if (j >= 0 && j < len) s += KERNEL[d + KERNEL_RADIUS] * src[base + j * step];
        }
        dst[base + i * step] = s;
      }
    }
  }
}

/**
 * Where each shown category is densest in view: its points binned into CELL_PX cells (cells
 * fixed in data space, so panning does not move them), Gaussian-blurred, the peak cell in view,
 * then the category's point in view nearest that cell's centre. Categories with fewer than
 * MIN_POINTS points in view get none. Cost: O(n + cells around each category).
 */
export function clusterAnchors(a: AnchorInput): LabelAnchor[] {
  const { coords, categories, k, view, width, height } = a;
  const [x0, x1, y0, y1] = view;
  if (!(width > 0 && height > 0 && x1 > x0 && y1 > y0)) return [];
  const cw = (CELL_PX * (x1 - x0)) / width;
  const ch = (CELL_PX * (y1 - y0)) / height;
  // grid columns / rows: the view plus the kernel's reach on each side
  const gx0 = Math.floor(x0 / cw) - KERNEL_RADIUS;
  const gy0 = Math.floor(y0 / ch) - KERNEL_RADIUS;
  const nx = Math.floor(x1 / cw) - gx0 + KERNEL_RADIUS + 1;
  const ny = Math.floor(y1 / ch) - gy0 + KERNEL_RADIUS + 1;
  const members: number[][] = Array.from({ length: k }, () => []);
  const cell = new Int32Array(coords.length >> 1).fill(-1);
  for (let i = 0; i < cell.length; i++) {
    const c = categories[i];
    if (c >= k || !a.shown(i)) continue;
    const gx = Math.floor(coords[2 * i] / cw) - gx0;
    const gy = Math.floor(coords[2 * i + 1] / ch) - gy0;
    if (gx < 0 || gy < 0 || gx >= nx || gy >= ny) continue;
    cell[i] = gy * nx + gx;
    members[c].push(i);
  }
  const inView = (i: number) => {
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
  };
  const out: LabelAnchor[] = [];
  for (let code = 0; code < k; code++) {
    const pts = members[code];
    const count = pts.filter(inView).length;
    if (count < MIN_POINTS) continue;
    // the category's bounding box of cells, widened by the kernel, clipped to the grid
    let bx0 = nx, bx1 = 0, by0 = ny, by1 = 0;
    for (const i of pts) {
      const gx = cell[i] % nx;
      const gy = (cell[i] - gx) / nx;
      bx0 = Math.min(bx0, gx); bx1 = Math.max(bx1, gx);
      by0 = Math.min(by0, gy); by1 = Math.max(by1, gy);
    }
    bx0 = Math.max(0, bx0 - KERNEL_RADIUS); bx1 = Math.min(nx - 1, bx1 + KERNEL_RADIUS);
    by0 = Math.max(0, by0 - KERNEL_RADIUS); by1 = Math.min(ny - 1, by1 + KERNEL_RADIUS);
    const bw = bx1 - bx0 + 1;
    const bh = by1 - by0 + 1;
    const grid = new Float64Array(bw * bh);
    for (const i of pts) {
      const gx = cell[i] % nx;
      grid[((cell[i] - gx) / nx - by0) * bw + gx - bx0] += 1;
    }
    blur(grid, new Float64Array(bw * bh), bw, bh);
    // the peak among cells whose centre is in view
    let best = -1;
    let bestV = -1;
    for (let j = 0; j < bh; j++) {
      const cy = (gy0 + by0 + j + 0.5) * ch;
      if (cy < y0 || cy > y1) continue;
      for (let i = 0; i < bw; i++) {
        const cx = (gx0 + bx0 + i + 0.5) * cw;
        if (cx < x0 || cx > x1 || grid[j * bw + i] <= bestV) continue;
        bestV = grid[j * bw + i];
        best = j * bw + i;
      }
    }
    if (best < 0) continue;
    const px = (gx0 + bx0 + (best % bw) + 0.5) * cw;
    const py = (gy0 + by0 + Math.floor(best / bw) + 0.5) * ch;
    let index = -1;
    let bestD = Infinity;
    for (const i of pts) {
      if (!inView(i)) continue;
      const d = ((coords[2 * i] - px) / cw) ** 2 + ((coords[2 * i + 1] - py) / ch) ** 2;
      if (d < bestD) {
        bestD = d;
        index = i;
      }
    }
    const x = ((coords[2 * index] - x0) / (x1 - x0)) * width;
    const y = height - ((coords[2 * index + 1] - y0) / (y1 - y0)) * height;
    out.push({ code, index, x, y, count });
  }
  return out;
}

/** Points in a screen rectangle, counted from a summed-area table of `cell` px cells (a point
 * counts for a rectangle that meets its cell): what a label placed there would cover. */
export function pointCounter(
  px: ArrayLike<number>,
  py: ArrayLike<number>,
  width: number,
  height: number,
  cell = 4,
): (x0: number, y0: number, x1: number, y1: number) => number {
  const nx = Math.ceil(width / cell);
  const ny = Math.ceil(height / cell);
  const sat = new Float64Array((nx + 1) * (ny + 1)); // sat[(j) * (nx + 1) + i]: cells < i, < j
  for (let k = 0; k < px.length; k++) {
    const i = Math.floor(px[k] / cell);
    const j = Math.floor(py[k] / cell);
    if (i >= 0 && j >= 0 && i < nx && j < ny) sat[(j + 1) * (nx + 1) + i + 1] += 1;
  }
  for (let j = 1; j <= ny; j++)
    for (let i = 1; i <= nx; i++) sat[j * (nx + 1) + i] += sat[(j - 1) * (nx + 1) + i] + sat[j * (nx + 1) + i - 1] - sat[(j - 1) * (nx + 1) + i - 1];
  const clampI = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return (x0, y0, x1, y1) => {
    const i0 = clampI(Math.floor(x0 / cell), nx);
    const i1 = clampI(Math.floor(x1 / cell) + 1, nx);
    const j0 = clampI(Math.floor(y0 / cell), ny);
    const j1 = clampI(Math.floor(y1 / cell) + 1, ny);
    if (i1 <= i0 || j1 <= j0) return 0;
    const at = (i: number, j: number) => sat[j * (nx + 1) + i];
    return at(i1, j1) - at(i0, j1) - at(i1, j0) + at(i0, j0);
  };
}

/**
 * Labels that do not collide: the largest families first, each at the spot around its anchor
 * (kept inside the plot) whose box, widened by `gap` px, meets no label placed before and
 * covers the fewest points (`covered`, e.g. a `pointCounter`; the earlier spot on a tie, so
 * without it the anchor itself when free); a label with no free spot is left out.
 */
export function placeLabels(
  anchors: LabelAnchor[],
  names: string[],
  measure: (text: string) => [number, number],
  width: number,
  height: number,
  covered: (x0: number, y0: number, x1: number, y1: number) => number = () => 0,
  gap = 2,
): PlacedLabel[] {
  const order = [...anchors].sort((p, q) => q.count - p.count || p.code - q.code);
  const placed: PlacedLabel[] = [];
  for (const a of order) {
    const name = names[a.code] ?? String(a.code);
    const [w, h] = measure(name);
    // on the anchor, above, below, right, left, the four diagonals, then two rows up and down
    const side = w / 2 + 3 * gap;
    const spots = [[0, 0], [0, -h], [0, h], [side, 0], [-side, 0], [side, -h], [-side, -h], [side, h], [-side, h], [0, -2 * h], [0, 2 * h]];
    let best: PlacedLabel | null = null;
    let bestCover = Infinity;
    for (const [dx, dy] of spots) {
      const cx = Math.min(Math.max(a.x + dx, w / 2), width - w / 2);
      const cy = Math.min(Math.max(a.y + dy, h / 2), height - h / 2);
      const free = placed.every((p) => Math.abs(p.cx - cx) * 2 >= p.w + w + 2 * gap || Math.abs(p.cy - cy) * 2 >= p.h + h + 2 * gap);
      if (!free) continue;
      const cover = covered(cx - w / 2 - gap, cy - h / 2 - gap, cx + w / 2 + gap, cy + h / 2 + gap);
      if (cover < bestCover) {
        bestCover = cover;
        best = { ...a, name, cx, cy, w, h };
      }
      if (cover === 0) break;
    }
    if (best) placed.push(best);
  }
  return placed;
}

/** The overlay's family labels; `draw` after any change of view, data or hidden categories. */
export class CategoryLabels {
  readonly group = document.createElementNS(SVG_NS, "g");
  private ctx: CanvasRenderingContext2D | null = null;

  constructor(
    private model: MapModel,
    svg: SVGSVGElement,
    private root: HTMLElement,
  ) {
    this.group.setAttribute("class", "mm-category-labels");
    svg.insertBefore(this.group, svg.firstChild); // under the brushed shape and the focus ring
  }

  draw(state: MapState, view: Extent): void {
    const names = ((this.model.get("category_names") as string[]) ?? []).map(String);
    const cats = state.categories;
    let placed: PlacedLabel[] = [];
    if (this.model.get("show_category_labels") !== false && state.ready && cats && names.length > 0) {
      const hidden = new Set(((this.model.get("hidden_categories") as number[]) ?? []).map(Number));
      const anchors = clusterAnchors({
        coords: state.coords,
        categories: cats,
        k: names.length,
        view,
        width: state.width,
        height: state.height,
        shown: (i) => state.isVisible(i) && !hidden.has(cats[i]),
      });
      // where the visible points are on screen: labels go where they hide the fewest
      const { width: w, height: h } = state;
      const px: number[] = [];
      const py: number[] = [];
      for (let i = 0; i < state.n; i++) {
        if (!state.isVisible(i)) continue;
        const x = ((state.coords[2 * i] - view[0]) / (view[1] - view[0])) * w;
        const y = h - ((state.coords[2 * i + 1] - view[2]) / (view[3] - view[2])) * h;
        if (x >= 0 && y >= 0 && x < w && y < h) {
          px.push(x);
          py.push(y);
        }
      }
      placed = placeLabels(anchors, names, (t) => this.measure(t), w, h, pointCounter(px, py, w, h));
    }
    this.group.replaceChildren(...placed.map((p) => this.text(p)));
    probe(this.root, "categoryLabels", placed.length);
  }

  private text(p: PlacedLabel): SVGTextElement {
    const t = document.createElementNS(SVG_NS, "text");
    t.textContent = p.name;
    t.setAttribute("x", String(p.cx));
    t.setAttribute("y", String(p.cy));
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("dominant-baseline", "central");
    t.setAttribute(
      "style",
      `font: 600 ${FONT_PX}px var(--mm-font); fill: var(--mm-fg); stroke: var(--mm-bg); stroke-width: 3px; stroke-linejoin: round; paint-order: stroke`,
    );
    t.dataset.code = String(p.code);
    t.dataset.point = String(p.index);
    t.dataset.anchor = `${p.x},${p.y}`;
    return t;
  }

  /** Width and height of a label in CSS px (its halo included). */
  private measure(text: string): [number, number] {
    this.ctx ??= document.createElement("canvas").getContext("2d");
    if (!this.ctx) return [0.6 * FONT_PX * text.length + 4, FONT_PX + 4];
    this.ctx.font = `600 ${FONT_PX}px ${getComputedStyle(this.root).fontFamily || "sans-serif"}`;
    return [this.ctx.measureText(text).width + 4, FONT_PX + 4];
  }
}
