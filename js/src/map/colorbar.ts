// Vertical colour bar for a continuous colour map with round tick labels.

import { continuousLut, LUT_SIZE } from "./colormaps";
import { formatTick, niceTicks } from "./scales";

export function renderColorbar(el: HTMLElement, title: string, cmap: string, range: [number, number]): void {
  el.replaceChildren();
  el.hidden = false;
  const head = document.createElement("div");
  head.className = "mm-colorbar-title";
  head.textContent = title;
  const body = document.createElement("div");
  body.className = "mm-colorbar-body";
  const c = document.createElement("canvas");
  c.width = 1;
  c.height = LUT_SIZE;
  c.className = "mm-colorbar-canvas";
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", `${title}: colour map ${cmap} from ${formatTick(range[0])} to ${formatTick(range[1])}`);
  const ctx = c.getContext("2d");
  if (ctx) {
    const lut = continuousLut(cmap);
    const img = ctx.createImageData(1, LUT_SIZE);
    for (let i = 0; i < LUT_SIZE; i++) {
      const k = LUT_SIZE - 1 - i; // top = vmax
      img.data.set([lut[3 * k], lut[3 * k + 1], lut[3 * k + 2], 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }
  const ticks = document.createElement("div");
  ticks.className = "mm-colorbar-ticks";
  const [lo, hi] = range;
  // at least three labels: 1-2-5 steps can leave a single one (0.05..9.5 gives only 5)
  let values = niceTicks(lo, hi, 4);
  for (let n = 5; values.length < 3 && n <= 10; n++) values = niceTicks(lo, hi, n);
  for (const t of values) {
    const s = document.createElement("span");
    s.textContent = formatTick(t);
    s.style.top = `${hi === lo ? 50 : (100 * (hi - t)) / (hi - lo)}%`;
    ticks.appendChild(s);
  }
  body.append(c, ticks);
  el.append(head, body);
}
