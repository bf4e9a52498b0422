import { describe, expect, it } from "vitest";
import { asTyped, uint32View } from "../src/map/model";

describe("binary trait views", () => {
  it("views DataViews without copying and copies misaligned ones", () => {
    const f = new Float32Array([1.5, -2, 3]);
    const v = asTyped(new DataView(f.buffer), Float32Array)!;
    expect(Array.from(v)).toEqual([1.5, -2, 3]);
    expect(v.buffer).toBe(f.buffer);
    const raw = new Uint8Array(13);
    raw.set(new Uint8Array(f.buffer), 1);
    expect(Array.from(asTyped(new DataView(raw.buffer, 1, 12), Float32Array)!)).toEqual([1.5, -2, 3]);
  });
  it("decodes base64 buffers of saved documents and ignores other values", () => {
    const u = Uint32Array.of(7, 1, 4000000000);
    const b64 = btoa(String.fromCharCode(...new Uint8Array(u.buffer)));
    expect(Array.from(asTyped({ b64 }, Uint32Array)!)).toEqual([7, 1, 4000000000]);
    expect(asTyped(null, Uint32Array)).toBeNull();
    expect(asTyped([1, 2], Uint32Array)).toBeNull();
  });
  it("sends selections as a DataView over a copy", () => {
    const a = Uint32Array.of(3, 9);
    const dv = uint32View(a);
    a[0] = 5;
    expect(dv.getUint32(0, true)).toBe(3);
    expect(dv.byteLength).toBe(8);
  });
});
