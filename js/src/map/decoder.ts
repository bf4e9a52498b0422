// The map's decoders and target head, read from a document's model block
// (materials_map/io/model_block.py): a small dense forward pass, so that a page without
// Python decodes and predicts anywhere on the map. Everything is checked before use: a
// block that fails its checksum or whose arrays do not chain is refused with the reason,
// never run. Pure (no DOM); the panel that draws it is ../decodepanel.ts.

import { sha256Hex } from "./sha256";

export const FORMAT = "materials-map/model";
/** Block versions this reader decodes: 2 adds int8 residual rows to the int16 weights. */
export const VERSIONS = [1, 2];

export interface BlockInfo {
  name: string;
  branch: "comp" | "struct";
  group: string;
  start: number;
  stop: number;
}

interface ArraySpec {
  dtype: "f32" | "i16" | "i8" | "u8";
  shape: number[];
  offset: number;
  nbytes: number;
  scale?: string;
  residual?: string;
  residual_rows?: string;
  residual_scale?: string;
  deflate?: boolean;
}

interface Target {
  name: string;
  transform: "none" | "softplus" | "log";
  scale: number;
  softplus_beta: number;
  log_floor: number;
}

interface EnsembleMeta {
  activation: string;
  prior_scale: number;
  noise: "constant" | "learned";
  noise_var: number;
  x_mean: number[];
  x_scale: number[];
  y_mean: number;
  y_scale: number;
  layers: [string, string][];
  priors: [string, string][];
}

interface Meta {
  activation: string;
  n_comp: number;
  n_struct: number;
  blocks: BlockInfo[];
  layers: Record<"comp" | "struct" | "head", [string, string][]>;
  unscale: Record<"comp" | "struct", [string, string]>;
  target: Target | null;
  ensemble?: EnsembleMeta;
  descriptors?: { q: string; lo: string; hi: string; order: string };
  arrays: Record<string, ArraySpec>;
}

type Vec = Float32Array | Float64Array;
/** A dense layer, torch layout: w is (out, in) row-major. */
interface Dense {
  w: Vec;
  b: Vec;
  nIn: number;
  nOut: number;
}

export const ACTIVATIONS: Record<string, (v: number) => number> = {
  relu: (v) => (v > 0 ? v : 0),
  leaky_relu: (v) => (v > 0 ? v : 0.01 * v), // torch's default slope
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  tanh: Math.tanh,
  silu: (v) => v / (1 + Math.exp(-v)),
};

/** Dense layers with `act` between them, none after the last. */
export function forward(layers: Dense[], act: (v: number) => number, input: ArrayLike<number>): Float64Array {
  let h = Float64Array.from(input);
  layers.forEach((L, k) => {
    const out = new Float64Array(L.nOut);
    for (let j = 0; j < L.nOut; j++) {
      let s = L.b[j];
      const row = j * L.nIn;
      for (let i = 0; i < L.nIn; i++) s += L.w[row + i] * h[i];
      out[j] = k < layers.length - 1 ? act(s) : s;
    }
    h = out;
  });
  return h;
}

