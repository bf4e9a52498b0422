import { describe, expect, it } from "vitest";
import { descriptorGroups, loadDecoder, MapDecoder, nearestPoints, scriptingApi, type BlockInfo } from "../src/map/decoder";
import { sha256Hex } from "../src/map/sha256";
import fixture from "./fixtures/model_block.json";

// Written by `python tests/io/test_model_block.py` from small fitted MapModels: their model
// blocks and what MapModel.inverse_transform / predict_coords and HeadEnsemble.predict give.
type Case = {
  name: string;
  block: { format: string; version: number; sha256: string; meta: string; data: string };
  coords: [number, number][];
  comp: number[][];
  struct: number[][];
  predict: number[];
  mean?: number[];
  std?: number[];
  descriptor_rows?: Record<string, number[]>;
};
const cases = fixture as Case[];
const text = (s: string) => new TextEncoder().encode(s);

function decoderOf(c: Case): MapDecoder {
  const d = loadDecoder(c.block);
  if (!(d instanceof MapDecoder)) throw new Error(`${c.name}: ${d.problem}`);
  return d;
}

/** A copy of the block with its meta edited and its checksum made to match again. */
function reMeta(c: Case, edit: (meta: Record<string, any>) => void) {
  const meta = JSON.parse(c.block.meta);
  edit(meta);
  const m = JSON.stringify(meta);
  return { ...c.block, meta: m, sha256: sha256Hex(text(`${m}\n${c.block.data}`)) };
}

