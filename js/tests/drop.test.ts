import { describe, expect, it } from "vitest";
import { hasKernel, MAX_FILE_BYTES, summary, triage } from "../src/map/drop";
import type { MapModel } from "../src/map/model";
import { ShimModel } from "../src/shim";

describe("dropped files", () => {
  it("sends the files within the limits, in order, and refuses the others with the reason", () => {
    const files = [
      { name: "a.cif", size: 1000 },
      { name: "huge.cif", size: MAX_FILE_BYTES + 1 },
      { name: "b.vasp", size: 600 },
      { name: "c.extxyz", size: 600 },
    ];
    const { send, refused } = triage(files, MAX_FILE_BYTES, 2000);
    expect(send).toEqual([0, 2]); // c.extxyz would take the drop over 2000 bytes
    expect(refused.map((r) => r.name)).toEqual(["huge.cif", "c.extxyz"]);
    expect(refused[0].reason).toMatch(/^file too large: 64\.0 MiB is over the 64\.0 MiB limit$/);
    expect(refused[1].reason).toMatch(/^drop too large/);
    expect(triage([])).toEqual({ send: [], refused: [] });
  });
  it("knows a live kernel's model from the kernel-less shim", () => {
    expect(hasKernel(new ShimModel({}))).toBe(false);
    const live = { ...new ShimModel({}), widget_manager: {} } as unknown as MapModel;
    expect(hasKernel(live)).toBe(true);
  });
  it("sums up an answer", () => {
    expect(summary(2, 1)).toBe("2 placed · 1 refused");
    expect(summary(0, 3)).toBe("3 refused");
    expect(summary(0, 0)).toBe("nothing placed");
  });
});
