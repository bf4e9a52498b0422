// The crystal wire format (materials_map/widgets/crystal/payload.py writes it; docs/crystal.md
// describes it) and its decoding into sites with species, occupancies and labels.

import { elementOf } from "./elements";

/** One site: fractional x, y, z and either a species index (occupancy 1) or [index, occupancy] pairs. */
export type SiteSpec = [number, number, number, number | [number, number][]];

export interface CrystalJSON {
  id: string;
  title?: string;
  /** lattice vectors a, b, c as rows, flattened (Å) */
  lattice: number[];
  species: string[];
  sites: SiteSpec[];
  /** site labels (CIF labels), only when some differ from the species string */
  labels?: string[];
  /** index of the map point this structure belongs to (-1 or absent: none) */
  index?: number;
}

export interface PathwayJSON {
  id: string;
  /** periodic grid shape (na, nb, nc): point (i, j, k) sits at fractional (i/na, j/nb, k/nc) */
  shape: [number, number, number];
  /** eV represented by code 254 (255: above) */
  top: number;
  /** eV above the grid minimum; null: no path below encut */
  barriers: { e_1d: number | null; e_2d: number | null; e_3d: number | null };
  /** the label cell the grid belongs to */
  cell: CrystalJSON;
  resolution: number;
  fine_shape: number[];
  seconds?: number;
  /** uint8 codes, C order over (na, nb, nc) */
  data: DataView | ArrayBuffer | Uint8Array | { b64: string };
}

export type Mat3 = [number, number, number][];

export interface Occupant {
  species: string;
  element: string;
  occ: number;
}

export interface Site {
  index: number;
  frac: [number, number, number];
  occupants: Occupant[];
  /** total occupancy (1 for a fully occupied site) */
  occupancy: number;
  label: string;
  /** one species with occupancy 1 */
  ordered: boolean;
  /** element of the largest occupant */
  major: string;
}

export interface Crystal {
  id: string;
  title: string;
  lattice: Mat3;
  sites: Site[];
  index: number;
}

export function latticeOf(flat: number[]): Mat3 {
  if (!Array.isArray(flat) || flat.length !== 9 || flat.some((v) => !Number.isFinite(v))) {
    throw new Error("crystal: lattice must be 9 finite numbers");
  }
  return [
    [flat[0], flat[1], flat[2]],
    [flat[3], flat[4], flat[5]],
    [flat[6], flat[7], flat[8]],
  ];
}

export function decodeCrystal(j: CrystalJSON): Crystal {
  const lattice = latticeOf(j.lattice);
  const sites = j.sites.map((s, index): Site => {
    const spec = s[3];
    const pairs: [number, number][] = typeof spec === "number" ? [[spec, 1]] : spec;
    const occupants = pairs.map(([k, occ]) => {
      const species = j.species[k];
      if (species === undefined) throw new Error(`crystal ${j.id}: site ${index} names species ${k} of ${j.species.length}`);
      return { species, element: elementOf(species), occ };
    });
    occupants.sort((a, b) => b.occ - a.occ);
    const occupancy = occupants.reduce((t, o) => t + o.occ, 0);
    return {
      index,
      frac: [s[0], s[1], s[2]],
      occupants,
      occupancy,
      label: j.labels?.[index] ?? occupants.map((o) => o.species).join(","),
      ordered: occupants.length === 1 && occupants[0].occ >= 0.999,
      major: occupants[0]?.element ?? "X",
    };
  });
  return { id: String(j.id), title: j.title ?? String(j.id), lattice, sites, index: j.index ?? -1 };
}

/** Raw bytes of a binary field (DataView from a kernel, base64 from a document). */
export function bytesOf(v: PathwayJSON["data"]): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v && typeof (v as { b64?: unknown }).b64 === "string") {
    const bin = atob((v as { b64: string }).b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  throw new Error("pathway: no volume data");
}
