// Point-in-polygon and selection arithmetic over interleaved float32 (x, y) coordinates.

export type Vertex = [number, number];

/** Even-odd (crossing-number) test; the polygon is implicitly closed. */
export function pointInPolygon(x: number, y: number, poly: ArrayLike<Vertex>): boolean {
  let inside = false;
  const n = poly.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[i][0];
    const yi = poly[i][1];
    const xj = poly[j][0];
    const yj = poly[j][1];
    // Python tests use the same expression, so edge cases resolve identically.
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function bbox(poly: ArrayLike<Vertex>): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < poly.length; i++) {
    const [x, y] = poly[i];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, x1, y0, y1];
}

const GRID = 128;

/**
 * Cell classes of a GRID x GRID raster over the polygon's bounding box: 0 outside, 1 inside,
 * 2 touched by an edge (points there need the exact test). Edge cells are marked
 * conservatively (every cell within one cell of a sample taken every half cell along each
 * edge), so a cell marked 0 or 1 contains no edge and all its points share its centre's class.
 */
function classifyCells(poly: ArrayLike<Vertex>, x0: number, y0: number, sx: number, sy: number): Uint8Array {
  const cells = new Uint8Array(GRID * GRID);
  const n = poly.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ax = (poly[j][0] - x0) * sx;
    const ay = (poly[j][1] - y0) * sy;
    const bx = (poly[i][0] - x0) * sx;
    const by = (poly[i][1] - y0) * sy;
    const steps = Math.max(1, Math.ceil(2 * Math.max(Math.abs(bx - ax), Math.abs(by - ay))));
    for (let k = 0; k <= steps; k++) {
      const cx = Math.floor(ax + ((bx - ax) * k) / steps);
      const cy = Math.floor(ay + ((by - ay) * k) / steps);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const gx = cx + dx;
          const gy = cy + dy;
          if (gx >= 0 && gx < GRID && gy >= 0 && gy < GRID) cells[gy * GRID + gx] = 2;
        }
    }
  }
  for (let gy = 0; gy < GRID; gy++)
    for (let gx = 0; gx < GRID; gx++) {
      const c = gy * GRID + gx;
      if (cells[c] === 2) continue;
      cells[c] = pointInPolygon(x0 + (gx + 0.5) / sx, y0 + (gy + 0.5) / sy, poly) ? 1 : 0;
    }
  return cells;
}

/** Indices (ascending) of points inside the polygon; `visible(i)` may exclude hidden points. */
export function selectInPolygon(
  coords: Float32Array,
  poly: ArrayLike<Vertex>,
  visible?: (i: number) => boolean,
): Uint32Array {
  if (poly.length < 3) return new Uint32Array(0);
  const [x0, x1, y0, y1] = bbox(poly);
  const n = coords.length >> 1;
  // a coarse raster decides most points; only points in edge cells get the exact test
  const sx = x1 > x0 ? GRID / (x1 - x0) : 0;
  const sy = y1 > y0 ? GRID / (y1 - y0) : 0;
  const cells = sx > 0 && sy > 0 ? classifyCells(poly, x0, y0, sx, sy) : null;
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    if (visible && !visible(i)) continue;
    let cls = 2;
    if (cells) {
      const gx = Math.min(GRID - 1, Math.floor((x - x0) * sx));
      const gy = Math.min(GRID - 1, Math.floor((y - y0) * sy));
      cls = cells[gy * GRID + gx];
    }
    if (cls === 1 || (cls === 2 && pointInPolygon(x, y, poly))) out[k++] = i;
  }
  return out.slice(0, k);
}

/** Indices of points with x0 <= x <= x1 and y0 <= y <= y1 (corners in any order). */
export function selectInBox(
  coords: Float32Array,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  visible?: (i: number) => boolean,
): Uint32Array {
  const x0 = Math.min(ax, bx);
  const x1 = Math.max(ax, bx);
  const y0 = Math.min(ay, by);
  const y1 = Math.max(ay, by);
  const n = coords.length >> 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    if (visible && !visible(i)) continue;
    out.push(i);
  }
  return Uint32Array.from(out);
}

export type MergeMode = "replace" | "add" | "remove";

/** Combine a new selection with the current one; result sorted and unique. */
export function mergeSelection(current: Uint32Array, next: Uint32Array, mode: MergeMode): Uint32Array {
  if (mode === "replace") return sortedUnique(next);
  if (mode === "add") {
    const all = new Uint32Array(current.length + next.length);
    all.set(current);
    all.set(next, current.length);
    return sortedUnique(all);
  }
  const drop = new Set(next);
  return sortedUnique(current.filter((i) => !drop.has(i)));
}

export function sortedUnique(a: Uint32Array): Uint32Array {
  // box / lasso hits come ascending already: one O(n) check instead of an O(n log n) sort
  let ascending = true;
  for (let i = 1; i < a.length && ascending; i++) ascending = a[i] > a[i - 1];
  if (ascending) return a.slice();
  const s = Uint32Array.from(a).sort();
  let k = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) s[k++] = s[i];
  return s.slice(0, k);
}

export function sameIndices(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Nearest point to (px, py) in screen space within `radius` px; -1 if none. */
export function nearestPoint(
  coords: Float32Array,
  toScreen: (x: number, y: number) => [number, number],
  px: number,
  py: number,
  radius: number,
  visible?: (i: number) => boolean,
): number {
  let best = -1;
  let bestD = radius * radius;
  const n = coords.length >> 1;
  for (let i = 0; i < n; i++) {
    const [sx, sy] = toScreen(coords[2 * i], coords[2 * i + 1]);
    const d = (sx - px) * (sx - px) + (sy - py) * (sy - py);
    if (d <= bestD && (!visible || visible(i))) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
