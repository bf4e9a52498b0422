import { describe, expect, it } from "vitest";
import {
  coordsExtent,
  dataToScreen,
  formatTick,
  niceTicks,
  padExtent,
  scaleLinear,
  screenToData,
  unionExtent,
  type Extent,
} from "../src/map/scales";

describe("linear scale", () => {
  it("maps, inverts and copies like d3.scaleLinear", () => {
    const s = scaleLinear([2, 6], [0, 400]);
    expect(s(2)).toBe(0);
    expect(s(4)).toBe(200);
    expect(s.invert(100)).toBe(3);
    const c = s.copy();
    s.domain([0, 1]);
    expect(c.domain()).toEqual([2, 6]);
    expect(s(0.5)).toBe(200);
  });
});

describe("view transform", () => {
  const view: Extent = [-1.5, 3.25, -2, 0.5];
  it("puts the view corners on the plot corners (y up in data, down on screen)", () => {
    expect(screenToData(view, 800, 400, 0, 0)).toEqual([-1.5, 0.5]);
    expect(screenToData(view, 800, 400, 800, 400)).toEqual([3.25, -2]);
    expect(dataToScreen(view, 800, 400, -1.5, -2)).toEqual([0, 400]);
  });
  it("round-trips pixels through data coordinates", () => {
    for (const [px, py] of [[13, 7], [400.5, 211.25], [799, 1]]) {
      const [x, y] = screenToData(view, 800, 400, px, py);
      const [qx, qy] = dataToScreen(view, 800, 400, x, y);
      expect(qx).toBeCloseTo(px, 9);
      expect(qy).toBeCloseTo(py, 9);
    }
  });
});

describe("extents and ticks", () => {
  it("ignores non-finite coordinates", () => {
    const c = new Float32Array([0, 1, NaN, 5, 2, -3, Infinity, 0, -1, 2]);
    expect(coordsExtent(c)).toEqual([-1, 2, -3, 2]);
    expect(coordsExtent(new Float32Array([NaN, NaN]))).toBeNull();
  });
  it("pads and unions", () => {
    expect(padExtent([0, 10, 0, 1], 0.1)).toEqual([-1, 11, -0.1, 1.1]);
    expect(padExtent([2, 2, 5, 5], 0.5)).toEqual([1.5, 2.5, 4.5, 5.5]);
    expect(unionExtent(null, [0, 1, 0, 1], [-1, 0.5, 0.5, 3])).toEqual([-1, 1, 0, 3]);
  });
  it("makes round 1-2-5 ticks inside the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.23, 1.41, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(formatTick(0.30000000000000004)).toBe("0.3");
    expect(formatTick(12345)).toBe("1.2e+4");
  });
});
