import { describe, expect, it } from "vitest";
import { drawHalos, HALO_DARK, HALO_LIGHT, HALO_MAX_POINTS, HALO_RING } from "../src/map/halo";

/** A 2-D context that records the circles of each stroke (colour, centre, radius). */
function recorder() {
  const strokes: { colour: string; circles: [number, number, number][] }[] = [];
  let path: [number, number, number][] = [];
  const ctx = {
    lineWidth: 0,
    strokeStyle: "",
    save() {},
    restore() {},
    beginPath() {
      path = [];
    },
    moveTo() {},
    arc(x: number, y: number, r: number) {
      path.push([x, y, r]);
    },
    stroke() {
      strokes.push({ colour: String(ctx.strokeStyle), circles: path });
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes };
}

describe("point outlines (halo.ts)", () => {
  // view [0, 10] x [0, 10] on a 100 x 100 px plot: 10 px per data unit, y up
  const view: [number, number, number, number] = [0, 10, 0, 10];
  const coords = new Float32Array([1, 1, 5, 5, 9.5, 9.5, 50, 50, Number.NaN, 2]);
  const all = () => true;

  it("rings every visible, finite point inside the view: light outside, dark inside", () => {
    const { ctx, strokes } = recorder();
    const n = drawHalos(ctx, view, 100, 100, { coords, n: 5, isVisible: all, pointSize: 6 });
    expect(n).toBe(3); // (50, 50) is off the plot, NaN is skipped
    expect(strokes.map((s) => s.colour)).toEqual([HALO_LIGHT, HALO_DARK]);
    const [light, dark] = strokes;
    expect(light.circles.map(([x, y]) => [x, y])).toEqual([
      [10, 90],
      [50, 50],
      [95, 5],
    ]);
    // rings sit just outside the point's disc (radius 3): dark first, light around it
    expect(dark.circles[0][2]).toBeCloseTo(3 + HALO_RING / 2);
    expect(light.circles[0][2]).toBeCloseTo(3 + 1.5 * HALO_RING);
  });

  it("follows the legend: hidden points get no ring", () => {
    const { ctx, strokes } = recorder();
    const n = drawHalos(ctx, view, 100, 100, { coords, n: 5, isVisible: (i) => i !== 1, pointSize: 6 });
    expect(n).toBe(2);
    expect(strokes[1].circles.map(([x]) => x)).toEqual([10, 95]);
  });

  it("draws nothing above the point budget (density views take over)", () => {
    const many = new Float32Array(2 * (HALO_MAX_POINTS + 1)).fill(5);
    const { ctx, strokes } = recorder();
    const n = drawHalos(ctx, view, 100, 100, { coords: many, n: HALO_MAX_POINTS + 1, isVisible: all, pointSize: 4 });
    expect(n).toBe(0);
    expect(strokes).toEqual([]);
  });
});
