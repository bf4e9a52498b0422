import { describe, expect, it } from "vitest";
import { asMode, keyAction, MODES } from "../src/map/toolbar";

describe("toolbar modes and keys", () => {
  it("accepts the three modes and falls back to pan", () => {
    expect(MODES.map(([m]) => m)).toEqual(["pan", "box", "lasso"]);
    expect(asMode("box")).toBe("box");
    expect(asMode("lasso")).toBe("lasso");
    expect(asMode("pan")).toBe("pan");
    expect(asMode("zoom")).toBe("pan");
    expect(asMode(undefined)).toBe("pan");
  });
  it("maps the shortcuts, either case, and nothing else", () => {
    expect(keyAction("b")).toEqual({ mode: "box" });
    expect(keyAction("L")).toEqual({ mode: "lasso" });
    expect(keyAction("p")).toEqual({ mode: "pan" });
    expect(keyAction("r")).toBe("reset");
    expect(keyAction("R")).toBe("reset");
    expect(keyAction("Escape")).toBe("clear");
    expect(keyAction("/")).toBe("search");
    for (const k of ["a", "Enter", "ArrowLeft", " ", "escape"]) expect(keyAction(k)).toBeNull();
  });
});
