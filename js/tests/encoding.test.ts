import { describe, expect, it } from "vitest";
import { viewToNdcRect, normalizeCoords } from "../src/map/camera";
import { categoryCounts, visibility } from "../src/map/categories";
import { LUT_SIZE } from "../src/map/colormaps";
import { colorCodes, PLAIN_COLOR, type ColorSpec } from "../src/map/encoding";

const base: ColorSpec = {
  n: 4,
  categories: null,
  byCategory: false,
  categoryNames: [],
  palette: "okabe-ito",
  values: null,
  vmin: null,
  vmax: null,
  colormap: "viridis",
};

describe("point colour codes", () => {
  it("plain colour without values", () => {
    const c = colorCodes(base);
    expect(Array.from(c.codes)).toEqual([0, 0, 0, 0]);
    expect(c.colors).toEqual([PLAIN_COLOR]);
    expect(c.range).toBeNull();
  });
  it("values index the colour table; NaN gets the slot after it", () => {
    const c = colorCodes({ ...base, values: new Float32Array([0, 1, Number.NaN, 0.5]), vmin: 0, vmax: 1 });
    expect(c.codes[0]).toBe(0);
    expect(c.codes[1]).toBe(LUT_SIZE - 1);
    expect(c.codes[2]).toBe(LUT_SIZE);
    expect(c.colors).toHaveLength(LUT_SIZE + 1);
    expect(c.range).toEqual([0, 1]);
    // range from the data when vmin / vmax are not given
    expect(colorCodes({ ...base, values: new Float32Array([2, 4, 3, Number.NaN]) }).range).toEqual([2, 4]);
  });
  it("values of the wrong length are ignored", () => {
    expect(colorCodes({ ...base, values: new Float32Array(3) }).colors).toEqual([PLAIN_COLOR]);
  });
  it("categories win when colouring by category; the palette covers every code", () => {
    const c = colorCodes({ ...base, byCategory: true, categories: new Uint8Array([0, 2, 4, 1]), categoryNames: ["a", "b"], values: new Float32Array(4) });
    expect(Array.from(c.codes)).toEqual([0, 2, 4, 1]);
    expect(c.colors).toHaveLength(5);
    expect(c.range).toBeNull();
  });
});

describe("categories", () => {
  it("visibility is null when nothing is hidden", () => {
    expect(visibility(new Uint8Array([0, 1]), new Set())).toBeNull();
    expect(visibility(null, new Set([1]))).toBeNull();
  });
  it("masks hidden categories", () => {
    const v = visibility(new Uint16Array([0, 1, 2, 1, 0]), new Set([1]))!;
    expect(Array.from(v.mask)).toEqual([1, 0, 1, 0, 1]);
    expect(v.keep).toEqual([0, 2, 4]);
    expect(v.count).toBe(3);
  });
  it("counts points per named category", () => {
    expect(categoryCounts(new Uint8Array([0, 1, 1, 3]), 2)).toEqual([1, 2]);
  });
});

describe("data domain <-> regl's [-1, 1] square", () => {
  it("maps the domain edges to -1 and 1", () => {
    const { x, y } = normalizeCoords(new Float32Array([0, 10, 4, 30, 2, 20]), [0, 4, 10, 30]);
    expect(Array.from(x)).toEqual([-1, 1, 0]);
    expect(Array.from(y)).toEqual([-1, 1, 0]);
  });
  it("turns a view into the rectangle zoomToArea takes", () => {
    expect(viewToNdcRect([1, 3, 15, 25], [0, 4, 10, 30])).toEqual({ x: -0.5, y: -0.5, width: 1, height: 1 });
    // corners in either order give the same rectangle
    expect(viewToNdcRect([3, 1, 25, 15], [0, 4, 10, 30])).toEqual({ x: -0.5, y: -0.5, width: 1, height: 1 });
  });
});
