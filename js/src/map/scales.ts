// Linear scales and the screen <-> data transform of the current view.
// A view is [x0, x1, y0, y1]: the data coordinates at the left, right, bottom and top
// edges of the plot. Screen y grows downwards, data y upwards.

export type Extent = [number, number, number, number];

/** The subset of the d3 linear-scale API regl-scatterplot needs (domain/range get+set). */
export interface LinearScale {
  (v: number): number;
  domain(): [number, number];
  domain(d: [number, number]): LinearScale;
  range(): [number, number];
  range(r: [number, number]): LinearScale;
  invert(v: number): number;
  copy(): LinearScale;
}

export function scaleLinear(
  domain: [number, number] = [0, 1],
  range: [number, number] = [0, 1],
): LinearScale {
  let d: [number, number] = [domain[0], domain[1]];
  let r: [number, number] = [range[0], range[1]];
  const scale = ((v: number) => r[0] + ((v - d[0]) / (d[1] - d[0])) * (r[1] - r[0])) as LinearScale;
  scale.domain = ((nd?: [number, number]) => {
    if (nd === undefined) return [d[0], d[1]];
    d = [+nd[0], +nd[1]];
    return scale;
  }) as LinearScale["domain"];
  scale.range = ((nr?: [number, number]) => {
    if (nr === undefined) return [r[0], r[1]];
    r = [+nr[0], +nr[1]];
    return scale;
  }) as LinearScale["range"];
  scale.invert = (v: number) => d[0] + ((v - r[0]) / (r[1] - r[0])) * (d[1] - d[0]);
  scale.copy = () => scaleLinear(d, r);
  return scale;
}

/** Screen position (CSS px from the plot's top-left corner) -> data coordinates. */
export function screenToData(view: Extent, width: number, height: number, px: number, py: number): [number, number] {
  // Python tests repeat exactly this arithmetic (same operation order) to get identical doubles.
  const x = view[0] + (px / width) * (view[1] - view[0]);
  const y = view[2] + ((height - py) / height) * (view[3] - view[2]);
  return [x, y];
}

/** Data coordinates -> screen position (CSS px from the plot's top-left corner). */
export function dataToScreen(view: Extent, width: number, height: number, x: number, y: number): [number, number] {
  const px = ((x - view[0]) / (view[1] - view[0])) * width;
  const py = height - ((y - view[2]) / (view[3] - view[2])) * height;
  return [px, py];
}

/** Finite bounding box of interleaved (x, y) float32 coordinates; null when none is finite. */
export function coordsExtent(coords: Float32Array): Extent | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < coords.length; i += 2) {
    const x = coords[i];
    const y = coords[i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x0 <= x1 ? [x0, x1, y0, y1] : null;
}

/** Union of extents (nulls ignored). */
export function unionExtent(...es: (Extent | null | undefined)[]): Extent | null {
  let out: Extent | null = null;
  for (const e of es) {
    if (!e) continue;
    out = out ? [Math.min(out[0], e[0]), Math.max(out[1], e[1]), Math.min(out[2], e[2]), Math.max(out[3], e[3])] : [...e];
  }
  return out;
}

/** Grow an extent by `frac` of its size on every side; degenerate sides get +-0.5. */
export function padExtent(e: Extent, frac = 0.04): Extent {
  const dx = e[1] - e[0] || 1;
  const dy = e[3] - e[2] || 1;
  return [e[0] - dx * frac, e[1] + dx * frac, e[2] - dy * frac, e[3] + dy * frac];
}

/** About `count` round tick values covering [min, max] (1-2-5 steps). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || count < 1) return [];
  if (min === max) return [min];
  const [lo, hi] = min < max ? [min, max] : [max, min];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Short label for a tick value. */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}
