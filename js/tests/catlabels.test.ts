import { describe, expect, it } from "vitest";
import { type AnchorInput, clusterAnchors, type LabelAnchor, MIN_POINTS, placeLabels, pointCounter } from "../src/map/catlabels";
import type { Extent } from "../src/map/scales";

/** A seeded generator (mulberry32), so the clouds are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points of category `code`, `n` of them, uniform in a disc of radius `r` around (cx, cy). */
function cloud(rand: () => number, code: number, n: number, cx: number, cy: number, r: number): [number, number, number][] {
  return Array.from({ length: n }, () => {
    const a = 2 * Math.PI * rand();
    const d = r * Math.sqrt(rand());
    return [cx + d * Math.cos(a), cy + d * Math.sin(a), code] as [number, number, number];
  });
}

function input(pts: [number, number, number][], view: Extent, k = 3, shown = (_: number) => true): AnchorInput {
  return {
    coords: Float32Array.from(pts.flatMap(([x, y]) => [x, y])),
    categories: Uint16Array.from(pts.map(([, , c]) => c)),
    k,
    view,
    width: 400,
    height: 400,
    shown,
  };
}

const rand = rng(3);
// family 0: a dense island at (0, 0) and a looser one at (6, 6); family 1 at (-6, 4);
// family 2: only two points
const POINTS = [
  ...cloud(rand, 0, 60, 0, 0, 0.6),
  ...cloud(rand, 0, 20, 6, 6, 1.2),
  ...cloud(rand, 1, 30, -6, 4, 0.8),
  ...cloud(rand, 2, 2, 3, -6, 0.3),
];
const VIEW: Extent = [-10, 10, -10, 10];
const dist = (i: number, x: number, y: number) => Math.hypot(POINTS[i][0] - x, POINTS[i][1] - y);

describe("cluster anchors", () => {
  it("puts each family's anchor on its densest island, on one of its own points", () => {
    const anchors = clusterAnchors(input(POINTS, VIEW));
    expect(anchors.map((a) => a.code)).toEqual([0, 1]); // family 2 has fewer than MIN_POINTS
    expect(MIN_POINTS).toBe(3);
    const [a0, a1] = anchors;
    expect(POINTS[a0.index][2]).toBe(0);
    expect(dist(a0.index, 0, 0)).toBeLessThan(0.4);
    expect(a0.count).toBe(80);
    expect(dist(a1.index, -6, 4)).toBeLessThan(0.5);
    // the anchor's screen position is its point's
    const [x, y] = POINTS[a1.index];
    expect(a1.x).toBeCloseTo(((x + 10) / 20) * 400, 3);
    expect(a1.y).toBeCloseTo(400 - ((y + 10) / 20) * 400, 3);
  });

  it("uses only the points in view: zoomed on the looser island, the label goes there", () => {
    const anchors = clusterAnchors(input(POINTS, [3, 9, 3, 9]));
    expect(anchors.map((a) => a.code)).toEqual([0]);
    expect(dist(anchors[0].index, 6, 6)).toBeLessThan(1.0);
    expect(anchors[0].count).toBe(20);
  });

  it("skips hidden points and families", () => {
    const hidden = (i: number) => POINTS[i][2] !== 1;
    expect(clusterAnchors(input(POINTS, VIEW, 3, hidden)).map((a) => a.code)).toEqual([0]);
    // the dense island hidden point by point: family 0 moves to the other one
    const noCore = (i: number) => !(POINTS[i][2] === 0 && dist(i, 0, 0) < 1);
    const moved = clusterAnchors(input(POINTS, VIEW, 3, noCore)).find((a) => a.code === 0)!;
    expect(dist(moved.index, 6, 6)).toBeLessThan(1.5);
  });

  it("keeps its anchors while the view pans (the density cells are fixed in data space)", () => {
    const at = (dx: number) => clusterAnchors(input(POINTS, [-10 + dx, 10 + dx, -10, 10])).map((a) => a.index);
    const first = at(0);
    for (const dx of [0.013, 0.1, 0.37, -0.71]) expect(at(dx)).toEqual(first);
  });

  it("ignores codes beyond k, empty views and degenerate plots", () => {
    expect(clusterAnchors(input(POINTS, VIEW, 1)).map((a) => a.code)).toEqual([0]);
    expect(clusterAnchors(input(POINTS, [20, 30, 20, 30]))).toEqual([]);
    expect(clusterAnchors({ ...input(POINTS, VIEW), width: 0 })).toEqual([]);
  });

  it("stays fast: 100k points in 20 families", () => {
    const r = rng(9);
    const big = Array.from({ length: 20 }, (_, c) => cloud(r, c, 5000, 8 * Math.cos(c), 8 * Math.sin(c), 2)).flat();
    clusterAnchors(input(big, VIEW, 20)); // warm-up (JIT)
    const t0 = performance.now();
    const anchors = clusterAnchors(input(big, VIEW, 20));
    const ms = performance.now() - t0;
    expect(anchors).toHaveLength(20);
    expect(ms).toBeLessThan(2000); // 6-20 ms warm on a core; loose for a loaded machine
  });
});

