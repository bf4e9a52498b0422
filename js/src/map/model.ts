// The minimal anywidget model interface the map is written against. A live kernel, the
// standalone page and the JupyterLab .mmap viewer all provide it (see ../shim.ts).

export type Callback = (...args: any[]) => void;

/**
 * ipywidgets' optional `save_changes` callbacks (anywidget passes them through):
 * `iopub.status` runs on each kernel status message about the change, the first when the
 * kernel starts handling it, i.e. once the whole message has left the page.
 */
export interface SaveCallbacks {
  iopub?: { status?: (msg?: unknown) => void };
}

export interface MapModel {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(callbacks?: SaveCallbacks): void;
  on(event: string, cb: Callback): void;
  off(event?: string | null, cb?: Callback | null): void;
  send(msg: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

type TypedCtor<T> = { new (buf: ArrayBuffer, off?: number, len?: number): T; BYTES_PER_ELEMENT: number };

/** View a binary trait (DataView / ArrayBuffer / typed array / null) as a typed array. */
export function asTyped<T extends ArrayBufferView>(value: unknown, ctor: TypedCtor<T>): T | null {
  if (value == null) return null;
  let buffer: ArrayBuffer;
  let offset = 0;
  let length: number;
  if (value instanceof ArrayBuffer) {
    buffer = value;
    length = value.byteLength;
  } else if (ArrayBuffer.isView(value)) {
    buffer = value.buffer as ArrayBuffer;
    offset = value.byteOffset;
    length = value.byteLength;
  } else if (typeof value === "object" && typeof (value as { b64?: unknown }).b64 === "string") {
    // a base64 buffer as stored in map documents, in case a host passes it through undecoded
    const bin = atob((value as { b64: string }).b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    buffer = bytes.buffer;
    length = bytes.byteLength;
  } else {
    return null;
  }
  const n = Math.floor(length / ctor.BYTES_PER_ELEMENT);
  if (offset % ctor.BYTES_PER_ELEMENT !== 0) {
    // a misaligned view cannot back a typed array: copy the bytes once
    const copy = new Uint8Array(n * ctor.BYTES_PER_ELEMENT);
    copy.set(new Uint8Array(buffer, offset, n * ctor.BYTES_PER_ELEMENT));
    return new ctor(copy.buffer, 0, n);
  }
  return new ctor(buffer, offset, n);
}

/** A DataView over a fresh copy of a Uint32Array: what anywidget sends as a binary trait. */
export function uint32View(a: Uint32Array): DataView {
  const copy = Uint32Array.from(a);
  return new DataView(copy.buffer);
}
