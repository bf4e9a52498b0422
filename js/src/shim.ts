// A kernel-less stand-in for the anywidget model, so the same render() draws a map in a
// standalone HTML page and in the JupyterLab .mmap viewer. Binary traits become DataViews,
// exactly as anywidget delivers them from a live kernel.

export type Encoded = { dtype: string; shape: number[]; b64: string };
type Callback = (...args: unknown[]) => void;

const CTORS: Record<string, { new (b: ArrayBuffer): ArrayBufferView }> = {
  float32: Float32Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  int32: Int32Array,
};

export function isEncoded(v: unknown): v is Encoded {
  return typeof v === "object" && v !== null && "b64" in v && "dtype" in v;
}

export function decodeBuffer(e: Encoded): DataView {
  if (!(e.dtype in CTORS)) throw new Error(`materials-map: unsupported dtype ${e.dtype}`);
  const bin = atob(e.b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new DataView(bytes.buffer);
}

export class ShimModel {
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

  save_changes(): void {
    // No kernel: state lives in the page only.
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