describe("label placement", () => {
  const measure = (t: string): [number, number] => [7 * t.length + 4, 16];
  const anchor = (code: number, x: number, y: number, count: number): LabelAnchor => ({ code, index: code, x, y, count });
  const overlap = (p: { cx: number; cy: number; w: number; h: number }, q: typeof p) =>
    Math.abs(p.cx - q.cx) * 2 < p.w + q.w && Math.abs(p.cy - q.cy) * 2 < p.h + q.h;

  it("centres a free label on its anchor", () => {
    const [p] = placeLabels([anchor(0, 100, 100, 5)], ["garnet"], measure, 400, 300);
    expect([p.cx, p.cy, p.w, p.h, p.name]).toEqual([100, 100, 46, 16, "garnet"]);
  });

  it("moves a smaller family's label off a larger one's, never overlapping", () => {
    const names = ["nasicon", "olivine", "spinel"];
    const placed = placeLabels([anchor(0, 100, 100, 5), anchor(1, 104, 102, 50), anchor(2, 98, 98, 20)], names, measure, 400, 300);
    expect(placed.map((p) => p.name)).toEqual(["olivine", "spinel", "nasicon"]); // largest first
    expect([placed[0].cx, placed[0].cy]).toEqual([104, 102]);
    for (let i = 0; i < placed.length; i++) for (let j = 0; j < i; j++) expect(overlap(placed[i], placed[j])).toBe(false);
    for (const p of placed) expect(Math.hypot(p.cx - p.x, p.cy - p.y)).toBeLessThan(60);
  });

  it("keeps labels inside the plot and leaves out those with no free spot", () => {
    const [edge] = placeLabels([anchor(0, 2, 299, 3)], ["perovskite"], measure, 400, 300);
    expect(edge.cx - edge.w / 2).toBeGreaterThanOrEqual(0);
    expect(edge.cy + edge.h / 2).toBeLessThanOrEqual(300);
    const crowd = Array.from({ length: 12 }, (_, c) => anchor(c, 60, 60, 100 - c));
    const placed = placeLabels(crowd, crowd.map((_, c) => `family-${c}`), measure, 120, 120);
    expect(placed.length).toBeGreaterThan(2);
    expect(placed.length).toBeLessThan(12);
    for (let i = 0; i < placed.length; i++) for (let j = 0; j < i; j++) expect(overlap(placed[i], placed[j])).toBe(false);
  });

  it("goes where it hides the fewest points", () => {
    // a cluster on the anchor and below it; nothing above: the label moves up, off the points
    const px = [100, 98, 102, 100, 100, 100];
    const py = [100, 100, 100, 104, 115, 118];
    const count = pointCounter(px, py, 400, 300);
    expect(count(0, 0, 400, 300)).toBe(6);
    expect(count(90, 90, 110, 110)).toBe(4);
    expect(count(0, 0, 50, 50)).toBe(0);
    const [p] = placeLabels([anchor(0, 100, 100, 6)], ["garnet"], measure, 400, 300, count);
    expect([p.cx, p.cy]).toEqual([100, 84]);
    expect(count(p.cx - p.w / 2, p.cy - p.h / 2, p.cx + p.w / 2, p.cy + p.h / 2)).toBe(0);
  });
});
