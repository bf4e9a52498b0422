// PNG export of the current view: the canvas layers composited over the map's background,
// for the PNG button (download) and for `MapWidget.to_png` ({type: "export_png"} message,
// answered with {type: "png"} and the bytes as a binary buffer).

import type { MapModel } from "./model";

export interface ExportSource {
  root: HTMLElement;
  /** bottom to top */
  canvases: HTMLCanvasElement[];
  /** plot size in CSS px */
  size(): [number, number];
}

/** The view composited onto one canvas, `scale` times the device resolution. */
export function composite(src: ExportSource, scale = 1): HTMLCanvasElement {
  const [width, height] = src.size();
  const out = document.createElement("canvas");
  const dpr = window.devicePixelRatio || 1;
  out.width = Math.round(width * dpr * scale);
  out.height = Math.round(height * dpr * scale);
  const ctx = out.getContext("2d")!;
  ctx.fillStyle = getComputedStyle(src.root).backgroundColor || "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  for (const c of src.canvases) ctx.drawImage(c, 0, 0, out.width, out.height);
  return out;
}

export async function pngBytes(src: ExportSource, scale = 1): Promise<ArrayBuffer> {
  const c = composite(src, scale);
  const blob: Blob = await new Promise((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error("toBlob failed"))), "image/png"));
  return blob.arrayBuffer();
}

export class PngExport {
  private pending = new Set<string>();

  constructor(
    private model: MapModel,
    private src: ExportSource,
  ) {}

  /** Answer an export request from the kernel (once per request id). */
  async send(requestId: string, scale: number): Promise<void> {
    if (this.pending.has(requestId)) return;
    this.pending.add(requestId);
    try {
      const buf = await pngBytes(this.src, scale);
      const [width, height] = this.src.size();
      this.model.send({ type: "png", request_id: requestId, width, height }, undefined, [buf]);
    } catch (err) {
      this.model.send({ type: "png", request_id: requestId, error: String(err) });
    } finally {
      this.pending.delete(requestId);
    }
  }

  async download(name = "materials-map.png"): Promise<void> {
    const buf = await pngBytes(this.src, 1);
    const url = URL.createObjectURL(new Blob([buf], { type: "image/png" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
