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

/** Indices (ascending) of points inside the polygon; `visible(i)` may exclude hidden points. */
export function selectInPolygon(
  coords: Float32Array,
  poly: ArrayLike<Vertex>,
  visible?: (i: number) => boolean,
): Uint32Array {
  if (poly.length < 3) return new Uint32Array(0);
  const [x0, x1, y0, y1] = bbox(poly);
  const n = coords.length >> 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    // bbox reject first: most points fail here, which keeps 1M points in a few ms
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    if (visible && !visible(i)) continue;
    if (pointInPolygon(x, y, poly)) out.push(i);
  }
  return Uint32Array.from(out);
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
