// Colour maps: 256-entry tables from matplotlib (colormap_data.ts) and categorical palettes.
// Index rule = matplotlib's: idx = floor(t * 256) clipped to [0, 255]; NaN -> -1.

import { CATEGORICAL_AUTO, CATEGORICAL_HEX, CONTINUOUS_HEX } from "./colormap_data";

export const LUT_SIZE = 256;
export const CONTINUOUS_NAMES = Object.keys(CONTINUOUS_HEX);
export const CATEGORICAL_NAMES = Object.keys(CATEGORICAL_HEX);
export const NAN_RGB: [number, number, number] = [128, 128, 128];

const cache = new Map<string, Uint8Array>();

/** RGB table (256 * 3 bytes) of a continuous colour map; unknown names fall back to viridis. */
export function continuousLut(name: string): Uint8Array {
  const key = name in CONTINUOUS_HEX ? name : "viridis";
  let lut = cache.get(key);
  if (!lut) {
    const hex = CONTINUOUS_HEX[key];
    lut = new Uint8Array(LUT_SIZE * 3);
    for (let i = 0; i < LUT_SIZE * 3; i++) lut[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    cache.set(key, lut);
  }
  return lut;
}

export function isContinuous(name: string): boolean {
  return name in CONTINUOUS_HEX;
}

/** Table index of a value, matplotlib's rule; -1 for NaN/infinite values. */
export function lutIndex(v: number, vmin: number, vmax: number): number {
  if (!Number.isFinite(v)) return -1;
  const span = vmax - vmin;
  const t = span > 0 ? (v - vmin) / span : 0;
  const i = Math.floor(t * LUT_SIZE);
  return i < 0 ? 0 : i > LUT_SIZE - 1 ? LUT_SIZE - 1 : i;
}

/** RGB of a value under a continuous map (NaN -> grey). */
export function colorOf(name: string, v: number, vmin: number, vmax: number): [number, number, number] {
  const i = lutIndex(v, vmin, vmax);
  if (i < 0) return [...NAN_RGB];
  const lut = continuousLut(name);
  return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
}

export function rgbToHex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

export function hexToRgb(hex: string): [number, number, number] {
  let h = hex.replace("#", "");
  if (h.length === 3) h = h.split("").map((c) => c + c).join("");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** The 256 hex colours of a continuous map (for regl-scatterplot's colour list). */
export function continuousHexList(name: string): string[] {
  const lut = continuousLut(name);
  const out: string[] = [];
  for (let i = 0; i < LUT_SIZE; i++) out.push(rgbToHex(lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]));
  return out;
}

/** `n` categorical colours from a palette, cycling when there are more categories. "auto" (and
 * an unknown name): the first palette of CATEGORICAL_AUTO with `n` colours, else the last —
 * the rule of categorical_colors in materials_map/widgets/map/colormaps.py. */
export function categoricalPalette(name: string, n: number): string[] {
  const auto = CATEGORICAL_AUTO.find((p) => CATEGORICAL_HEX[p].length >= n) ?? CATEGORICAL_AUTO[CATEGORICAL_AUTO.length - 1];
  const pal = CATEGORICAL_HEX[name] ?? CATEGORICAL_HEX[auto];
  return Array.from({ length: n }, (_, i) => pal[i % pal.length]);
}

/** Robust default colour range: finite min and max of the values. */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}
