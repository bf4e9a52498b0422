import { describe, expect, it } from "vitest";
import { Brush, CLICK_SLOP, mergeFor, shapeFor, shapePath, shapeSelection, type Modifiers } from "../src/map/brush";
import type { Vertex } from "../src/map/polygon";

const none: Modifiers = { shiftKey: false, ctrlKey: false, metaKey: false, altKey: false };
const mods = (m: Partial<Modifiers>): Modifiers => ({ ...none, ...m });

describe("brush: which shape and which merge", () => {
  it("box and lasso modes draw their shape; pan draws a lasso only with Shift", () => {
    expect(shapeFor("box", none)).toBe("box");
    expect(shapeFor("lasso", none)).toBe("lasso");
    expect(shapeFor("pan", none)).toBeNull();
    expect(shapeFor("pan", mods({ shiftKey: true }))).toBe("lasso");
    expect(shapeFor("box", mods({ shiftKey: true }))).toBe("box");
  });
  it("Alt removes, Ctrl/Cmd add, Shift adds only outside pan mode", () => {
    expect(mergeFor("lasso", none)).toBe("replace");
    expect(mergeFor("lasso", mods({ ctrlKey: true }))).toBe("add");
    expect(mergeFor("pan", mods({ metaKey: true }))).toBe("add");
    expect(mergeFor("box", mods({ shiftKey: true }))).toBe("add");
    expect(mergeFor("pan", mods({ shiftKey: true }))).toBe("replace");
    expect(mergeFor("box", mods({ altKey: true, ctrlKey: true }))).toBe("remove");
  });
});

describe("brush state machine", () => {
  it("a pan press starts no shape but counts for clicks within the slop", () => {
    const b = new Brush();
    expect(b.isClick(10, 10, true)).toBe(false); // no press yet
    expect(b.down(10, 10, 1, "pan", none, true)).toBeNull();
    expect(b.shape).toBeNull();
    expect(b.isClick(10 + CLICK_SLOP, 10, true)).toBe(true);
    expect(b.isClick(10 + CLICK_SLOP + 1, 10, true)).toBe(false);
    expect(b.isClick(10, 10, false)).toBe(false); // not before the points are drawn
  });
  it("no shape before the map is ready", () => {
    const b = new Brush();
    expect(b.down(0, 0, 1, "lasso", none, false)).toBeNull();
    expect(b.shape).toBeNull();
  });
  it("a lasso collects distinct vertices of its own pointer and ends with the release point", () => {
    const b = new Brush();
    expect(b.down(0, 0, 7, "lasso", mods({ ctrlKey: true }), true)).toBe("lasso");
    expect(b.move(8, [[5, 5]])).toBe(false); // another pointer
    expect(b.move(7, [[1, 0], [1, 0], [2, 1]])).toBe(true);
    expect(b.shape?.pts).toEqual([[0, 0], [1, 0], [2, 1]]);
    expect(b.up(8, [9, 9])).toBeNull();
    const s = b.up(7, [0, 2]);
    expect(s).toEqual({ kind: "lasso", pts: [[0, 0], [1, 0], [2, 1], [0, 2]], merge: "add" });
    expect(b.shape).toBeNull();
    expect(b.up(7, [0, 2])).toBeNull();
  });
  it("a box keeps its press corner and the latest corner", () => {
    const b = new Brush();
    b.down(1, 1, 1, "box", none, true);
    b.move(1, [[4, 4], [5, 6]]);
    expect(b.shape?.pts).toEqual([[1, 1], [5, 6]]);
    expect(b.up(1, [7, 8])?.pts).toEqual([[1, 1], [7, 8]]);
  });
  it("cancel drops the shape of that pointer only", () => {
    const b = new Brush();
    b.down(0, 0, 3, "lasso", none, true);
    expect(b.cancel(4)).toBe(false);
    expect(b.shape).not.toBeNull();
    expect(b.cancel(3)).toBe(true);
    expect(b.shape).toBeNull();
  });
});

describe("brush geometry", () => {
  it("draws SVG paths for box and lasso", () => {
    expect(shapePath({ kind: "box", pts: [[1, 2]], merge: "replace" })).toBe("M1,2H1V2H1Z");
    expect(shapePath({ kind: "box", pts: [[1, 2], [3, 4]], merge: "replace" })).toBe("M1,2H3V4H1Z");
    expect(shapePath({ kind: "lasso", pts: [[0, 0], [1, 0], [1, 1]], merge: "replace" })).toBe("M0,0L1,0L1,1Z");
  });
  // view [0, 10] x [0, 10] on a 100 x 100 px plot: screen (px, py) = data (px / 10, 10 - py / 10)
  const view: [number, number, number, number] = [0, 10, 0, 10];
  const coords = new Float32Array([1, 2, 5, 5.5, 9, 9.5, 5, 1]);
  it("selects points in the shape, converted to data coordinates", () => {
    const box = shapeSelection({ kind: "box", pts: [[0, 100], [60, 40]], merge: "replace" }, coords, view, 100, 100);
    expect(box?.data).toEqual([[0, 0], [6, 6]]);
    expect(Array.from(box!.hits)).toEqual([0, 1, 3]);
    const tri: Vertex[] = [[0, 100], [100, 100], [100, 0]]; // below the diagonal y = x
    const lasso = shapeSelection({ kind: "lasso", pts: tri, merge: "replace" }, coords, view, 100, 100);
    expect(Array.from(lasso!.hits)).toEqual([3]);
  });
  it("respects the visibility filter and ignores degenerate shapes", () => {
    const all = shapeSelection({ kind: "box", pts: [[0, 100], [100, 0]], merge: "replace" }, coords, view, 100, 100, (i) => i !== 2);
    expect(Array.from(all!.hits)).toEqual([0, 1, 3]);
    expect(shapeSelection({ kind: "box", pts: [[0, 0]], merge: "replace" }, coords, view, 100, 100)).toBeNull();
    expect(shapeSelection({ kind: "lasso", pts: [[0, 0], [5, 5]], merge: "replace" }, coords, view, 100, 100)).toBeNull();
  });
});
