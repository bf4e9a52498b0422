// What is drawn over the points in the DOM: the box / lasso being drawn and the focus ring
// (SVG), and the hover tooltip.

import { type Shape, shapePath } from "./brush";
import { el, SVG_NS } from "./dom";
import { probe } from "./probe";
import { dataToScreen, type Extent } from "./scales";
import type { MapState } from "./state";
import { renderTooltip, type Row, type TooltipSource } from "./tooltip";

const SHAPE_LINGER_MS = 400;

function fmtCoord(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

export class Overlay {
  readonly svg = document.createElementNS(SVG_NS, "svg");
  readonly tooltip = el("div", "mm-tooltip", { role: "tooltip" });
  private path = document.createElementNS(SVG_NS, "path");
  private ring = document.createElementNS(SVG_NS, "circle");
  private hovered = -1;
  /** last pointer position over the plot (CSS px) */
  pointer: [number, number] = [0, 0];

  constructor(
    private root: HTMLElement,
    private state: MapState,
    private tooltips: TooltipSource,
  ) {
    this.path.setAttribute("class", "mm-shape");
    this.ring.setAttribute("class", "mm-focus");
    this.ring.setAttribute("visibility", "hidden");
    this.svg.append(this.path, this.ring);
    this.tooltip.hidden = true;
  }

  /** Draw the shape being brushed. */
  shape(s: Shape): void {
    this.path.setAttribute("d", shapePath(s));
  }

  /** Clear the shape a moment after it was used, unless a new one is being drawn by then. */
  clearShapeSoon(drawing: () => boolean): void {
    setTimeout(() => {
      if (!drawing()) this.path.setAttribute("d", "");
    }, SHAPE_LINGER_MS);
  }

  /** Ring around point `f` (hidden for -1, hidden or out-of-range points). */
  focus(f: number, view: Extent, pointSize: number): void {
    const s = this.state;
    if (f >= 0 && f < s.n && s.isVisible(f)) {
      const [sx, sy] = dataToScreen(view, s.width, s.height, s.coords[2 * f], s.coords[2 * f + 1]);
      this.ring.setAttribute("cx", String(sx));
      this.ring.setAttribute("cy", String(sy));
      this.ring.setAttribute("r", String(pointSize / 2 + 5));
      this.ring.setAttribute("visibility", "visible");
    } else {
      this.ring.setAttribute("visibility", "hidden");
    }
  }

  /** Tooltip for point i (-1: none): index and coordinates at once, table rows when they come. */
  hover(i: number, brushing: boolean): void {
    this.hovered = i;
    if (i < 0 || brushing) {
      this.hideTooltip();
      return;
    }
    const c = this.state.coords;
    const title = `#${i}  (${fmtCoord(c[2 * i])}, ${fmtCoord(c[2 * i + 1])})`;
    renderTooltip(this.tooltip, title, []);
    this.place();
    this.tooltips.fetch(i, (rows: Row[]) => {
      if (this.hovered !== i) return;
      renderTooltip(this.tooltip, title, rows);
      this.place();
    });
  }

  hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private place(): void {
    const t = this.tooltip;
    const { width, height } = this.state;
    t.hidden = false;
    const [x, y] = this.pointer;
    const left = x + 14 + t.offsetWidth > width ? x - 14 - t.offsetWidth : x + 14;
    const top = y + 14 + t.offsetHeight > height ? Math.max(0, y - 14 - t.offsetHeight) : y + 14;
    t.style.left = `${Math.max(0, left)}px`;
    t.style.top = `${top}px`;
    probe(this.root, "hovered", this.hovered);
  }
}
