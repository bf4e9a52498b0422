import { describe, expect, it } from "vitest";
import {
  mergeSelection,
  nearestPoint,
  pointInPolygon,
  sameIndices,
  selectInBox,
  selectInPolygon,
  sortedUnique,
  type Vertex,
} from "../src/map/polygon";
import { searchTable } from "../src/map/search";

const square: Vertex[] = [[0, 0], [2, 0], [2, 2], [0, 2]];
// a "C" shape: concave, the notch (1..2, 1..2) is outside
const cShape: Vertex[] = [[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3]];

describe("point in polygon", () => {
  it("handles convex and concave polygons", () => {
    expect(pointInPolygon(1, 1, square)).toBe(true);
    expect(pointInPolygon(3, 1, square)).toBe(false);
    expect(pointInPolygon(0.5, 1.5, cShape)).toBe(true);
    expect(pointInPolygon(2, 1.5, cShape)).toBe(false);
    expect(pointInPolygon(2, 2.5, cShape)).toBe(true);
  });
  it("uses the even-odd rule for self-intersecting lassos (pentagram centre is outside)", () => {
    const star: Vertex[] = [0, 2, 4, 1, 3].map((k) => {
      const a = Math.PI / 2 + (2 * Math.PI * k) / 5;
      return [Math.cos(a), Math.sin(a)] as Vertex;
    });
    expect(pointInPolygon(0, 0, star)).toBe(false);
    expect(pointInPolygon(0, 0.8, star)).toBe(true);
  });
  it("agrees with the shoelace-area test on random points (winding of a convex hexagon)", () => {
    const hex: Vertex[] = Array.from({ length: 6 }, (_, k) => [Math.cos((k * Math.PI) / 3), Math.sin((k * Math.PI) / 3)] as Vertex);
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2.4 - 1.2;
    for (let t = 0; t < 2000; t++) {
      const x = rand();
      const y = rand();
      // inside a convex polygon <=> on the left of every edge
      const left = hex.every((p, i) => {
        const q = hex[(i + 1) % 6];
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]) > 0;
      });
      expect(pointInPolygon(x, y, hex)).toBe(left);
    }
  });
});

describe("selection over coordinate buffers", () => {
  const coords = new Float32Array([0.5, 0.5, 1.5, 1.5, 2.5, 0.5, 1.5, 2.5, -1, -1, 2, 1.5]);
  it("selects inside polygons and boxes, ascending", () => {
    expect(Array.from(selectInPolygon(coords, cShape))).toEqual([0, 2, 3]); // 1 and 5 sit in the notch
    expect(Array.from(selectInPolygon(coords, [[0, 0], [1, 1]]))).toEqual([]);
    expect(Array.from(selectInBox(coords, 2, 2, 0, 0))).toEqual([0, 1, 5]);
    expect(Array.from(selectInBox(coords, 0, 0, 3, 3, (i) => i !== 1))).toEqual([0, 2, 3, 5]);
  });
  it("merges: replace, add, remove", () => {
    const cur = Uint32Array.of(1, 5, 9);
    expect(Array.from(mergeSelection(cur, Uint32Array.of(7, 5), "replace"))).toEqual([5, 7]);
    expect(Array.from(mergeSelection(cur, Uint32Array.of(7, 5), "add"))).toEqual([1, 5, 7, 9]);
    expect(Array.from(mergeSelection(cur, Uint32Array.of(9, 2), "remove"))).toEqual([1, 5]);
    expect(Array.from(sortedUnique(Uint32Array.of(3, 1, 3, 2, 1)))).toEqual([1, 2, 3]);
    // already ascending (what the geometry returns): a copy, never the same array
    const asc = Uint32Array.of(1, 4, 9);
    const out = sortedUnique(asc);
    expect(Array.from(out)).toEqual([1, 4, 9]);
    expect(out).not.toBe(asc);
    expect(Array.from(sortedUnique(Uint32Array.of(1, 4, 4, 9)))).toEqual([1, 4, 9]);
    expect(sameIndices([1, 2], Uint32Array.of(1, 2))).toBe(true);
    expect(sameIndices([1, 2], [1])).toBe(false);
  });
  it("finds the nearest point within a pixel radius", () => {
    const toScreen = (x: number, y: number): [number, number] => [x * 100, 300 - y * 100];
    expect(nearestPoint(coords, toScreen, 152, 148, 5)).toBe(1);
    expect(nearestPoint(coords, toScreen, 152, 148, 1)).toBe(-1);
    expect(nearestPoint(coords, toScreen, 152, 148, 5, (i) => i !== 1)).toBe(-1);
  });
});

describe("raster-accelerated lasso", () => {
  it("selects exactly what the plain point-in-polygon test selects", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const n = 60000;
    const coords = new Float32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) coords[i] = rand() * 10 - 5;
    // points exactly on a vertex / edge line and a dense cluster near one edge
    coords.set([1, 1, 2, 1, 1.5, 1], 0);
    for (let trial = 0; trial < 12; trial++) {
      const m = 3 + Math.floor(rand() * 30);
      const poly: Vertex[] = Array.from({ length: m }, (_, k) => {
        const a = (2 * Math.PI * k) / m;
        const r = 1 + rand() * 4; // star-like, concave; some trials self-intersect
        return [Math.cos(a + (trial % 3 === 0 ? rand() : 0)) * r, Math.sin(a) * r] as Vertex;
      });
      if (trial === 0) poly.splice(0, poly.length, [1, 1], [2, 1], [2, 2], [1, 2]);
      const want: number[] = [];
      for (let i = 0; i < n; i++) if (pointInPolygon(coords[2 * i], coords[2 * i + 1], poly)) want.push(i);
      expect(Array.from(selectInPolygon(coords, poly))).toEqual(want);
    }
  });
});

describe("search", () => {
  const table = { id: ["mp-1", "mp-12", "mp-2"], formula: ["LiCoO2", "Li2O", "LiFePO4"] };
  it("prefers exact (case-insensitive) matches, else substrings", () => {
    expect(Array.from(searchTable(table, ["id", "formula"], "MP-1", 3))).toEqual([0]);
    expect(Array.from(searchTable(table, ["id", "formula"], "li2o", 3))).toEqual([1]);
    expect(Array.from(searchTable(table, ["id", "formula"], "li", 3))).toEqual([0, 1, 2]);
    expect(Array.from(searchTable(table, ["formula"], "mp-1", 3))).toEqual([]);
    expect(Array.from(searchTable(table, [], "  ", 3))).toEqual([]);
  });
});
