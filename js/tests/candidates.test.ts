import { describe, expect, it } from "vitest";
import { CANDIDATE_COLOR, diamond, diamondAt } from "../src/map/candidates";
import { dataToScreen } from "../src/map/scales";

describe("candidate layer geometry", () => {
  it("draws a diamond with its four corners at the radius", () => {
    expect(diamond(10, 20, 5)).toBe("M10 15L15 20L10 25L5 20Z");
  });
  it("picks the marker whose diamond holds the click, nearest first", () => {
    const xy = Float32Array.of(0, 0, 1, 1, 1.02, 1);
    // view [0, 2] x [0, 2] on a 200 x 200 plot: 100 px per data unit, y up
    const toScreen = (x: number, y: number) => dataToScreen([0, 2, 0, 2], 200, 200, x, y);
    expect(toScreen(1, 1)).toEqual([100, 100]);
    expect(diamondAt(xy, toScreen, 100, 100, 9)).toBe(1);
    expect(diamondAt(xy, toScreen, 102, 100, 9)).toBe(2);
    expect(diamondAt(xy, toScreen, 0, 200, 9)).toBe(0);
    // inside the square's corner but outside the diamond (L1 distance 12 > 9)
    expect(diamondAt(xy, toScreen, 106, 106, 9)).toBe(-1);
    expect(diamondAt(new Float32Array(0), toScreen, 0, 0, 9)).toBe(-1);
  });
  it("uses a colour outside the map's palettes", () => {
    expect(CANDIDATE_COLOR).toBe("#ff00ff");
  });
});
