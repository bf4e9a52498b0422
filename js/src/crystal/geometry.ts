// Pure crystal geometry for the viewer: fractional -> Cartesian, supercell replication with
// boundary images, unit-cell edges, coordination polyhedra (convex hulls) and the sphere
// sectors that draw partially occupied sites. No WebGL here (vitest covers it).

import type { Crystal, Mat3, Site } from "./types";

export type Vec3 = [number, number, number];

/** Anions whose neighbours form coordination polyhedra (the anions bvlain has Li+ parameters for). */
export const ANIONS = new Set(["N", "O", "F", "S", "Cl", "Se", "Br", "Te", "I"]);

export function cart(lattice: Mat3, f: readonly number[]): Vec3 {
  return [0, 1, 2].map((k) => f[0] * lattice[0][k] + f[1] * lattice[1][k] + f[2] * lattice[2][k]) as Vec3;
}

export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);

export interface Atom {
  site: Site;
  /** fractional position in the unit cell's basis (may exceed 1 in a supercell) */
  frac: Vec3;
  pos: Vec3;
}

const EDGE_TOL = 1e-3;

/**
 * Atoms of an na x nb x nc supercell. With ``boundary`` a site on a cell face also appears on
 * the opposite face of the supercell (as crystal drawings show it), so a site at the origin
 * is drawn on all 8 corners.
 */
export function replicate(crystal: Crystal, supercell: Vec3 = [1, 1, 1], boundary = true): Atom[] {
  const out: Atom[] = [];
  for (const site of crystal.sites) {
    const f = site.frac.map((v) => ((v % 1) + 1) % 1).map((v) => (v > 1 - EDGE_TOL ? 0 : v)) as Vec3;
    const ranges = f.map((v, k) => {
      const r: number[] = [];
      for (let i = 0; i < supercell[k]; i++) r.push(v + i);
      if (boundary && v < EDGE_TOL) r.push(supercell[k]);
      return r;
    });
    for (const x of ranges[0])
      for (const y of ranges[1])
        for (const z of ranges[2]) {
          const frac: Vec3 = [x, y, z];
          out.push({ site, frac, pos: cart(crystal.lattice, frac) });
        }
  }
  return out;
}

/** Edges of every unit cell of the supercell, each once: [start, end] in Cartesian Å. */
export function cellEdges(lattice: Mat3, supercell: Vec3 = [1, 1, 1]): [Vec3, Vec3][] {
  const out: [Vec3, Vec3][] = [];
  const [na, nb, nc] = supercell;
  for (let i = 0; i <= na; i++)
    for (let j = 0; j <= nb; j++)
      for (let k = 0; k <= nc; k++) {
        if (i < na) out.push([cart(lattice, [i, j, k]), cart(lattice, [i + 1, j, k])]);
        if (j < nb) out.push([cart(lattice, [i, j, k]), cart(lattice, [i, j + 1, k])]);
        if (k < nc) out.push([cart(lattice, [i, j, k]), cart(lattice, [i, j, k + 1])]);
      }
  return out;
}

export interface Polyhedron {
  center: Atom;
  vertices: Vec3[];
  /** triangles (indices into vertices), wound outward */
  faces: [number, number, number][];
}

/**
 * Coordination polyhedra of the framework cations (neither Li nor an anion): the anions
 * (all periodic images) within 1.25 x the nearest cation-anion distance and 3.2 Å, drawn
 * when there are at least 3 of them.
 */
