// What regl-scatterplot draws per point: a colour code (categorical valueA) and the colour
// list it indexes, from the colour traits. Pure, so vitest checks it without WebGL.

import { categoricalPalette, continuousHexList, finiteRange, LUT_SIZE, lutIndex, NAN_RGB, rgbToHex } from "./colormaps";
import { asTyped, type MapModel } from "./model";

export const PLAIN_COLOR = "#3b75af";

export interface ColorSpec {
  n: number;
  categories: Uint8Array | Uint16Array | null;
  byCategory: boolean;
  categoryNames: string[];
  palette: string;
  values: Float32Array | null;
  vmin: number | null;
  vmax: number | null;
  colormap: string;
}

export interface ColorCodes {
  codes: Float32Array;
  colors: string[];
  /** value range of a continuous colouring (null for categories / plain) */
  range: [number, number] | null;
}

export function colorSpec(model: MapModel, n: number, categories: Uint8Array | Uint16Array | null): ColorSpec {
  const finite = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    n,
    categories,
    byCategory: model.get("color_by") === "category",
    categoryNames: (model.get("category_names") as string[]) ?? [],
    palette: String(model.get("category_palette") || "auto"),
    values: asTyped(model.get("values"), Float32Array),
    vmin: finite(model.get("vmin")),
    vmax: finite(model.get("vmax")),
    colormap: String(model.get("colormap") || "viridis"),
  };
}

/** Colour index per point: category code, LUT index (NaN -> the slot after the LUT), or 0. */
export function colorCodes(s: ColorSpec): ColorCodes {
  const { n, categories } = s;
  const codes = new Float32Array(n);
  if (s.byCategory && categories) {
    let k = s.categoryNames.length;
    for (let i = 0; i < n; i++) {
      codes[i] = categories[i];
      if (categories[i] >= k) k = categories[i] + 1;
    }
    return { codes, colors: categoricalPalette(s.palette, Math.max(k, 1)), range: null };
  }
  const values = s.values;
  if (values && values.length === n) {
    const auto = finiteRange(values);
    const vmin = s.vmin ?? auto[0];
    const vmax = s.vmax ?? auto[1];
    for (let i = 0; i < n; i++) {
      const k = lutIndex(values[i], vmin, vmax);
      codes[i] = k < 0 ? LUT_SIZE : k;
    }
    return { codes, colors: [...continuousHexList(s.colormap), rgbToHex(...NAN_RGB)], range: [vmin, vmax] };
  }
  return { codes, colors: [PLAIN_COLOR], range: null };
}
