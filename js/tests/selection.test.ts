import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MapModel, SaveCallbacks } from "../src/map/model";
import type { PointLayer } from "../src/map/points";
import { Selection } from "../src/map/selection";
import { MapState } from "../src/map/state";
import { ShimModel } from "../src/shim";

function setup(n: number) {
  const saved: (SaveCallbacks | undefined)[] = [];
  const traits = new Map<string, unknown>();
  const model = {
    get: (k: string) => traits.get(k),
    set: (k: string, v: unknown) => traits.set(k, v),
    save_changes: (cb?: SaveCallbacks) => saved.push(cb),
    on: () => {},
    off: () => {},
    send: () => {},
  } as MapModel;
  const highlighted: number[][] = [];
  const points = { drawn: true, highlight: (idx: number[]) => highlighted.push(idx) } as unknown as PointLayer;
  const state = new MapState();
  state.n = n;
  const root = { dataset: {} } as HTMLElement;
  const sel = new Selection(model, state, points, root, () => {});
  return { sel, saved, traits, highlighted, root };
}

describe("selection: send first, then highlight", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("small selections are sent, then highlighted in the next task", () => {
    const { sel, saved, traits, highlighted, root } = setup(10);
    sel.set(Uint32Array.of(3, 1));
    expect(saved).toEqual([undefined]);
    expect(Array.from(new Uint32Array((traits.get("selection") as DataView).buffer))).toEqual([1, 3]);
    expect(highlighted).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(highlighted).toEqual([[1, 3]]);
    expect(root.dataset.selected).toBe("2");
  });

  it("large selections wait for the kernel's first status reply (once), or at most 2 s", () => {
    const n = 1 << 17;
    const all = Uint32Array.from({ length: n }, (_, i) => i);
    const { sel, saved, highlighted } = setup(n);
    sel.set(all);
    const status = saved[0]?.iopub?.status;
    expect(status).toBeTypeOf("function");
    vi.advanceTimersByTime(500);
    expect(highlighted).toHaveLength(0); // not before the kernel has the message
    status!();
    status!();
    vi.advanceTimersByTime(0);
    expect(highlighted).toHaveLength(1);
    expect(highlighted[0]).toHaveLength(n);
    vi.advanceTimersByTime(5000);
    expect(highlighted).toHaveLength(1);
    // no reply (kernel busy or gone): highlighted anyway after the wait
    sel.set(all.subarray(1));
    vi.advanceTimersByTime(1999);
    expect(highlighted).toHaveLength(1);
    vi.advanceTimersByTime(2); // the wait, then the task it schedules
    expect(highlighted).toHaveLength(2);
  });

  it("without a kernel (the shim) a large selection is highlighted in the next task", () => {
    const n = 1 << 17;
    const highlighted: number[][] = [];
    const points = { drawn: true, highlight: (idx: number[]) => highlighted.push(idx) } as unknown as PointLayer;
    const state = new MapState();
    state.n = n;
    const sel = new Selection(new ShimModel({}), state, points, { dataset: {} } as HTMLElement, () => {});
    sel.set(Uint32Array.from({ length: n }, (_, i) => i));
    vi.advanceTimersByTime(1);
    expect(highlighted).toHaveLength(1);
  });
});
