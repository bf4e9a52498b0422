// A kernel-less stand-in for the anywidget model, so the same render() draws a map in a
// standalone HTML page and in the JupyterLab .mmap viewer. Binary traits become DataViews,
// exactly as anywidget delivers them from a live kernel.

import type { MapModel, SaveCallbacks } from "./map/model";

// A binary trait in a saved document: base64 of the raw little-endian bytes.
export type Encoded = { b64: string };
type Callback = (...args: unknown[]) => void;

export function isEncoded(v: unknown): v is Encoded {
  return typeof v === "object" && v !== null && Object.keys(v).length === 1 && "b64" in v;
}

export function decodeBuffer(e: Encoded): DataView {
  const bin = atob(e.b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new DataView(bytes.buffer);
}

export class ShimModel implements MapModel {
  private state: Map<string, unknown> = new Map();
  private listeners: Map<string, Set<Callback>> = new Map();

  constructor(traits: Record<string, unknown>) {
    for (const [k, v] of Object.entries(traits)) this.state.set(k, isEncoded(v) ? decodeBuffer(v) : v);
  }

  get(name: string): unknown {
    return this.state.get(name);
  }

  set(name: string, value: unknown): void {
    this.state.set(name, value);
    this.emit(`change:${name}`, value);
  }

  save_changes(callbacks?: SaveCallbacks): void {
    // No kernel: state lives in the page only, so nothing is in flight.
    callbacks?.iopub?.status?.();
  }

  on(event: string, cb: Callback): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(cb);
  }

  off(event?: string, cb?: Callback): void {
    if (!event) this.listeners.clear();
    else if (!cb) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(cb);
  }

  send(): void {
    // Custom messages have no receiver without a kernel; features must degrade gracefully.
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const cb of this.listeners.get(event) ?? []) cb(...args);
  }
}