export function polyhedra(crystal: Crystal, atoms: Atom[], factor = 1.25, maxDist = 3.2): Polyhedron[] {
  const anions = crystal.sites.filter((s) => ANIONS.has(s.major));
  if (!anions.length) return [];
  const L = crystal.lattice;
  // distance between lattice planes along each axis: |d_k| * spacing_k <= |r|, so an image
  // whose fractional offset along some axis exceeds maxDist / spacing_k is skipped unseen
  const vol = Math.abs(dot(L[0], cross(L[1], L[2])));
  const reach = [norm(cross(L[1], L[2])), norm(cross(L[2], L[0])), norm(cross(L[0], L[1]))].map((area) => (maxDist * area) / vol);
  const out: Polyhedron[] = [];
  const near: Vec3[] = [];
  const dist: number[] = [];
  for (const atom of atoms) {
    const el = atom.site.major;
    if (el === "Li" || ANIONS.has(el)) continue;
    near.length = 0;
    dist.length = 0;
    for (const s of anions) {
      // nearest image of the fractional offset, then its neighbours within reach
      const d0 = s.frac[0] - atom.frac[0];
      const d1 = s.frac[1] - atom.frac[1];
      const d2 = s.frac[2] - atom.frac[2];
      const f0 = d0 - Math.round(d0);
      const f1 = d1 - Math.round(d1);
      const f2 = d2 - Math.round(d2);
      for (let i = -1; i <= 1; i++) {
        const a = f0 + i;
        if (Math.abs(a) > reach[0]) continue;
        for (let j = -1; j <= 1; j++) {
          const b = f1 + j;
          if (Math.abs(b) > reach[1]) continue;
          for (let k = -1; k <= 1; k++) {
            const c = f2 + k;
            if (Math.abs(c) > reach[2]) continue;
            const x = a * L[0][0] + b * L[1][0] + c * L[2][0];
            const y = a * L[0][1] + b * L[1][1] + c * L[2][1];
            const z = a * L[0][2] + b * L[1][2] + c * L[2][2];
            const r = Math.sqrt(x * x + y * y + z * z);
            if (r <= maxDist) {
              near.push([atom.pos[0] + x, atom.pos[1] + y, atom.pos[2] + z]);
              dist.push(r);
            }
          }
        }
      }
    }
    if (!near.length) continue;
    let dmin = Infinity;
    for (const r of dist) dmin = Math.min(dmin, r);
    const cut = Math.min(dmin * factor, maxDist);
    const verts = near.filter((_, i) => dist[i] <= cut);
    if (verts.length < 3) continue;
    out.push({ center: atom, vertices: verts, faces: convexHull(verts) });
  }
  return out;
}

/**
 * Triangles of the convex hull of a few points (a coordination shell: <= ~14), wound outward.
 * Coplanar points on a face are ordered around it and fanned once, so a square face is two
 * triangles, not four overlapping ones. A flat set (a triangle, a square-planar shell) gives
 * its polygon with both windings.
 */
export function convexHull(p: Vec3[], eps = 1e-6): [number, number, number][] {
  const n = p.length;
  const faces: [number, number, number][] = [];
  const seen = new Set<string>();
  const centroid = p.reduce((a, v) => [a[0] + v[0] / n, a[1] + v[1] / n, a[2] + v[2] / n] as Vec3, [0, 0, 0] as Vec3);
  const scale = Math.max(...p.map((v) => norm(sub(v, centroid))), 1e-9);
  const tol = eps * scale * 1e3;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let k = j + 1; k < n; k++) {
        let nrm = cross(sub(p[j], p[i]), sub(p[k], p[i]));
        const len = norm(nrm);
        if (len < eps * scale * scale) continue;
        nrm = [nrm[0] / len, nrm[1] / len, nrm[2] / len];
        let above = 0;
        let below = 0;
        const on: number[] = [];
        for (let m = 0; m < n; m++) {
          const s = dot(nrm, sub(p[m], p[i]));
          if (s > tol) above++;
          else if (s < -tol) below++;
          else on.push(m);
        }
        if (above && below) continue;
        const key = on.join(",");
        if (seen.has(key)) continue;
        seen.add(key);
        const outward: Vec3 = above ? [-nrm[0], -nrm[1], -nrm[2]] : nrm;
        const ring = orderAround(p, on, outward);
        for (let t = 1; t + 1 < ring.length; t++) faces.push([ring[0], ring[t], ring[t + 1]]);
        if (!above && !below) for (let t = 1; t + 1 < ring.length; t++) faces.push([ring[0], ring[t + 1], ring[t]]);
      }
  return faces;
}

