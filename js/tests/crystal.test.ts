import { describe, expect, it } from "vitest";
import { cart, cellEdges, convexHull, cross, dot, polyhedra, replicate, sectorMesh, sub, towardViewer, type Vec3 } from "../src/crystal/geometry";
import { decodeCrystal, type CrystalJSON } from "../src/crystal/types";
import { dimensionAt, levelCode, levelOf, tiledVolume, type Pathway } from "../src/crystal/volume";
import { elementOf } from "../src/crystal/elements";

/** Rock-salt LiO-like cell (Fm-3m conventional, a = 4.2 Å): 4 cations on fcc, 4 anions. */
const rocksalt = (cation: string): CrystalJSON => ({
  id: "rs",
  lattice: [4.2, 0, 0, 0, 4.2, 0, 0, 0, 4.2],
  species: [cation, "O2-"],
  sites: [
    [0, 0, 0, 0],
    [0.5, 0.5, 0, 0],
    [0.5, 0, 0.5, 0],
    [0, 0.5, 0.5, 0],
    [0.5, 0, 0, 1],
    [0, 0.5, 0, 1],
    [0, 0, 0.5, 1],
    [0.5, 0.5, 0.5, 1],
  ],
});

function outward(points: Vec3[], faces: [number, number, number][]): boolean {
  const c = points.reduce((a, p) => [a[0] + p[0] / points.length, a[1] + p[1] / points.length, a[2] + p[2] / points.length] as Vec3, [0, 0, 0] as Vec3);
  return faces.every(([a, b, d]) => dot(cross(sub(points[b], points[a]), sub(points[d], points[a])), sub(points[a], c)) > 0);
}

describe("convex hull of a coordination shell", () => {
  it("gives 8 outward triangles for an octahedron and 4 for a tetrahedron", () => {
    const oct: Vec3[] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
    const f = convexHull(oct);
    expect(f.length).toBe(8);
    expect(outward(oct, f)).toBe(true);
    const tet: Vec3[] = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
    expect(convexHull(tet).length).toBe(4);
    expect(outward(tet, convexHull(tet))).toBe(true);
  });

  it("fans a square face once: a cube is 12 triangles, not 24", () => {
    const cube: Vec3[] = [];
    for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) cube.push([x, y, z]);
    const f = convexHull(cube);
    expect(f.length).toBe(12);
    expect(outward(cube, f)).toBe(true);
  });

  it("draws a flat shell (square-planar, triangle) from both sides", () => {
    const sq: Vec3[] = [[1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0]];
    expect(convexHull(sq).length).toBe(4); // 2 triangles x 2 windings
    expect(convexHull([[0, 0, 0], [1, 0, 0], [0, 1, 0]]).length).toBe(2);
  });
});