describe("sha256", () => {
  it("gives the FIPS 180-4 digests, across the padding boundary", () => {
    expect(sha256Hex(text(""))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex(text("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(sha256Hex(text("a".repeat(1000)))).toBe("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  });
});

describe("the forward pass against Python's numbers", () => {
  it("covers every activation and target transform", () => {
    const kinds = cases.map((c) => [JSON.parse(c.block.meta).activation, JSON.parse(c.block.meta).target.transform]);
    expect(new Set(kinds.map((k) => k[0]))).toEqual(new Set(["elu", "relu", "leaky_relu", "tanh", "silu"]));
    expect(new Set(kinds.map((k) => k[1]))).toEqual(new Set(["none", "softplus", "log"]));
  });

  for (const c of cases) {
    it(`${c.name}: decode within 1e-3 of each block's largest value, predict to 1e-5`, () => {
      const d = decoderOf(c);
      c.coords.forEach(([x, y], i) => {
        const got = d.decode(x, y);
        for (const b of d.blocks) {
          const [g, w] = b.branch === "comp" ? [got.comp, c.comp[i]] : [got.struct, c.struct[i]];
          const want = w.slice(b.start, b.stop);
          const largest = Math.max(...want.map(Math.abs), 1e-12);
          const err = Math.max(...want.map((v, j) => Math.abs(g[b.start + j] - v)));
          expect(err / largest).toBeLessThan(1e-3);
        }
        expect(d.predict(x, y)).toBeCloseTo(c.predict[i], 5);
        if (c.mean && c.std) {
          const s = d.predictStd(x, y)!;
          expect(s.mean).toBeCloseTo(c.mean[i], 5);
          expect(s.std).toBeCloseTo(c.std[i], 5);
        } else expect(d.predictStd(x, y)).toBeNull();
      });
    });
  }

  it("int8 residual rows (version 2) bring the decoding to float32 precision; a version-1 block (int16 rows alone) still decodes", () => {
    const withResidual = cases.filter((c) => c.block.meta.includes('"residual"'));
    expect(withResidual.length).toBeGreaterThanOrEqual(2);
    for (const c of withResidual) {
      const v1 = loadDecoder({ ...reMeta(c, (m) => Object.values(m.arrays).forEach((s: any) => delete s.residual)), version: 1 });
      if (!(v1 instanceof MapDecoder)) throw new Error(v1.problem);
      const d = decoderOf(c);
      const worst = [0, 0];
      c.coords.forEach(([x, y], i) => {
        [d, v1].forEach((dec, k) => {
          const got = dec.decode(x, y);
          const all = [...got.comp, ...got.struct];
          const want = [...c.comp[i], ...c.struct[i]];
          const largest = Math.max(...want.map(Math.abs));
          worst[k] = Math.max(worst[k], ...want.map((v, j) => Math.abs(all[j] - v) / largest));
        });
      });
      expect(worst[0]).toBeLessThan(1e-5);
      expect(worst[1]).toBeGreaterThan(worst[0]);
      expect(worst[1]).toBeLessThan(1e-3);
    }
  });

  it("inflates the points' own descriptors", async () => {
    for (const c of cases.filter((c) => c.descriptor_rows)) {
      const points = (await decoderOf(c).pointDescriptors())!;
      for (const [i, want] of Object.entries(c.descriptor_rows!)) {
        const got = points.row(Number(i));
        want.forEach((v, j) => expect(got[j]).toBeCloseTo(v, 5));
      }
    }
    expect(await decoderOf(cases[3]).pointDescriptors()).toBeNull();
  });
});

describe("damaged or foreign blocks are refused with the reason", () => {
  const c = cases[0];
  it("a changed byte fails the checksum", () => {
    const data = c.block.data;
    const flipped = data.slice(0, 50) + (data[50] === "A" ? "B" : "A") + data.slice(51);
    expect(loadDecoder({ ...c.block, data: flipped })).toEqual({ problem: "the model block failed its checksum (edited or damaged after saving)" });
  });
  it("no marker, another version", () => {
    expect(loadDecoder({ ...c.block, format: "x" })).toHaveProperty("problem", expect.stringContaining("format marker"));
    expect(loadDecoder({ ...c.block, version: 3 })).toHaveProperty("problem", "model block version 3 is not 1 or 2");
    expect(loadDecoder(null)).toHaveProperty("problem");
  });
  it("arrays that do not chain are never run, even with a matching checksum", () => {
    const wider = reMeta(c, (m) => (m.n_comp += 1));
    expect(loadDecoder(wider)).toHaveProperty("problem", expect.stringContaining("expected 15"));
    const outside = reMeta(c, (m) => (m.arrays["comp.0.w"].offset = 1 << 30));
    expect(loadDecoder(outside)).toHaveProperty("problem", expect.stringContaining("does not fit its bytes"));
    const unknown = reMeta(c, (m) => (m.activation = "gelu"));
    expect(loadDecoder(unknown)).toEqual({ problem: "unknown activation gelu" });
    const r = cases.find((c) => c.block.meta.includes('"residual"'))!;
    const rows = (JSON.parse(r.block.meta).arrays as Record<string, any>)["comp.2.w.rows"];
    const bytes = Uint8Array.from(atob(r.block.data), (ch) => ch.charCodeAt(0));
    bytes[rows.offset] = 99; // a residual row past the matrix's 14 rows
    const data = btoa(String.fromCharCode(...bytes));
    const badRow = { ...r.block, data, sha256: sha256Hex(text(`${r.block.meta}\n${data}`)) };
    expect(loadDecoder(badRow)).toEqual({ problem: "array comp.2.w.rows names row 99 of 14" });
    const noScale = reMeta(r, (m) => delete m.arrays["comp.2.w"].residual_scale);
    expect(loadDecoder(noScale)).toHaveProperty("problem", "array comp.2.w has a residual without its rows or scale");
    const notJson = { ...c.block, meta: "{", sha256: sha256Hex(text(`{\n${c.block.data}`)) };
    expect(loadDecoder(notJson)).toHaveProperty("problem", expect.stringContaining("malformed model block"));
  });
  it("scripts get the reason as an error", () => {
    const api = scriptingApi(loadDecoder({ ...c.block, version: 9 }));
    expect(api.modelProblem).toContain("version 9");
    expect(() => api.decode(0, 0)).toThrow(/cannot decode: model block version 9/);
    expect(scriptingApi(null).modelProblem).toBe("this document carries no model");
    const ok = scriptingApi(decoderOf(c));
    expect(ok.modelProblem).toBeNull();
    expect(ok.decode(0.1, 0.2).comp).toHaveLength(14);
  });
});

describe("helpers", () => {
  it("groups blocks as the notebook's Decode tab does", () => {
    const b = (name: string, branch: "comp" | "struct", start: number, stop: number): BlockInfo => ({ name, branch, group: "f", start, stop });
    const groups = descriptorGroups([b("rdf[O-O]", "struct", 5, 9), b("single[EN]", "comp", 3, 6), b("single[AN]", "comp", 0, 3), b("rdf[Li-O]", "struct", 0, 5), b("adf[X][O-X]", "struct", 9, 12)]);
    expect(groups.map((g) => [g.name, g.branch, g.start, g.stop])).toEqual([
      ["single", "comp", 0, 6],
      ["rdf", "struct", 0, 9],
      ["adf", "struct", 9, 12],
    ]);
    expect(groups[1].subBlocks.map((s) => s.label)).toEqual(["Li-O", "O-O"]);
    expect(groups[2].subBlocks[0].label).toBe("X:O-X");
  });
  it("finds the nearest points, skipping non-finite ones", () => {
    const coords = Float32Array.from([0, 0, 3, 4, NaN, 0, 1, 1]);
    expect(nearestPoints(coords, 0.9, 0.9, 2).map((p) => p.index)).toEqual([3, 0]);
    expect(nearestPoints(coords, 0, 0, 10)).toHaveLength(3);
  });
});
