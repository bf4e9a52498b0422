// Round-number tick labels along the plot's bottom and left edges (x_comp, x_struct), for the
// current view: readers can say where a material or a clicked coordinate is. DOM spans over the
// canvases (text stays crisp and selectable), redrawn with the layers on every view change.

import { el } from "./dom";
import { dataToScreen, type Extent, formatTick, niceTicks } from "./scales";

/** px between x labels / y labels (sets how many round values are asked for) */
const X_SPACING = 90;
const Y_SPACING = 60;
/** labels closer than this to the plot's edge are left out (they would be cut) */
const EDGE = 12;

export class AxisTicks {
  readonly el = el("div", "mm-ticks", { "aria-hidden": "true" });

  render(view: Extent, width: number, height: number): void {
    const spans: HTMLSpanElement[] = [];
    const xs = niceTicks(view[0], view[1], Math.max(2, Math.floor(width / X_SPACING)));
    for (const t of xs) {
      const [px] = dataToScreen(view, width, height, t, view[2]);
      if (px < EDGE || px > width - EDGE) continue;
      spans.push(this.label("x", t, `left:${px}px`));
    }
    const ys = niceTicks(view[2], view[3], Math.max(2, Math.floor(height / Y_SPACING)));
    for (const t of ys) {
      const [, py] = dataToScreen(view, width, height, view[0], t);
      if (py < EDGE || py > height - EDGE) continue;
      spans.push(this.label("y", t, `top:${py}px`));
    }
    this.el.replaceChildren(...spans);
  }

  private label(axis: "x" | "y", value: number, position: string): HTMLSpanElement {
    const s = el("span", `mm-tick mm-tick-${axis}`, { "data-value": String(value), style: position });
    s.textContent = formatTick(value);
    return s;
  }
}
