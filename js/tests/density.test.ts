import { describe, expect, it } from "vitest";
import { densityContours, densityGrid } from "../src/map/density";

describe("density layer", () => {
  // a tight cluster at (1, 1) and a few scattered points
  const pts: number[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 3000; i++) pts.push(1 + (rand() - 0.5) * 0.4, 1 + (rand() - 0.5) * 0.4);
  for (let i = 0; i < 100; i++) pts.push(rand() * 4 - 1, rand() * 4 - 1);
  const coords = new Float32Array(pts);

  it("counts every point inside the extent once (before smoothing mass is conserved)", () => {
    const g = densityGrid(coords, [-1, 3, -1, 3], 32, 32);
    const total = g.values.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(3090);
    expect(total).toBeLessThanOrEqual(3100 + 1e-6);
  });
  it("puts the innermost contour around the cluster", () => {
    const g = densityGrid(coords, [-1, 3, -1, 3], 48, 48);
    const levels = densityContours(g, 4);
    expect(levels.length).toBe(4);
    const inner = levels[3].flat();
    expect(inner.length).toBeGreaterThan(3);
    for (const [x, y] of inner) {
      expect(Math.abs(x - 1)).toBeLessThan(0.6);
      expect(Math.abs(y - 1)).toBeLessThan(0.6);
    }
  });
  it("hides filtered points", () => {
    const g = densityGrid(coords, [-1, 3, -1, 3], 16, 16, (i) => i >= 3000);
    expect(g.values.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100 + 1e-6);
  });
});