/** Indices of coplanar points ordered counter-clockwise seen from the ``normal`` side. */
function orderAround(p: Vec3[], idx: number[], normal: Vec3): number[] {
  const c = idx.reduce((a, i) => [a[0] + p[i][0], a[1] + p[i][1], a[2] + p[i][2]] as Vec3, [0, 0, 0] as Vec3).map(
    (v) => v / idx.length,
  ) as Vec3;
  const u0 = sub(p[idx[0]], c);
  const u = norm(u0) > 0 ? u0 : ([1, 0, 0] as Vec3);
  const v = cross(normal, u);
  return [...idx].sort((a, b) => {
    const da = sub(p[a], c);
    const db = sub(p[b], c);
    return Math.atan2(dot(da, v), dot(da, u)) - Math.atan2(dot(db, v), dot(db, u));
  });
}

export interface Mesh {
  vertices: Vec3[];
  normals: Vec3[];
  faces: number[];
  colors: string[];
}

/**
 * A sphere cut into wedges about ``axis`` (default z), one per occupant, each spanning
 * 2*pi*occupancy; the vacant share (1 - total occupancy) is left open and the cut faces are
 * closed, so the drawn volume of each species is its occupancy (Crystal Toolkit draws partial
 * sites the same way). Seen along ``axis`` the wedges read as a pie chart of the occupancies.
 */
export function sectorMesh(center: Vec3, radius: number, parts: { occ: number; color: string }[], lat = 12, axis: Vec3 = [0, 0, 1]): Mesh {
  const local = sectorMeshAboutZ(center, radius, parts, lat);
  const [u, w, n] = frame(axis);
  const turn = (v: Vec3): Vec3 => [0, 1, 2].map((k) => v[0] * u[k] + v[1] * w[k] + v[2] * n[k]) as Vec3;
  return {
    ...local,
    vertices: local.vertices.map((v) => {
      const t = turn(sub(v, center));
      return [center[0] + t[0], center[1] + t[1], center[2] + t[2]] as Vec3;
    }),
    normals: local.normals.map(turn),
  };
}

