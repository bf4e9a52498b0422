// The 2-D canvas under the points: the background grid (background.ts) and density contours
// (density.ts), both in data coordinates, redrawn on every view change.

import { densityContours, densityGrid, type Ring } from "./density";
import { isDark, num } from "./dom";
import { drawHalos } from "./halo";
import { asBackgroundMode, BackgroundLayer, fadeAlpha, layerAlpha } from "./background";
import { asTyped, type MapModel } from "./model";
import { probe } from "./probe";
import { coordsExtent, dataToScreen, type Extent, padExtent } from "./scales";
import type { MapState } from "./state";
import { AxisTicks } from "./ticks";

/** The `background_extent` trait when a background is present. */
export function backgroundExtent(model: MapModel): Extent | null {
  const e = model.get("background_extent") as number[] | null;
  return model.get("background") && Array.isArray(e) && e.length === 4 ? (e as Extent) : null;
}

export class Layers {
  readonly background = new BackgroundLayer();
  private contours: Ring[][] = [];
  private draws = 0;

  /** round-number labels of the view along the plot's edges (ticks.ts) */
  readonly ticks = new AxisTicks();

  constructor(
    readonly canvas: HTMLCanvasElement,
    private model: MapModel,
    private state: MapState,
  ) {
    canvas.parentElement?.append(this.ticks.el);
  }

  /** Rebuild the background image from the background traits (and `background_mode`:
   * the grid, its spread `background_std`, or the grid faded where the spread is large),
   * faded by the data support `background_support` in every mode. */
  readHeatmap(): void {
    const m = this.model;
    const values = asTyped(m.get("background"), Float32Array);
    const shape = m.get("background_shape") as number[] | null;
    const extent = backgroundExtent(m);
    if (!values || !extent || !Array.isArray(shape) || shape.length !== 2) {
      this.background.set(null);
      this.background.hasSpread = this.background.showsSpread = false;
      return;
    }
    const hv = m.get("background_vmin");
    const hx = m.get("background_vmax");
    const std = asTyped(m.get("background_std"), Float32Array);
    const hasSpread = std !== null && std.length === values.length;
    const mode = hasSpread ? asBackgroundMode(m.get("background_mode")) : "mean";
    const spread = mode === "spread" && std !== null;
    this.background.set({
      values: spread ? std : values,
      ny: shape[0],
      nx: shape[1],
      extent,
      colormap: String((spread ? m.get("background_std_colormap") : m.get("background_colormap")) || (spread ? "magma" : "viridis")),
      vmin: !spread && typeof hv === "number" ? hv : null,
      vmax: !spread && typeof hx === "number" ? hx : null,
      // faded where the spread is large ("faded" mode) and where no data backs the cell
      alpha: layerAlpha(asTyped(m.get("background_support"), Float32Array), mode === "faded" && std !== null ? fadeAlpha(std) : null, values.length),
    });
    this.background.hasSpread = hasSpread;
    this.background.showsSpread = spread;
  }

  /** Recompute the contours of the visible points (none unless `show_density`). */
  computeDensity(): void {
    const s = this.state;
    this.contours = [];
    if (!this.model.get("show_density") || s.n === 0) return;
    const ext = coordsExtent(s.coords);
    if (!ext) return;
    const grid = densityGrid(s.coords, padExtent(ext, 0.1), 96, 96, s.visibleFilter());
    this.contours = densityContours(grid, 6);
  }

  draw(view: Extent): void {
    const { width, height } = this.state;
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    // same CSS size as the points canvas (whole pixels), so both share one pixel grid
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (this.model.get("show_background") !== false) this.background.draw(ctx, view, width, height, num(this.model.get("background_opacity"), 1));
    this.ticks.render(view, width, height);
    const root = c.closest<HTMLElement>(".mm-root");
    if (root) probe(root, "layers", ++this.draws);
    const s = this.state;
    drawHalos(ctx, view, width, height, { coords: s.coords, n: s.n, isVisible: s.isVisible, pointSize: num(this.model.get("point_size"), 4), markers: s.markers });
    if (!this.contours.length) return;
    const levels = this.contours;
    ctx.save();
    ctx.strokeStyle = isDark() ? "rgba(255,255,255,0.7)" : "rgba(0,0,0,0.6)";
    levels.forEach((level, k) => {
      ctx.lineWidth = 0.75 + (k / Math.max(1, levels.length - 1)) * 1.25;
      ctx.beginPath();
      for (const ring of level) {
        ring.forEach(([x, y], j) => {
          const [px, py] = dataToScreen(view, width, height, x, y);
          if (j === 0) ctx.moveTo(px, py);
          else ctx.lineTo(px, py);
        });
        ctx.closePath();
      }
      ctx.stroke();
    });
    ctx.restore();
  }
}
