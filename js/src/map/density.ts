// Density layer: a smoothed 2-D histogram of the points drawn as contour lines in data space
// (follows pan and zoom), for seeing structure where points overplot each other.

import { contours } from "d3-contour";
import type { Extent } from "./scales";

export interface DensityGrid {
  values: Float64Array;
  nx: number;
  ny: number;
  extent: Extent;
}

/** Histogram of visible points on an nx x ny grid over `extent`, blurred by a 3-tap kernel. */
export function densityGrid(
  coords: Float32Array,
  extent: Extent,
  nx = 96,
  ny = 96,
  visible?: (i: number) => boolean,
): DensityGrid {
  const [x0, x1, y0, y1] = extent;
  const h = new Float64Array(nx * ny);
  const n = coords.length >> 1;
  const sx = nx / (x1 - x0);
  const sy = ny / (y1 - y0);
  for (let i = 0; i < n; i++) {
    if (visible && !visible(i)) continue;
    const gx = Math.floor((coords[2 * i] - x0) * sx);
    const gy = Math.floor((coords[2 * i + 1] - y0) * sy);
    if (gx >= 0 && gx < nx && gy >= 0 && gy < ny) h[gy * nx + gx] += 1;
  }
  // separable [1 2 1]/4 blur, twice: smooth contours without a heavy dependency
  const tmp = new Float64Array(nx * ny);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const l = h[y * nx + Math.max(0, x - 1)];
        const r = h[y * nx + Math.min(nx - 1, x + 1)];
        tmp[y * nx + x] = (l + 2 * h[y * nx + x] + r) / 4;
      }
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const d = tmp[Math.max(0, y - 1) * nx + x];
        const u = tmp[Math.min(ny - 1, y + 1) * nx + x];
        h[y * nx + x] = (d + 2 * tmp[y * nx + x] + u) / 4;
      }
  }
  return { values: h, nx, ny, extent };
}

export type Ring = [number, number][];

/** Contour rings in data coordinates at `levels` evenly spaced fractions of the maximum. */
export function densityContours(grid: DensityGrid, levels = 6): Ring[][] {
  let max = 0;
  for (const v of grid.values) if (v > max) max = v;
  if (max <= 0) return [];
  const thresholds = Array.from({ length: levels }, (_, k) => (max * (k + 1)) / (levels + 1));
  const gen = contours().size([grid.nx, grid.ny]).thresholds(thresholds);
  const [x0, x1, y0, y1] = grid.extent;
  const fx = (x1 - x0) / grid.nx;
  const fy = (y1 - y0) / grid.ny;
  return gen(Array.from(grid.values)).map((mp) =>
    mp.coordinates.flatMap((poly) =>
      poly.map((ring) => ring.map(([gx, gy]) => [x0 + gx * fx, y0 + gy * fy] as [number, number])),
    ),
  );
}
