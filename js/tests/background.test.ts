import { describe, expect, it } from "vitest";
import { asBackgroundMode, backgroundPixels, fadeAlpha, layerAlpha } from "../src/map/background";
import { continuousLut, lutIndex } from "../src/map/colormaps";

describe("fadeAlpha", () => {
  it("is 1 at the smallest spread, the floor at the largest, linear between", () => {
    const a = fadeAlpha(new Float32Array([0.5, 1.0, 1.5]), 0.2);
    expect(Array.from(a)).toEqual([1, expect.closeTo(0.6, 6), expect.closeTo(0.2, 6)]);
  });
  it("keeps NaN cells and a constant spread opaque", () => {
    expect(Array.from(fadeAlpha(new Float32Array([2, 2, 2])))).toEqual([1, 1, 1]);
    expect(fadeAlpha(new Float32Array([NaN, 0, 1]))[0]).toBe(1);
  });
});

describe("backgroundPixels with a per-cell alpha", () => {
  it("keeps the colour and sets the opacity; rows are flipped (row 0 at the bottom)", () => {
    const values = new Float32Array([0, 1, 2, 3]); // 2 x 2, row 0 = y0
    const alpha = new Float32Array([1, 0.5, 0.25, 0]);
    const { rgba } = backgroundPixels({ values, nx: 2, ny: 2, extent: [0, 1, 0, 1], colormap: "magma", vmin: null, vmax: null, alpha });
    const lut = continuousLut("magma");
    // image row 1 (bottom) holds data row 0
    const o = 4 * (1 * 2 + 1); // data cell (0, 1): value 1, alpha 0.5
    const k = lutIndex(1, 0, 3);
    expect([rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]]).toEqual([lut[3 * k], lut[3 * k + 1], lut[3 * k + 2], 128]);
    expect(rgba[4 * 1 + 3]).toBe(0); // data cell (1, 1): alpha 0, at image row 0
  });
});

describe("asBackgroundMode", () => {
  it("accepts the three modes and falls back to the mean", () => {
    expect(asBackgroundMode("spread")).toBe("spread");
    expect(asBackgroundMode("faded")).toBe("faded");
    expect(asBackgroundMode("other")).toBe("mean");
    expect(asBackgroundMode(undefined)).toBe("mean");
  });
});

describe("layerAlpha (data support)", () => {
  it("is the support, clipped to [0, 1], NaN support transparent", () => {
    const a = layerAlpha(new Float32Array([0, 0.25, 1, 1.5, -1, NaN]), null, 6)!;
    expect(Array.from(a)).toEqual([0, 0.25, 1, 1, 0, 0]);
  });
  it("multiplies the faded mode's opacity", () => {
    const a = layerAlpha(new Float32Array([0.5, 1]), new Float32Array([0.5, 0.2]), 2)!;
    expect(Array.from(a)).toEqual([0.25, expect.closeTo(0.2, 6)]);
  });
  it("without a support (or one of the wrong length) leaves the fade as it is", () => {
    const fade = new Float32Array([0.3, 0.4]);
    expect(layerAlpha(null, fade, 2)).toBe(fade);
    expect(layerAlpha(new Float32Array([0.1]), null, 2)).toBeNull();
  });
});
