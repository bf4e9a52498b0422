// Outlines under the points, drawn on the 2-D layer canvas (regl-scatterplot outlines only
// selected points). Points are coloured with the same colour map as the background, so a
// point whose value matches the prediction around it would vanish; the paper draws outlined
// points. A two-tone ring — dark inside, light outside — stands out on any colour of the map
// (dark ring on the light end of viridis, light ring on the dark end).

import { markerShape, traceMarker } from "./markers";
import { dataToScreen, type Extent } from "./scales";

/** Above this many visible points the rings cost more than they help (density takes over). */
export const HALO_MAX_POINTS = 20_000;
/** width of each ring in CSS px */
export const HALO_RING = 1.5;
export const HALO_DARK = "rgb(15, 15, 15)";
export const HALO_LIGHT = "rgb(255, 255, 255)";

export interface HaloInput {
  coords: Float32Array;
  n: number;
  isVisible: (i: number) => boolean;
  /** point diameter in CSS px */
  pointSize: number;
  /** per-point marker codes (markers.ts): the outline's shape; absent: every ring a circle */
  markers?: Uint8Array | null;
}

/** Draw the rings of the visible points inside `view`; returns how many were drawn. */
export function drawHalos(ctx: CanvasRenderingContext2D, view: Extent, width: number, height: number, p: HaloInput): number {
  const r = p.pointSize / 2;
  const reach = r + 2 * HALO_RING;
  const centres: number[] = [];
  const codes: number[] = [];
  const markers = p.markers && p.markers.length >= p.n ? p.markers : null;
  for (let i = 0; i < p.n; i++) {
    if (!p.isVisible(i)) continue;
    const x = p.coords[2 * i];
    const y = p.coords[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const [px, py] = dataToScreen(view, width, height, x, y);
    if (px < -reach || py < -reach || px > width + reach || py > height + reach) continue;
    centres.push(px, py);
    codes.push(markers ? markers[i] : 0);
    if (centres.length > 2 * HALO_MAX_POINTS) return 0;
  }
  ctx.save();
  ctx.lineWidth = HALO_RING;
  // light ring outside first, then the dark ring inside it
  for (const [colour, radius] of [
    [HALO_LIGHT, r + 1.5 * HALO_RING],
    [HALO_DARK, r + 0.5 * HALO_RING],
  ] as const) {
    ctx.strokeStyle = colour;
    ctx.beginPath();
    for (let k = 0; k < centres.length; k += 2) traceMarker(ctx, markerShape(codes[k >> 1]), centres[k], centres[k + 1], radius);
    ctx.stroke();
  }
  ctx.restore();
  return centres.length / 2;
}
