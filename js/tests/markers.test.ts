import { describe, expect, it } from "vitest";
import { visibility } from "../src/map/categories";
import { drawHalos, HALO_RING } from "../src/map/halo";
import { MARKER_SHAPES, markerShape, traceMarker } from "../src/map/markers";

/** A path recorder: every sub-path as its vertices (arcs as "arc" entries). */
function recorder() {
  const paths: (string | [number, number])[][] = [];
  let cur: (string | [number, number])[] = [];
  const ctx = {
    lineWidth: 0,
    strokeStyle: "",
    save() {},
    restore() {},
    beginPath() {},
    moveTo(x: number, y: number) {
      cur = [[x, y]];
      paths.push(cur);
    },
    lineTo(x: number, y: number) {
      cur.push([x, y]);
    },
    closePath() {},
    arc() {
      cur.push("arc");
    },
    stroke() {},
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, paths };
}

describe("marker shapes (markers.ts)", () => {
  it("maps codes to the Python order and falls back to a circle", () => {
    expect(MARKER_SHAPES).toEqual(["circle", "square", "diamond", "triangle"]);
    expect(markerShape(1)).toBe("square");
    expect(markerShape(9)).toBe("circle");
  });

  it("traces a square around the circle of radius r (corners outside it), a diamond, a triangle", () => {
    const { ctx, paths } = recorder();
    traceMarker(ctx, "square", 10, 10, 4);
    traceMarker(ctx, "diamond", 10, 10, 4);
    traceMarker(ctx, "triangle", 10, 10, 4);
    traceMarker(ctx, "circle", 10, 10, 4);
    const [sq, di, tr, ci] = paths;
    expect(sq).toHaveLength(4);
    for (const v of sq as [number, number][]) expect(Math.hypot(v[0] - 10, v[1] - 10)).toBeCloseTo(4 * 1.05 * Math.SQRT2);
    expect(di).toEqual([[10, 4], [16, 10], [10, 16], [4, 10]]);
    expect(tr).toHaveLength(3);
    expect(ci).toEqual([[14, 10], "arc"]);
  });

  it("drawHalos draws each point with its marker's outline", () => {
    const { ctx, paths } = recorder();
    const coords = new Float32Array([1, 1, 5, 5]);
    const n = drawHalos(ctx, [0, 10, 0, 10], 100, 100, { coords, n: 2, isVisible: () => true, pointSize: 6, markers: new Uint8Array([0, 1]) });
    expect(n).toBe(2);
    // two rings (light, dark) x two points: circle paths for point 0, squares for point 1
    expect(paths).toHaveLength(4);
    expect(paths[0]).toContain("arc");
    expect(paths[1]).toHaveLength(4);
    const h = (3 + 1.5 * HALO_RING) * 1.05; // light ring: square half-side
    expect(paths[1][0]).toEqual([50 - h, 50 - h]);
  });
});

describe("visibility with marker groups", () => {
  it("hides points of a hidden marker group, alone or with hidden categories", () => {
    const markers = new Uint8Array([0, 1, 0, 1]);
    expect(visibility(null, new Set(), markers, new Set())).toBeNull();
    const v = visibility(null, new Set(), markers, new Set([1]))!;
    expect(v.keep).toEqual([0, 2]);
    const both = visibility(new Uint8Array([0, 0, 1, 1]), new Set([1]), markers, new Set([1]))!;
    expect(both.keep).toEqual([0]);
    expect(Array.from(both.mask)).toEqual([1, 0, 0, 0]);
  });
});