/** Right-handed orthonormal frame (u, w, n) with n along ``axis``; z gives (x, y, z). */
function frame(axis: Vec3): [Vec3, Vec3, Vec3] {
  const len = Math.hypot(...axis) || 1;
  const n: Vec3 = [axis[0] / len, axis[1] / len, axis[2] / len];
  // u: the x axis made perpendicular to n (the y axis when n is nearly along x)
  const ref: Vec3 = Math.abs(n[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const d = dot(ref, n);
  const u0: Vec3 = [ref[0] - d * n[0], ref[1] - d * n[1], ref[2] - d * n[2]];
  const ul = Math.hypot(...u0);
  const u: Vec3 = [u0[0] / ul, u0[1] / ul, u0[2] / ul];
  return [u, cross(n, u), n];
}

function sectorMeshAboutZ(center: Vec3, radius: number, parts: { occ: number; color: string }[], lat: number): Mesh {
  const mesh: Mesh = { vertices: [], normals: [], faces: [], colors: [] };
  let phi = 0;
  const total = parts.reduce((t, q) => t + q.occ, 0);
  for (const part of parts) {
    const span = 2 * Math.PI * part.occ;
    const segs = Math.max(2, Math.ceil(span / (Math.PI / 12)));
    const base = mesh.vertices.length;
    for (let i = 0; i <= lat; i++) {
      const th = (Math.PI * i) / lat;
      for (let j = 0; j <= segs; j++) {
        const ph = phi + (span * j) / segs;
        const nrm: Vec3 = [Math.sin(th) * Math.cos(ph), Math.sin(th) * Math.sin(ph), Math.cos(th)];
        mesh.vertices.push([center[0] + radius * nrm[0], center[1] + radius * nrm[1], center[2] + radius * nrm[2]]);
        mesh.normals.push(nrm);
        mesh.colors.push(part.color);
      }
    }
    for (let i = 0; i < lat; i++)
      for (let j = 0; j < segs; j++) {
        const a = base + i * (segs + 1) + j;
        const b = a + segs + 1;
        mesh.faces.push(a, b, a + 1, a + 1, b, b + 1);
      }
    phi += span;
  }
  if (total < 0.999 && parts.length) {
    cap(mesh, center, radius, 0, -1, parts[0].color, lat);
    cap(mesh, center, radius, phi, 1, parts[parts.length - 1].color, lat);
  }
  return mesh;
}

/** Half-disc closing a wedge at azimuth ``phi``; ``side`` = -1 faces back, +1 forward. */
function cap(mesh: Mesh, c: Vec3, r: number, phi: number, side: number, color: string, lat: number): void {
  const nrm: Vec3 = [-side * Math.sin(phi), side * Math.cos(phi), 0];
  const base = mesh.vertices.length;
  mesh.vertices.push([...c] as Vec3);
  mesh.normals.push(nrm);
  mesh.colors.push(color);
  for (let i = 0; i <= lat; i++) {
    const th = (Math.PI * i) / lat;
    mesh.vertices.push([c[0] + r * Math.sin(th) * Math.cos(phi), c[1] + r * Math.sin(th) * Math.sin(phi), c[2] + r * Math.cos(th)]);
    mesh.normals.push(nrm);
    mesh.colors.push(color);
  }
  for (let i = 1; i <= lat; i++) {
    if (side > 0) mesh.faces.push(base, base + i, base + i + 1);
    else mesh.faces.push(base, base + i + 1, base + i);
  }
}

/**
 * The model-space direction toward an orthographic camera after the view quaternion ``q``
 * (x, y, z, w; 3Dmol's getView()[4..7]) is right-multiplied by rotations of ``tilts`` degrees
 * about the x or y axis, as 3Dmol's rotate() does; the camera looks down -z of the rotated
 * frame. (Standard Hamilton algebra: 3Dmol's own Vector3.applyQuaternion rotates the other way.)
 */
export function towardViewer(q: [number, number, number, number], tilts: [number, "x" | "y"][]): Vec3 {
  let [x, y, z, w] = q;
  for (const [angle, axis] of tilts) {
    const h = (Math.PI * angle) / 360;
    const [bx, by, bz, bw] = axis === "x" ? [Math.sin(h), 0, 0, Math.cos(h)] : [0, Math.sin(h), 0, Math.cos(h)];
    [x, y, z, w] = [x * bw + w * bx + y * bz - z * by, y * bw + w * by + z * bx - x * bz, z * bw + w * bz + x * by - y * bx, w * bw - x * bx - y * by - z * bz];
  }
  const len = Math.hypot(x, y, z, w) || 1;
  // rotate z by the conjugate (-x, -y, -z, w): v + 2w (u x v) + 2 u x (u x v), u = -(x, y, z)
  const u: Vec3 = [-x / len, -y / len, -z / len];
  const v: Vec3 = [0, 0, 1];
  const t = cross(u, v);
  const tt = cross(u, t);
  const s = (2 * w) / len;
  return [v[0] + s * t[0] + 2 * tt[0], v[1] + s * t[1] + 2 * tt[1], v[2] + s * t[2] + 2 * tt[2]];
}

/** Drawn radius of an element's atoms: 0.45 x its atomic radius, kept within 0.25..0.9 Å. */
export function drawRadius(atomicRadius: number): number {
  return Math.min(0.9, Math.max(0.25, 0.45 * atomicRadius));
}
