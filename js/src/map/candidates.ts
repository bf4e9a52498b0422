// The candidate layer: materials proposed for a coordinate (traits `candidates`,
// `candidate_labels`, `show_candidates`, `focused_candidate`), drawn as diamonds in the
// overlay's SVG above the points, with a legend toggle. The SVG takes no pointer events:
// view.ts asks `hit` on a click, so brushing and panning work over the markers too.

import { el, SVG_NS } from "./dom";
import { asTyped, type MapModel } from "./model";
import { probe } from "./probe";
import { dataToScreen, type Extent } from "./scales";
import { save } from "./sync";

/** Marker colour: magenta, outside the categorical palettes and the continuous colour maps. */
export const CANDIDATE_COLOR = "#ff00ff";
/** Half-diagonal of a diamond in CSS px (the picked one is drawn larger). */
export const CANDIDATE_RADIUS = 6;

/** SVG path of a diamond centred on (x, y). */
export function diamond(x: number, y: number, r: number): string {
  return `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`;
}

/** Index of the diamond of half-diagonal `r` (screen px) around interleaved data points `xy`
 * that contains screen point (x, y), the nearest in L1 distance when several do; -1: none. */
export function diamondAt(
  xy: Float32Array,
  toScreen: (x: number, y: number) => [number, number],
  x: number,
  y: number,
  r: number,
): number {
  let best = -1;
  let bestD = r;
  for (let i = 0; i < xy.length >> 1; i++) {
    const [sx, sy] = toScreen(xy[2 * i], xy[2 * i + 1]);
    const d = Math.abs(sx - x) + Math.abs(sy - y); // a diamond is an L1 ball
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

export class CandidateLayer {
  readonly group = document.createElementNS(SVG_NS, "g");
  readonly toggle = el("button", "mm-legend-item mm-candidate-toggle", { type: "button" });
  private xy = new Float32Array(0);
  private labels: string[] = [];

  constructor(
    private model: MapModel,
    svg: SVGSVGElement,
    private root: HTMLElement,
  ) {
    this.group.setAttribute("class", "mm-candidates");
    svg.appendChild(this.group);
    this.toggle.addEventListener("click", () => {
      save(this.model, { show_candidates: !this.shown() });
      this.read();
    });
    this.read();
  }

  get count(): number {
    return this.xy.length >> 1;
  }

  private shown(): boolean {
    return this.model.get("show_candidates") !== false;
  }

  /** Read the traits (call on any change of them), then `draw`. */
  read(): void {
    this.xy = asTyped(this.model.get("candidates"), Float32Array) ?? new Float32Array(0);
    const labels = this.model.get("candidate_labels");
    this.labels = Array.isArray(labels) ? labels.map(String) : [];
    const n = this.count;
    const on = this.shown();
    this.toggle.hidden = n === 0;
    this.toggle.setAttribute("aria-pressed", String(on));
    this.toggle.title = `${on ? "Hide" : "Show"} the proposed candidates`;
    this.toggle.classList.toggle("mm-hidden", !on);
    const sw = el("span", "mm-swatch");
    sw.style.background = CANDIDATE_COLOR;
    sw.style.transform = "rotate(45deg) scale(0.8)";
    const label = el("span");
    label.textContent = `candidates (${n})`;
    this.toggle.replaceChildren(sw, label);
  }

  /** Position the markers for the current view (plot size `w` x `h` CSS px). */
  draw(view: Extent, w: number, h: number): void {
    const n = this.count;
    const on = this.shown();
    const focused = Number(this.model.get("focused_candidate") ?? -1);
    const paths: SVGPathElement[] = [];
    if (on) {
      for (let i = 0; i < n; i++) {
        const [sx, sy] = dataToScreen(view, w, h, this.xy[2 * i], this.xy[2 * i + 1]);
        const p = document.createElementNS(SVG_NS, "path");
        const picked = i === focused;
        p.setAttribute("d", diamond(sx, sy, picked ? CANDIDATE_RADIUS + 3 : CANDIDATE_RADIUS));
        p.setAttribute("fill", CANDIDATE_COLOR);
        p.setAttribute("stroke", picked ? "#000000" : "#ffffff");
        p.setAttribute("stroke-width", picked ? "2" : "1.5");
        p.dataset.index = String(i);
        if (this.labels[i]) p.setAttribute("aria-label", this.labels[i]);
        paths.push(p);
      }
      if (focused >= 0 && focused < paths.length) paths.push(paths.splice(focused, 1)[0]); // on top
    }
    this.group.replaceChildren(...paths);
    probe(this.root, "candidates", paths.length);
  }

  /** Index of the marker under screen point (x, y), or -1. */
  hit(x: number, y: number, view: Extent, w: number, h: number): number {
    if (!this.shown()) return -1;
    return diamondAt(this.xy, (dx, dy) => dataToScreen(view, w, h, dx, dy), x, y, CANDIDATE_RADIUS + 3);
  }

  /** Hover text of candidate i ('' when none). */
  label(i: number): string {
    return this.labels[i] ?? "";
  }
}
