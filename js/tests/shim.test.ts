import { describe, expect, it } from "vitest";
import { currentTraitName, ShimModel } from "../src/shim";

describe("documents saved with the old background trait names", () => {
  it("maps heatmap traits to background traits and leaves others alone", () => {
    expect(currentTraitName("heatmap")).toBe("background");
    expect(currentTraitName("heatmap_extent")).toBe("background_extent");
    expect(currentTraitName("show_heatmap")).toBe("show_background");
    expect(currentTraitName("coords")).toBe("coords");
    expect(currentTraitName("heatmapper")).toBe("heatmapper");
  });

  it("the shim model answers the new names for an old document", () => {
    const m = new ShimModel({ heatmap_label: "ME", show_heatmap: false, title: "t" });
    expect(m.get("background_label")).toBe("ME");
    expect(m.get("show_background")).toBe(false);
    expect(m.get("heatmap_label")).toBeUndefined();
  });
});
