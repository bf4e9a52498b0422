// Marker shapes: a grouping of the points independent of their colour (e.g. `source`: real,
// measured materials against generated candidates). Each group gets an outline shape, drawn
// by halo.ts around the point on the layer canvas, and a legend entry that hides / shows it.
// Code k -> MARKER_SHAPES[k] (materials_map/widgets/map/markers.py uses the same order).

import { asTyped, type MapModel } from "./model";

export const MARKER_SHAPES = ["circle", "square", "diamond", "triangle"] as const;
export type MarkerShape = (typeof MARKER_SHAPES)[number];

export function markerShape(code: number): MarkerShape {
  return MARKER_SHAPES[code] ?? "circle";
}

/** The `markers` trait (uint8 codes), or null when absent or of the wrong length. */
export function readMarkers(model: MapModel, n: number): Uint8Array | null {
  const m = asTyped(model.get("markers"), Uint8Array);
  return m && m.length === n ? m : null;
}

export function hiddenMarkers(model: MapModel): Set<number> {
  return new Set(((model.get("hidden_markers") as number[]) ?? []).map(Number));
}

/** Add the outline of `shape` centred on (cx, cy) to the current path; `r` is the radius of
 * the circle the shape is drawn around (square and diamond enclose it with margin, so their
 * corners stand out of a round point). */
export function traceMarker(ctx: CanvasRenderingContext2D | Path2D, shape: MarkerShape, cx: number, cy: number, r: number): void {
  if (shape === "square") {
    const h = r * 1.05;
    ctx.moveTo(cx - h, cy - h);
    ctx.lineTo(cx + h, cy - h);
    ctx.lineTo(cx + h, cy + h);
    ctx.lineTo(cx - h, cy + h);
    ctx.closePath();
  } else if (shape === "diamond") {
    const h = r * 1.5;
    ctx.moveTo(cx, cy - h);
    ctx.lineTo(cx + h, cy);
    ctx.lineTo(cx, cy + h);
    ctx.lineTo(cx - h, cy);
    ctx.closePath();
  } else if (shape === "triangle") {
    const h = r * 2;
    ctx.moveTo(cx, cy - h);
    ctx.lineTo(cx + h * 0.866, cy + h / 2);
    ctx.lineTo(cx - h * 0.866, cy + h / 2);
    ctx.closePath();
  } else {
    ctx.moveTo(cx + r, cy);
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  }
}

/** A small canvas showing the shape (legend swatch). */
export function markerSwatch(code: number): HTMLElement {
  const size = 14;
  const c = document.createElement("canvas");
  const dpr = window.devicePixelRatio || 1;
  c.width = c.height = Math.round(size * dpr);
  c.className = "mm-marker-swatch";
  c.dataset.shape = markerShape(code);
  c.style.width = c.style.height = `${size}px`;
  const ctx = c.getContext("2d");
  if (ctx) {
    ctx.scale(dpr, dpr);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = getComputedStyle(document.body).color || "#333";
    ctx.beginPath();
    traceMarker(ctx, markerShape(code), size / 2, size / 2 + (code === 3 ? 1.5 : 0), 3.6);
    ctx.stroke();
  }
  return c;
}
