// The Li pathway volume: decoding, the drawn level, its percolation dimension and the voxel
// grid handed to the isosurface (tiled over the supercell, closed by one wrapped plane).

import { bytesOf, decodeCrystal, type Crystal, type PathwayJSON } from "./types";

export type Barrier = "e_1d" | "e_2d" | "e_3d";
export const BARRIERS: Barrier[] = ["e_1d", "e_2d", "e_3d"];

/** Surface colour by percolation dimension (0: isolated pockets), Okabe-Ito hues. */
export const DIM_COLORS = ["#999999", "#E69F00", "#CC79A7", "#0072B2"];
export const DIM_NAMES = ["isolated pockets", "1-D", "2-D", "3-D"];

export interface Pathway {
  id: string;
  shape: [number, number, number];
  top: number;
  barriers: Record<Barrier, number>;
  cell: Crystal;
  codes: Uint8Array;
  resolution: number;
  fineShape: number[];
  seconds: number;
}

export function decodePathway(p: PathwayJSON): Pathway {
  const codes = bytesOf(p.data);
  const [na, nb, nc] = p.shape;
  if (codes.length !== na * nb * nc) {
    throw new Error(`pathway ${p.id}: ${codes.length} bytes for a ${na}x${nb}x${nc} grid`);
  }
  const barriers = Object.fromEntries(
    BARRIERS.map((b) => [b, p.barriers[b] == null ? Infinity : Number(p.barriers[b])]),
  ) as Record<Barrier, number>;
  return {
    id: String(p.id),
    shape: [na, nb, nc],
    top: p.top,
    barriers,
    cell: decodeCrystal(p.cell),
    codes,
    resolution: p.resolution,
    fineShape: p.fine_shape,
    seconds: p.seconds ?? NaN,
  };
}

/** Drawn level in eV above E_min: the chosen barrier plus the margin (null: no such path). */
export function levelOf(p: Pathway, barrier: Barrier, margin: number): number | null {
  const b = p.barriers[barrier];
  return Number.isFinite(b) ? b + margin : null;
}

/** Percolation dimension at ``level`` (eV above E_min), from the label's barriers. */
export function dimensionAt(p: Pathway, level: number): number {
  return BARRIERS.filter((b) => Number.isFinite(p.barriers[b]) && p.barriers[b] <= level).length;
}

/**
 * Level in the units of {@link tiledVolume}: 255 - code, so that 3Dmol's "inside" (values above
 * the iso value) is the low-energy region and the surface normals point out of the channels.
 */
export function levelCode(p: Pathway, level: number): number {
  return 255 - (level / p.top) * 254;
}

/**
 * 255 - codes, tiled over an sa x sb x sc supercell plus one wrapped plane per axis, as
 * float32 in 3Dmol's order (x slowest), so the surface spans the whole supercell without a seam.
 */
export function tiledVolume(p: Pathway, supercell: [number, number, number]): { data: Float32Array<ArrayBuffer>; size: [number, number, number] } {
  const [na, nb, nc] = p.shape;
  const size: [number, number, number] = [na * supercell[0] + 1, nb * supercell[1] + 1, nc * supercell[2] + 1];
  const data = new Float32Array(size[0] * size[1] * size[2]);
  let o = 0;
  for (let x = 0; x < size[0]; x++) {
    const i = x % na;
    for (let y = 0; y < size[1]; y++) {
      const row = (i * nb + (y % nb)) * nc;
      for (let z = 0; z < size[2]; z++) data[o++] = 255 - p.codes[row + (z % nc)];
    }
  }
  return { data, size };
}
