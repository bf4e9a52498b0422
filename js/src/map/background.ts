// Background grid layer (e.g. the model's migration-energy prediction over the map).
// grid[i * nx + j] is the value at the centre of cell (i, j): row i runs along y from the
// extent's y0 (bottom) to y1 (top), column j along x from x0 to x1 (matplotlib's
// imshow(origin="lower", extent=...)). Drawn with nearest-neighbour sampling so a pixel
// shows exactly the colour of its cell. With a standard-deviation grid (`background_std`) the
// layer can show the spread instead, or the grid faded where the spread is large. With a
// support grid (`background_support`) every mode fades where the map has no data.

import { continuousLut, finiteRange, lutIndex } from "./colormaps";
import { dataToScreen, type Extent } from "./scales";

export interface BackgroundSpec {
  values: Float32Array;
  nx: number;
  ny: number;
  extent: Extent;
  colormap: string;
  vmin: number | null;
  vmax: number | null;
  /** per-cell opacity in [0, 1] (same layout as values); absent: opaque */
  alpha?: Float32Array | null;
}

/** What the layer shows: the grid, its spread, or the grid faded by its spread. */
export type BackgroundMode = "mean" | "spread" | "faded";

export function asBackgroundMode(v: unknown): BackgroundMode {
  return v === "spread" || v === "faded" ? v : "mean";
}

/** Per-cell opacity of the "faded" mode: 1 where the spread is smallest, `floor` where it
 * is largest, linear in between (finite range of the spread); NaN spread stays opaque. */
export function fadeAlpha(std: Float32Array, floor = 0.15): Float32Array {
  const [lo, hi] = finiteRange(std);
  const out = new Float32Array(std.length);
  for (let k = 0; k < std.length; k++) {
    const t = hi > lo && Number.isFinite(std[k]) ? (std[k] - lo) / (hi - lo) : 0;
    out[k] = 1 - (1 - floor) * t;
  }
  return out;
}

/** Per-cell opacity of the layer: the data support (`background_support`, in [0, 1]: how much
 * data backs the cell, 0 far from every material; pipeline.support_grid's rule) times the
 * "faded" mode's opacity when there is one. A NaN support counts as none (transparent);
 * a support grid of the wrong length is ignored (opaque). */
export function layerAlpha(support: Float32Array | null, fade: Float32Array | null, n: number): Float32Array | null {
  const sup = support && support.length === n ? support : null;
  if (!sup) return fade;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const a = Number.isFinite(sup[k]) ? Math.min(1, Math.max(0, sup[k])) : 0;
    out[k] = fade ? a * fade[k] : a;
  }
  return out;
}

/** RGBA pixels of the grid, image row 0 = top (y1). NaN cells are transparent. */
export function backgroundPixels(spec: BackgroundSpec): { rgba: Uint8ClampedArray<ArrayBuffer>; range: [number, number] } {
  const { values, nx, ny } = spec;
  const auto = finiteRange(values);
  const vmin = spec.vmin ?? auto[0];
  const vmax = spec.vmax ?? auto[1];
  const lut = continuousLut(spec.colormap);
  const rgba = new Uint8ClampedArray(nx * ny * 4);
  for (let i = 0; i < ny; i++) {
    const row = ny - 1 - i; // data row 0 is the bottom of the image
    for (let j = 0; j < nx; j++) {
      const k = lutIndex(values[i * nx + j], vmin, vmax);
      const o = 4 * (row * nx + j);
      if (k < 0) continue;
      rgba[o] = lut[3 * k];
      rgba[o + 1] = lut[3 * k + 1];
      rgba[o + 2] = lut[3 * k + 2];
      rgba[o + 3] = spec.alpha ? Math.round(255 * spec.alpha[i * nx + j]) : 255;
    }
  }
  return { rgba, range: [vmin, vmax] };
}

export class BackgroundLayer {
  private image: HTMLCanvasElement | null = null;
  private extent: Extent | null = null;
  range: [number, number] = [0, 1];
  /** the layer shows the spread grid (the colour bar then titles and colours it) */
  showsSpread = false;
  /** a spread grid came with the background (the mode menu is offered) */
  hasSpread = false;

  set(spec: BackgroundSpec | null): void {
    if (!spec || spec.nx < 1 || spec.ny < 1 || spec.values.length < spec.nx * spec.ny) {
      this.image = null;
      this.extent = null;
      return;
    }
    const { rgba, range } = backgroundPixels(spec);
    const c = document.createElement("canvas");
    c.width = spec.nx;
    c.height = spec.ny;
    c.getContext("2d")!.putImageData(new ImageData(rgba, spec.nx, spec.ny), 0, 0);
    this.image = c;
    this.extent = spec.extent;
    this.range = range;
  }

  get present(): boolean {
    return this.image !== null;
  }

  /** Draw under the points; ctx is in CSS pixels (the caller applies devicePixelRatio). */
  draw(ctx: CanvasRenderingContext2D, view: Extent, width: number, height: number, opacity: number): void {
    if (!this.image || !this.extent) return;
    const [x0, x1, y0, y1] = this.extent;
    const [sx0, syTop] = dataToScreen(view, width, height, x0, y1);
    const [sx1, syBottom] = dataToScreen(view, width, height, x1, y0);
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = opacity;
    ctx.drawImage(this.image, sx0, syTop, sx1 - sx0, syBottom - syTop);
    ctx.restore();
  }
}