describe("crystal geometry", () => {
  it("decodes species, occupancies and labels", () => {
    const c = decodeCrystal({
      id: 7 as unknown as string,
      lattice: [3, 0, 0, 0, 3, 0, 0, 0, 3],
      species: ["Li+", "Ni2+", "O2-"],
      sites: [
        [0, 0, 0, [[0, 0.5], [1, 0.4]]],
        [0.5, 0.5, 0.5, 2],
      ],
      labels: ["M1", "O1"],
    });
    expect(c.id).toBe("7");
    expect(c.sites[0].ordered).toBe(false);
    expect(c.sites[0].occupancy).toBeCloseTo(0.9);
    expect(c.sites[0].major).toBe("Li");
    expect(c.sites[1].ordered).toBe(true);
    expect(c.sites[1].label).toBe("O1");
    expect(elementOf("Fe2+")).toBe("Fe");
    expect(() => decodeCrystal({ id: "x", lattice: [1, 2], species: [], sites: [] })).toThrow(/lattice/);
  });

  it("replicates with boundary images: a corner site on 8 corners, a face centre on 2 faces", () => {
    const c = decodeCrystal(rocksalt("Li+"));
    const atoms = replicate(c, [1, 1, 1]);
    // corner Li: 8; 3 face-centred Li: 2 each; O: edge centres 4 each (x3), body centre 1
    expect(atoms.filter((a) => a.site.major === "Li").length).toBe(8 + 3 * 2);
    expect(atoms.filter((a) => a.site.major === "O").length).toBe(3 * 4 + 1);
    expect(replicate(c, [2, 1, 1], false).length).toBe(16);
    expect(cart(c.lattice, [1, 0.5, 0])).toEqual([4.2, 2.1, 0]);
  });

  it("counts unit-cell edges once", () => {
    const L = decodeCrystal(rocksalt("Li+")).lattice;
    expect(cellEdges(L).length).toBe(12);
    expect(cellEdges(L, [2, 2, 2]).length).toBe(54);
    expect(cellEdges(L, [2, 1, 1]).length).toBe(20);
  });

  it("finds octahedra around framework cations, none around Li", () => {
    const mg = decodeCrystal(rocksalt("Mg2+"));
    const atoms = replicate(mg, [1, 1, 1], false);
    const polys = polyhedra(mg, atoms);
    expect(polys.length).toBe(4);
    for (const p of polys) {
      expect(p.vertices.length).toBe(6);
      expect(p.faces.length).toBe(8);
      for (const v of p.vertices) expect(Math.hypot(...sub(v, p.center.pos))).toBeCloseTo(2.1, 6);
    }
    const li = decodeCrystal(rocksalt("Li+"));
    expect(polyhedra(li, replicate(li, [1, 1, 1])).length).toBe(0);
  });

  it("cuts a sphere into occupancy sectors and closes the vacancy only", () => {
    const full = sectorMesh([0, 0, 0], 1, [{ occ: 0.5, color: "a" }, { occ: 0.5, color: "b" }], 6);
    const part = sectorMesh([0, 0, 0], 1, [{ occ: 0.5, color: "a" }, { occ: 0.25, color: "b" }], 6);
    expect(new Set(full.colors)).toEqual(new Set(["a", "b"]));
    // two caps of (lat + 2) vertices only when a share is vacant
    const caps = part.vertices.length - (7 * 13 + 7 * 7); // (lat + 1) x (segments + 1) per sector
    expect(caps).toBe(2 * 8);
    expect(full.vertices.every((v) => Math.abs(Math.hypot(...v) - 1) < 1e-9)).toBe(true);
  });

  it("finds the camera axis of the viewer's default view", () => {
    // measured in Chromium: the null direction of 3Dmol's modelToScreen of a cell's corners
    // after rotate(-65, "x"), rotate(25, "y") from the identity view
    const seen: Vec3 = [-0.1786062, -0.90630778, 0.38302223];
    const n = towardViewer([0, 0, 0, 1], [[-65, "x"], [25, "y"]]);
    expect(Math.abs(dot(n, seen))).toBeCloseTo(1, 7);
    expect(Math.hypot(...n)).toBeCloseTo(1, 12);
    expect(towardViewer([0, 0, 0, 1], [])).toEqual([0, 0, 1]);
  });

  it("turns the sectors about any axis (the viewer faces them to its camera)", () => {
    const parts = [{ occ: 0.5, color: "a" }, { occ: 0.4, color: "b" }];
    const c: Vec3 = [1, 2, 3];
    expect(sectorMesh(c, 0.7, parts, 6, [0, 0, 2])).toEqual(sectorMesh(c, 0.7, parts, 6));
    const n: Vec3 = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
    const m = sectorMesh(c, 0.7, parts, 6, n);
    const z = sectorMesh(c, 0.7, parts, 6);
    // a rotation: the same sphere, each vertex at its z-mesh height now measured along n
    expect(m.vertices.every((v) => Math.abs(Math.hypot(...sub(v, c)) - 0.7) < 1e-9 || Math.hypot(...sub(v, c)) < 1e-9)).toBe(true);
    m.vertices.forEach((v, i) => expect(dot(sub(v, c), n)).toBeCloseTo(z.vertices[i][2] - c[2], 9));
    m.normals.forEach((v, i) => expect(dot(v, n)).toBeCloseTo(z.normals[i][2], 9));
    // seen along n the two species cover 0.5 and 0.4 of the turn: 180 and 144 degrees
    // u: toward the first sector's edge (azimuth 0): its vertex on the second ring (13 per ring)
    const e = sub(m.vertices[13], c);
    const u0 = sub(e, [n[0] * dot(e, n), n[1] * dot(e, n), n[2] * dot(e, n)]);
    const u: Vec3 = [u0[0] / Math.hypot(...u0), u0[1] / Math.hypot(...u0), u0[2] / Math.hypot(...u0)];
    const w = cross(n, u);
    const angles = (color: string) =>
      m.vertices.filter((v, i) => m.colors[i] === color && Math.hypot(...sub(v, c)) > 1e-9 && Math.abs(dot(sub(v, c), n)) < 0.69)
        .map((v) => (Math.atan2(dot(sub(v, c), w), dot(sub(v, c), u)) + 2 * Math.PI) % (2 * Math.PI));
    const span = (a: number[]) => (Math.max(...a) - Math.min(...a)) * (180 / Math.PI);
    expect(Math.min(...angles("a"))).toBeCloseTo(0, 6);
    expect(span(angles("a"))).toBeCloseTo(180, 6);
    expect(Math.min(...angles("b")) * (180 / Math.PI)).toBeCloseTo(180, 6);
    expect(span(angles("b"))).toBeCloseTo(144, 6);
  });
});

describe("pathway volume", () => {
  const p: Pathway = {
    id: "p",
    shape: [2, 3, 4],
    top: 2.54,
    barriers: { e_1d: 0.5, e_2d: 1.0, e_3d: Infinity },
    cell: decodeCrystal(rocksalt("Li+")),
    codes: Uint8Array.from({ length: 24 }, (_, i) => i),
    resolution: 0.2,
    fineShape: [2, 3, 4],
    seconds: 0,
  };

  it("tiles the supercell and closes it with one wrapped plane", () => {
    const { data, size } = tiledVolume(p, [2, 1, 1]);
    expect(size).toEqual([5, 4, 5]);
    const at = (x: number, y: number, z: number) => data[(x * size[1] + y) * size[2] + z];
    const code = (i: number, j: number, k: number) => (i * 3 + j) * 4 + k;
    expect(at(0, 0, 0)).toBe(255 - code(0, 0, 0));
    expect(at(3, 2, 1)).toBe(255 - code(1, 2, 1));
    expect(at(4, 3, 4)).toBe(255 - code(0, 0, 0)); // the closing planes repeat the first
  });

  it("draws at barrier + margin with the dimension it percolates in", () => {
    expect(levelOf(p, "e_1d", 0.05)).toBeCloseTo(0.55);
    expect(levelOf(p, "e_3d", 0.05)).toBeNull();
    expect(dimensionAt(p, 0.4)).toBe(0);
    expect(dimensionAt(p, 0.55)).toBe(1);
    expect(dimensionAt(p, 1.2)).toBe(2);
    // a code c is inside the drawn region when 255 - c > levelCode: c < level / top * 254
    expect(levelCode(p, 1.0)).toBeCloseTo(255 - 100);
  });
});
