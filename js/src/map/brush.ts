// Pointer interaction on the plot: clicks, and box / lasso shapes that become selections.
// Pans and zooms are regl-scatterplot's; a press that starts a shape never reaches it.
// `Brush` is the state machine (pure, unit-tested); `bindBrush` feeds it pointer events;
// `shapeSelection` turns a finished shape into point indices (geometry in polygon.ts).

import { type MergeMode, selectInBox, selectInPolygon, type Vertex } from "./polygon";
import { type Extent, screenToData } from "./scales";
import type { Mode } from "./toolbar";

export const CLICK_SLOP = 3; // px a press may move and still count as a click

export type ShapeKind = "box" | "lasso";
export interface Shape {
  kind: ShapeKind;
  /** screen vertices (CSS px from the plot's top-left): box = two corners */
  pts: Vertex[];
  merge: MergeMode;
}
export interface Modifiers {
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** The shape a left press draws in `mode` (null: a click / pan press). Shift lassoes in pan mode. */
export function shapeFor(mode: Mode, mods: Modifiers): ShapeKind | null {
  return mode === "box" ? "box" : mode === "lasso" || mods.shiftKey ? "lasso" : null;
}

/** How a shape combines with the selection: Alt removes, Ctrl/Cmd (or Shift in box/lasso mode) adds. */
export function mergeFor(mode: Mode, mods: Modifiers): MergeMode {
  if (mods.altKey) return "remove";
  return mods.ctrlKey || mods.metaKey || (mode !== "pan" && mods.shiftKey) ? "add" : "replace";
}

export class Brush {
  private press: { x: number; y: number } | null = null;
  private drag: (Shape & { id: number }) | null = null;

  /** The shape being drawn, if any. */
  get shape(): Shape | null {
    return this.drag;
  }

  /** A left press; returns the shape kind it starts (the event is then the brush's alone). */
  down(x: number, y: number, id: number, mode: Mode, mods: Modifiers, ready: boolean): ShapeKind | null {
    this.press = { x, y };
    const kind = shapeFor(mode, mods);
    if (!kind || !ready) return null;
    this.drag = { kind, pts: [[x, y]], merge: mergeFor(mode, mods), id };
    return kind;
  }

  /** Pointer positions of a move; false when no shape of this pointer is being drawn. */
  move(id: number, pts: Vertex[]): boolean {
    const d = this.drag;
    if (!d || d.id !== id) return false;
    for (const pt of pts) extend(d, pt);
    return true;
  }

  /** Release: the finished shape, or null when this pointer drew none. */
  up(id: number, pt: Vertex): Shape | null {
    const d = this.drag;
    if (!d || d.id !== id) return null;
    this.drag = null;
    extend(d, pt);
    return { kind: d.kind, pts: d.pts, merge: d.merge };
  }

  /** Pointer cancelled: true when it dropped a shape. */
  cancel(id: number): boolean {
    if (!this.drag || this.drag.id !== id) return false;
    this.drag = null;
    return true;
  }

  /** Whether a click at (x, y) is one (moved at most CLICK_SLOP px since its press). */
  isClick(x: number, y: number, ready: boolean): boolean {
    if (!this.press || !ready) return false;
    return Math.hypot(x - this.press.x, y - this.press.y) <= CLICK_SLOP;
  }
}

function extend(d: Shape, pt: Vertex): void {
  if (d.kind === "box") d.pts[1] = pt;
  else {
    const last = d.pts[d.pts.length - 1];
    if (last[0] !== pt[0] || last[1] !== pt[1]) d.pts.push(pt);
  }
}

/** SVG path of a shape being drawn. */
export function shapePath(s: Shape): string {
  if (s.kind === "box") {
    const [a, b] = [s.pts[0], s.pts[1] ?? s.pts[0]];
    return `M${a[0]},${a[1]}H${b[0]}V${b[1]}H${a[0]}Z`;
  }
  return `M${s.pts.map((p) => p.join(",")).join("L")}Z`;
}

/**
 * Points inside a finished shape, with the shape in data coordinates; null for a degenerate
 * shape (a box needs two corners, a lasso three vertices).
 */
export function shapeSelection(
  s: Shape,
  coords: Float32Array,
  view: Extent,
  width: number,
  height: number,
  visible?: (i: number) => boolean,
): { hits: Uint32Array; data: Vertex[] } | null {
  const toData = (v: Vertex) => screenToData(view, width, height, v[0], v[1]);
  if (s.kind === "box") {
    if (s.pts.length < 2) return null;
    const a = toData(s.pts[0]);
    const b = toData(s.pts[1]);
    return { hits: selectInBox(coords, a[0], a[1], b[0], b[1], visible), data: [a, b] };
  }
  if (s.pts.length < 3) return null;
  const data = s.pts.map(toData);
  return { hits: selectInPolygon(coords, data, visible), data };
}

export interface BrushHost {
  brush: Brush;
  mode(): Mode;
  ready(): boolean;
  /** any left press (focus the map) */
  pressed(): void;
  /** the pointer moved over the plot (CSS px) */
  pointer(x: number, y: number): void;
  /** a shape started or grew (null: it was cancelled) */
  drawing(shape: Shape | null): void;
  finished(shape: Shape): void;
  click(x: number, y: number, e: MouseEvent): void;
  left(): void;
}

/** Feed the plot's pointer events to the brush (capture phase: before regl-scatterplot). */
export function bindBrush(plot: HTMLElement, host: BrushHost): () => void {
  const cleanups: (() => void)[] = [];
  const add = <K extends keyof HTMLElementEventMap>(t: K, f: (e: HTMLElementEventMap[K]) => void, capture = true) => {
    plot.addEventListener(t, f as EventListener, { capture });
    cleanups.push(() => plot.removeEventListener(t, f as EventListener, { capture }));
  };
  const pos = (e: MouseEvent): Vertex => {
    const r = plot.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const brush = host.brush;
  add("pointerdown", (e) => {
    if (e.button !== 0) return;
    host.pressed();
    const [x, y] = pos(e);
    if (!brush.down(x, y, e.pointerId, host.mode(), e, host.ready())) return;
    // the camera never sees this press: no panning while drawing a shape
    e.preventDefault();
    e.stopPropagation();
    plot.setPointerCapture(e.pointerId);
    host.drawing(brush.shape);
  });
  add("mousedown", (e) => {
    if (brush.shape) e.stopPropagation();
  });
  add("pointermove", (e) => {
    host.pointer(...pos(e));
    if (!brush.shape) return;
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    if (!brush.move(e.pointerId, (events.length ? events : [e]).map(pos))) return;
    e.stopPropagation();
    host.drawing(brush.shape);
  });
  add("pointerup", (e) => {
    const shape = brush.up(e.pointerId, pos(e));
    if (!shape) return;
    e.stopPropagation();
    host.finished(shape);
  });
  add("pointercancel", (e) => {
    if (brush.cancel(e.pointerId)) host.drawing(null);
  });
  add("click", (e) => {
    // regl-scatterplot's own click-to-select must not run: clicks mean focus / coordinate
    e.stopPropagation();
    const [x, y] = pos(e);
    if (brush.isClick(x, y, host.ready())) host.click(x, y, e);
  });
  add("dblclick", (e) => e.stopPropagation());
  add("pointerleave", () => host.left(), false);
  return () => cleanups.forEach((c) => c());
}
