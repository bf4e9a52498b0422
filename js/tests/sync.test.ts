import { describe, expect, it, vi } from "vitest";
import type { Callback, MapModel } from "../src/map/model";
import { bindTraits, dispatch, save, TRAIT_HANDLERS, type MessageHandlers, type TraitHandlers } from "../src/map/sync";

class FakeModel implements MapModel {
  state = new Map<string, unknown>();
  listeners = new Map<string, Set<Callback>>();
  saves = 0;
  get(name: string) {
    return this.state.get(name);
  }
  set(name: string, value: unknown) {
    this.state.set(name, value);
    this.emit(`change:${name}`);
  }
  save_changes() {
    this.saves++;
  }
  on(event: string, cb: Callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(cb);
  }
  off(event?: string | null, cb?: Callback | null) {
    if (event && cb) this.listeners.get(event)?.delete(cb);
  }
  send() {}
  emit(event: string, ...args: unknown[]) {
    for (const cb of this.listeners.get(event) ?? []) cb(...args);
  }
  count() {
    return [...this.listeners.values()].reduce((a, s) => a + s.size, 0);
  }
}

function handlers() {
  const calls: string[] = [];
  const traits = Object.fromEntries(Object.keys(TRAIT_HANDLERS).map((k) => [k, () => calls.push(k)])) as unknown as TraitHandlers;
  const messages: MessageHandlers = { tooltip: vi.fn(), search: vi.fn(), exportPng: vi.fn() };
  return { calls, traits, messages };
}

describe("trait wiring", () => {
  it("routes every listed trait to its handler, and unbinds all of them", () => {
    const m = new FakeModel();
    const { calls, traits, messages } = handlers();
    const unbind = bindTraits(m, traits, messages);
    for (const [name, names] of Object.entries(TRAIT_HANDLERS))
      for (const t of names) {
        calls.length = 0;
        m.set(t, 1);
        expect(calls, t).toEqual([name]);
      }
    expect(m.count()).toBeGreaterThan(30);
    calls.length = 0;
    unbind();
    expect(m.count()).toBe(0);
    m.set("coords", 2);
    m.emit("msg:custom", { type: "search", count: 1, query: "x" });
    expect(calls).toEqual([]);
    expect(messages.search).not.toHaveBeenCalled();
  });
  it("lists each trait once", () => {
    const all = Object.values(TRAIT_HANDLERS).flat();
    expect(new Set(all).size).toBe(all.length);
  });
  it("dispatches custom messages by type and ignores others", () => {
    const { messages } = handlers();
    dispatch({ type: "tooltip", index: 3, rows: [["a", "b"]] }, messages);
    expect(messages.tooltip).toHaveBeenCalledWith({ type: "tooltip", index: 3, rows: [["a", "b"]] });
    dispatch({ type: "search", count: 2, query: "li" }, messages);
    expect(messages.search).toHaveBeenCalledWith({ type: "search", count: 2, query: "li" });
    dispatch({ type: "export_png", request_id: 5, scale: 2 }, messages);
    expect(messages.exportPng).toHaveBeenCalledWith("5", 2);
    dispatch({ type: "export_png", scale: "big" }, messages);
    expect(messages.exportPng).toHaveBeenLastCalledWith("", 1);
    for (const m of [null, "png", 3, { type: "other" }]) dispatch(m, messages);
    expect(messages.tooltip).toHaveBeenCalledTimes(1);
  });
  it("save sets every trait and sends once", () => {
    const m = new FakeModel();
    save(m, { focused: 3, clicked_coord: [1, 2] });
    expect(m.get("focused")).toBe(3);
    expect(m.get("clicked_coord")).toEqual([1, 2]);
    expect(m.saves).toBe(1);
  });
});
