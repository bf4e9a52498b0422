import { describe, expect, it } from "vitest";
import {
  CATEGORICAL_NAMES,
  CONTINUOUS_NAMES,
  categoricalPalette,
  colorOf,
  continuousHexList,
  finiteRange,
  hexToRgb,
  lutIndex,
  rgbToHex,
} from "../src/map/colormaps";
import { backgroundPixels } from "../src/map/background";

describe("continuous colour maps", () => {
  it("offers perceptually uniform maps first, viridis by default", () => {
    expect(CONTINUOUS_NAMES.slice(0, 3)).toEqual(["viridis", "cividis", "magma"]);
    expect(CATEGORICAL_NAMES[0]).toBe("okabe-ito");
  });
  it("has matplotlib's end colours", () => {
    // matplotlib: viridis(0) = #440154, viridis(1) = #fde725, cividis(0) = #00224e, magma(1) = #fcfdbf
    expect(continuousHexList("viridis")[0]).toBe("#440154");
    expect(continuousHexList("viridis")[255]).toBe("#fde725");
    expect(continuousHexList("cividis")[0]).toBe("#00224e");
    expect(continuousHexList("magma")[255]).toBe("#fcfdbf");
  });
  it("indexes like matplotlib: floor(t * 256), clipped; NaN -> -1", () => {
    expect(lutIndex(0, 0, 1)).toBe(0);
    expect(lutIndex(1, 0, 1)).toBe(255);
    expect(lutIndex(0.5, 0, 1)).toBe(128);
    expect(lutIndex(0.4999, 0, 1)).toBe(127);
    expect(lutIndex(-3, 0, 1)).toBe(0);
    expect(lutIndex(7, 0, 1)).toBe(255);
    expect(lutIndex(NaN, 0, 1)).toBe(-1);
    expect(lutIndex(5, 5, 5)).toBe(0); // empty range: lowest colour
    expect(colorOf("viridis", NaN, 0, 1)).toEqual([128, 128, 128]);
  });
  it("round-trips hex colours", () => {
    expect(hexToRgb("#0072B2")).toEqual([0, 114, 178]);
    expect(hexToRgb("#fff")).toEqual([255, 255, 255]);
    expect(rgbToHex(0, 114, 178)).toBe("#0072b2");
  });
  it("computes the finite range", () => {
    expect(finiteRange([NaN, 2, -1, Infinity, 0.5])).toEqual([-1, 2]);
    expect(finiteRange([NaN])).toEqual([0, 1]);
  });
});

describe("categorical palettes", () => {
  it("uses Okabe-Ito and cycles past its 8 colours", () => {
    const p = categoricalPalette("okabe-ito", 10);
    expect(p[0]).toBe("#E69F00");
    expect(p[8]).toBe(p[0]);
    expect(categoricalPalette("nope", 2)).toEqual(["#E69F00", "#56B4E9"]);
  });
  it("auto: Okabe-Ito up to 8 categories, then 24 distinct colours that keep the first 8", () => {
    expect(categoricalPalette("auto", 8)).toEqual(categoricalPalette("okabe-ito", 8));
    const many = categoricalPalette("auto", 24);
    expect(new Set(many).size).toBe(24);
    expect(many.slice(0, 8)).toEqual(categoricalPalette("okabe-ito", 8));
    expect(categoricalPalette("auto", 16)).toEqual(many.slice(0, 16));
    expect(categoricalPalette("auto", 25)[24]).toBe(many[0]); // past 24: cycles
  });
});

describe("background pixels", () => {
  it("puts grid row 0 (y0) at the bottom of the image and leaves NaN transparent", () => {
    const values = new Float32Array([0, 1, NaN, 0.5]); // 2 x 2, row 0 = [0, 1]
    const { rgba, range } = backgroundPixels({ values, nx: 2, ny: 2, extent: [0, 1, 0, 1], colormap: "viridis", vmin: null, vmax: null });
    expect(range).toEqual([0, 1]);
    const px = (r: number, c: number) => Array.from(rgba.slice(4 * (r * 2 + c), 4 * (r * 2 + c) + 4));
    expect(px(1, 0)).toEqual([0x44, 0x01, 0x54, 255]); // bottom-left = value 0
    expect(px(1, 1)).toEqual([0xfd, 0xe7, 0x25, 255]); // bottom-right = value 1
    expect(px(0, 0)[3]).toBe(0); // NaN
  });
});