/** The head's output -> target units (model/target.py target_inverse). */
export function targetInverse(t: number, target: Target): number {
  if (target.transform === "softplus") {
    const z = target.softplus_beta * t;
    return ((Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / target.softplus_beta) * target.scale;
  }
  if (target.transform === "log") return Math.exp((t - 1) * -Math.log(target.log_floor)) * target.scale;
  return t * target.scale;
}

/** Consecutive blocks of a branch drawn in one plot (`rdf[Li-O]`, `rdf[O-O]` -> rdf), as the
 * notebook's Decode tab groups them (widgets/panels/reconstruction.py descriptor_groups). */
export interface Group {
  name: string;
  branch: "comp" | "struct";
  start: number;
  stop: number;
  subBlocks: { label: string; start: number; stop: number }[];
}

export function descriptorGroups(blocks: BlockInfo[]): Group[] {
  const sorted = [...blocks].sort((a, b) => Number(a.branch !== "comp") - Number(b.branch !== "comp") || a.start - b.start);
  const groups: Group[] = [];
  for (const b of sorted) {
    const name = b.name.split("[")[0];
    const last = groups[groups.length - 1];
    const g = last && last.branch === b.branch && last.name === name ? last : null;
    const label = b.name.slice(name.length).replace(/^\[+|\]+$/g, "").replace("][", ":") || b.name;
    if (g) {
      g.stop = b.stop;
      g.subBlocks.push({ label, start: b.start, stop: b.stop });
    } else groups.push({ name, branch: b.branch, start: b.start, stop: b.stop, subBlocks: [{ label, start: b.start, stop: b.stop }] });
  }
  return groups;
}

class BlockError extends Error {}

function fail(why: string): never {
  throw new BlockError(why);
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Reads the named arrays out of the block's bytes, checking every size and offset. */
class ArrayReader {
  constructor(
    private bytes: Uint8Array,
    private specs: Record<string, ArraySpec>,
  ) {}

  spec(name: string, dtype: string): ArraySpec {
    const s = this.specs[name];
    if (!s || s.dtype !== dtype || !Array.isArray(s.shape)) fail(`array ${name} is missing or not ${dtype}`);
    const size = { f32: 4, i16: 2, i8: 1, u8: 1 }[s.dtype];
    const count = s.shape.reduce((a, b) => a * b, 1);
    const inside = Number.isInteger(s.offset) && s.offset >= 0 && s.offset % 4 === 0 && s.offset + s.nbytes <= this.bytes.length;
    if (!inside || (!s.deflate && s.nbytes !== count * size)) fail(`array ${name} does not fit its bytes`);
    return s;
  }

  f32(name: string, shape?: number[]): Float32Array {
    const s = this.spec(name, "f32");
    if (shape && shape.join() !== s.shape.join()) fail(`array ${name} has shape [${s.shape}], expected [${shape}]`);
    // copied: the document's bytes need no 4-byte alignment of their own
    return new Float32Array(this.bytes.slice(s.offset, s.offset + s.nbytes).buffer);
  }

  i16(name: string, shape: number[]): Int16Array {
    const s = this.spec(name, "i16");
    if (s.shape.join() !== shape.join()) fail(`array ${name} has shape [${s.shape}], expected [${shape}]`);
    return new Int16Array(this.bytes.slice(s.offset, s.offset + s.nbytes).buffer);
  }

  /** A weight matrix (out, in): f32, or i16 rows with one f32 scale each, plus an i8
   * residual with its own scale on the rows `residual_rows` lists. */
  matrix(name: string, nOut: number, nIn: number): Vec {
    const s = this.specs[name];
    if (s?.dtype !== "i16") return this.f32(name, [nOut, nIn]);
    if (!s.scale) fail(`array ${name} has no scale`);
    const q = this.i16(name, [nOut, nIn]);
    const scale = this.f32(s.scale, [nOut]);
    const w = new Float64Array(q.length);
    for (let j = 0; j < nOut; j++) for (let i = 0; i < nIn; i++) w[j * nIn + i] = q[j * nIn + i] * scale[j];
    if (s.residual === undefined) return w;
    const r = this.spec(s.residual, "i8");
    const nRows = r.shape[0];
    if (r.shape.join() !== [nRows, nIn].join()) fail(`array ${s.residual} is not a (rows, ${nIn}) residual`);
    if (!s.residual_rows || !s.residual_scale) fail(`array ${name} has a residual without its rows or scale`);
    const rows = this.i16(s.residual_rows, [nRows]);
    const rScale = this.f32(s.residual_scale, [nRows]);
    const res = new Int8Array(this.bytes.buffer, this.bytes.byteOffset + r.offset, r.nbytes);
    rows.forEach((j, k) => {
      if (!(j >= 0 && j < nOut)) fail(`array ${s.residual_rows} names row ${j} of ${nOut}`);
      for (let i = 0; i < nIn; i++) w[j * nIn + i] += res[k * nIn + i] * rScale[k];
    });
    return w;
  }

  /** Dense layers from `nIn` to `nOut` inputs/outputs, every shape chained. */
  dense(names: [string, string][], nIn: number, nOut: number, what: string): Dense[] {
    if (!Array.isArray(names) || !names.length) fail(`${what} has no layers`);
    const layers = names.map(([w, b]) => {
      const shape = this.specs[w]?.shape;
      if (!shape || shape.length !== 2) fail(`${what}: weight ${w} is not a matrix`);
      return { w: this.matrix(w, shape[0], shape[1]), b: this.f32(b, [shape[0]]), nOut: shape[0], nIn: shape[1] };
    });
    layers.forEach((L, k) => {
      if (L.nIn !== (k ? layers[k - 1].nOut : nIn)) fail(`${what}: layer ${k} takes ${L.nIn} inputs, expected ${k ? layers[k - 1].nOut : nIn}`);
    });
    if (layers[layers.length - 1].nOut !== nOut) fail(`${what} ends with ${layers[layers.length - 1].nOut} outputs, expected ${nOut}`);
    return layers;
  }

  raw(name: string): Uint8Array {
    const s = this.spec(name, "u8");
    return this.bytes.slice(s.offset, s.offset + s.nbytes);
  }
}

/** Batched ensemble layers: weights (M, a, b), biases (M, 1, b), model/ensemble.py layout. */
interface MemberLayer {
  w: Float32Array;
  b: Float32Array;
  a: number;
  out: number;
}

function memberLayers(r: ArrayReader, names: [string, string][], members: number): MemberLayer[] {
  if (!Array.isArray(names) || !names.length) fail("ensemble has no layers");
  return names.map(([w, b], k) => {
    const shape = r.spec(w, "f32").shape;
    if (shape.length !== 3 || shape[0] !== members) fail(`ensemble layer ${k} is not (members, in, out)`);
    return { w: r.f32(w), b: r.f32(b, [members, 1, shape[2]]), a: shape[1], out: shape[2] };
  });
}

function memberForward(layers: MemberLayer[], act: (v: number) => number, m: number, x: number[]): Float64Array {
  let h = Float64Array.from(x);
  layers.forEach((L, k) => {
    const out = new Float64Array(L.out);
    for (let j = 0; j < L.out; j++) {
      let s = L.b[m * L.out + j];
      for (let i = 0; i < L.a; i++) s += h[i] * L.w[(m * L.a + i) * L.out + j];
      out[j] = k < layers.length - 1 ? act(s) : s;
    }
    h = out;
  });
  return h;
}

export interface Decoded {
  comp: Float64Array;
  struct: Float64Array;
}

/** The map points' own descriptors (original units, 8-bit), for drawing beside a decoding. */
export class PointDescriptors {
  private stored: Map<number, number>;

  constructor(
    private q: Uint8Array,
    order: Float32Array,
    private lo: Float64Array,
    private span: Float64Array,
  ) {
    this.stored = new Map(Array.from(order, (point, k) => [point, k]));
  }

  /** Whether point `i` has its descriptors in the document. */
  has(i: number): boolean {
    return this.stored.has(i);
  }

  /** Point `i`'s descriptors in original units: comp columns then struct columns. */
  row(i: number): Float64Array {
    const k = this.stored.get(i);
    if (k === undefined) throw new RangeError(`no descriptors for point ${i}`);
    const n = this.lo.length;
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = this.lo[j] + (this.q[k * n + j] / 255) * this.span[j];
    return out;
  }
}

export class MapDecoder {
  readonly blocks: BlockInfo[];
  readonly nComp: number;
  readonly nStruct: number;
  readonly target: Target | null;
  readonly hasSpread: boolean;
  private act: (v: number) => number;
  private comp: Dense[];
  private struct: Dense[];
  private head: Dense[];
  private offset: Float32Array;
  private scale: Float32Array;
  private ens: { meta: EnsembleMeta; act: (v: number) => number; layers: MemberLayer[]; priors: MemberLayer[]; members: number } | null = null;
  private points: Promise<PointDescriptors | null>;

  constructor(meta: Meta, bytes: Uint8Array) {
    const r = new ArrayReader(bytes, meta.arrays ?? fail("no array table"));
    const { n_comp: nc, n_struct: ns } = meta;
    if (!Number.isInteger(nc) || !Number.isInteger(ns) || nc < 1 || ns < 1) fail("bad descriptor widths");
    this.nComp = nc;
    this.nStruct = ns;
    this.act = ACTIVATIONS[meta.activation] ?? fail(`unknown activation ${meta.activation}`);
    this.comp = r.dense(meta.layers?.comp, 1, nc, "composition decoder");
    this.struct = r.dense(meta.layers?.struct, 1, ns, "structure decoder");
    this.head = r.dense(meta.layers?.head, 2, 1, "target head");
    this.offset = Float32Array.from([...r.f32(meta.unscale.comp[0], [nc]), ...r.f32(meta.unscale.struct[0], [ns])]);
    this.scale = Float32Array.from([...r.f32(meta.unscale.comp[1], [nc]), ...r.f32(meta.unscale.struct[1], [ns])]);
    this.blocks = meta.blocks ?? [];
    for (const b of this.blocks) {
      const width = b.branch === "comp" ? nc : b.branch === "struct" ? ns : -1;
      if (!(b.start >= 0 && b.stop > b.start && b.stop <= width)) fail(`block ${b.name} is outside its branch`);
    }
    this.target = meta.target ?? null;
    if (this.target && !["none", "softplus", "log"].includes(this.target.transform)) fail(`unknown target transform ${this.target.transform}`);
    if (meta.ensemble && this.target) this.ens = this.readEnsemble(r, meta.ensemble);
    this.hasSpread = this.ens !== null;
    this.points = this.readPoints(r, meta);
    this.points.catch(() => undefined); // a bad descriptor table only hides the grey curves
  }

  private readEnsemble(r: ArrayReader, e: EnsembleMeta): NonNullable<MapDecoder["ens"]> {
    const members = r.spec(e.layers?.[0]?.[0], "f32").shape[0];
    const layers = memberLayers(r, e.layers, members);
    const priors = memberLayers(r, e.priors, members);
    const nOut = e.noise === "learned" ? 2 : 1;
    for (const ls of [layers, priors]) {
      if (ls[0].a !== 2 || ls[ls.length - 1].out !== nOut) fail("ensemble layers do not map 2 coordinates to the target");
      ls.forEach((L, k) => k && L.a !== ls[k - 1].out && fail(`ensemble layer ${k} does not chain`));
    }
    const act = ACTIVATIONS[e.activation] ?? fail(`unknown ensemble activation ${e.activation}`);
    return { meta: e, act, layers, priors, members };
  }

  private async readPoints(r: ArrayReader, meta: Meta): Promise<PointDescriptors | null> {
    const d = meta.descriptors;
    if (!d) return null;
    const spec = r.spec(d.q, "u8");
    const width = this.nComp + this.nStruct;
    if (spec.shape.length !== 2 || spec.shape[1] !== width) fail("point descriptors have the wrong width");
    const lo = r.f32(d.lo, [this.blocks.length]);
    const hi = r.f32(d.hi, [this.blocks.length]);
    const order = r.f32(d.order, [spec.shape[0]]);
    const raw = r.raw(d.q);
    const q = spec.deflate ? await inflate(raw) : raw;
    if (q.length !== spec.shape[0] * width) throw new Error("point descriptors do not inflate to their size");
    const colLo = new Float64Array(width);
    const colSpan = new Float64Array(width);
    this.blocks.forEach((b, k) => {
      const at = b.branch === "struct" ? this.nComp : 0;
      colLo.fill(lo[k], at + b.start, at + b.stop);
      colSpan.fill(hi[k] - lo[k], at + b.start, at + b.stop);
    });
    return new PointDescriptors(q, order, colLo, colSpan);
  }

  /** The map points' descriptors (inflated once; null when the document has none). */
  pointDescriptors(): Promise<PointDescriptors | null> {
    return this.points;
  }

  /** Decoded (comp, struct) in the model's scaled units (what the autoencoder outputs). */
  decodeScaled(x: number, y: number): Decoded {
    return { comp: forward(this.comp, this.act, [x]), struct: forward(this.struct, this.act, [y]) };
  }

  /** Scaled -> original units, in place; `at` is 0 for comp, nComp for struct columns. */
  unscale(v: Float64Array, at: number): Float64Array {
    for (let j = 0; j < v.length; j++) v[j] = this.offset[at + j] + v[j] * this.scale[at + j];
    return v;
  }

  /** Original -> scaled units (comp then struct columns), in place. */
  rescale(v: Float64Array): Float64Array {
    for (let j = 0; j < v.length; j++) v[j] = this.scale[j] ? (v[j] - this.offset[j]) / this.scale[j] : 0;
    return v;
  }

  /** Decoded descriptors in original units (MapModel.inverse_transform). */
  decode(x: number, y: number): Decoded {
    const d = this.decodeScaled(x, y);
    return { comp: this.unscale(d.comp, 0), struct: this.unscale(d.struct, this.nComp) };
  }

  /** The target the head predicts at (x, y) (MapModel.predict_coords); NaN without one. */
  predict(x: number, y: number): number {
    if (!this.target) return NaN;
    return targetInverse(forward(this.head, this.act, [x, y])[0], this.target);
  }

  /** The head ensemble's mean and predictive standard deviation at (x, y)
   * (HeadEnsemble.predict(..., return_std=True)); null without an ensemble. */
  predictStd(x: number, y: number): { mean: number; std: number } | null {
    if (!this.ens) return null;
    const { meta: e, act, layers, priors, members } = this.ens;
    const input = [(x - e.x_mean[0]) / e.x_scale[0], (y - e.x_mean[1]) / e.x_scale[1]];
    const means = new Float64Array(members);
    let noise = 0;
    for (let m = 0; m < members; m++) {
      const out = memberForward(layers, act, m, input);
      const prior = memberForward(priors, act, m, input)[0];
      means[m] = (out[0] + e.prior_scale * prior) * e.y_scale + e.y_mean;
      noise += e.noise === "learned" ? Math.exp(Math.min(Math.max(out[1], -10), 6)) * e.y_scale ** 2 : e.noise_var;
    }
    const mean = means.reduce((a, b) => a + b, 0) / members;
    const variance = means.reduce((a, b) => a + (b - mean) ** 2, 0) / members;
    return { mean, std: Math.sqrt(variance + noise / members) };
  }
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A document's model block as a decoder, or why it cannot be used (`problem`). */
export function loadDecoder(block: unknown): MapDecoder | { problem: string } {
  try {
    const b = block as { format?: unknown; version?: unknown; sha256?: unknown; meta?: unknown; data?: unknown };
    if (!b || typeof b !== "object" || b.format !== FORMAT) fail("the model block has no materials-map/model format marker");
    if (!VERSIONS.includes(b.version as number)) fail(`model block version ${String(b.version)} is not ${VERSIONS.join(" or ")}`);
    if (typeof b.meta !== "string" || typeof b.data !== "string") fail("the model block has no meta and data text");
    if (sha256Hex(new TextEncoder().encode(`${b.meta}\n${b.data}`)) !== b.sha256) {
      fail("the model block failed its checksum (edited or damaged after saving)");
    }
    return new MapDecoder(JSON.parse(b.meta) as Meta, base64Bytes(b.data));
  } catch (err) {
    const why = err instanceof BlockError ? err.message : `malformed model block (${(err as Error).message})`;
    return { problem: why };
  }
}

/** Nearest `k` map points to (x, y) in map coordinates (interleaved x, y), nearest first;
 * non-finite points are skipped. */
export function nearestPoints(coords: ArrayLike<number>, x: number, y: number, k: number): { index: number; distance: number }[] {
  const all: { index: number; distance: number }[] = [];
  for (let i = 0; 2 * i + 1 < coords.length; i++) {
    const d = Math.hypot(coords[2 * i] - x, coords[2 * i + 1] - y);
    if (Number.isFinite(d)) all.push({ index: i, distance: d });
  }
  return all.sort((a, b) => a.distance - b.distance || a.index - b.index).slice(0, k);
}

/** What a page exposes to scripts (`window.mmDocument`, docs/explorer.md): decode and
 * predict at map coordinates, or an error saying why the document cannot. */
export function scriptingApi(decoder: MapDecoder | { problem: string } | null) {
  const problem = decoder === null ? "this document carries no model" : decoder instanceof MapDecoder ? null : decoder.problem;
  const use = (): MapDecoder => {
    if (decoder instanceof MapDecoder) return decoder;
    throw new Error(`cannot decode: ${problem}`);
  };
  return {
    /** why decoding is off (null when it works) */
    modelProblem: problem,
    /** decoded descriptors at (x, y) in original units (MapModel.inverse_transform) */
    decode(x: number, y: number): { comp: number[]; struct: number[] } {
      const d = use().decode(x, y);
      return { comp: Array.from(d.comp), struct: Array.from(d.struct) };
    },
    /** the target predicted at (x, y) (MapModel.predict_coords) */
    predict: (x: number, y: number): number => use().predict(x, y),
    /** the head ensemble's {mean, std} at (x, y), or null without an ensemble */
    predictStd: (x: number, y: number) => use().predictStd(x, y),
  };
}
