// The view: which data rectangle the plot shows. regl-scatterplot's camera works in a
// [-1, 1] square over the padded data domain; the linear scales it updates give the view in
// data coordinates. The view is published to the probe at once and to the `view` trait
// debounced, and a `view` set from Python zooms the camera.

import type { MapModel } from "./model";
import type { PointLayer } from "./points";
import { probe } from "./probe";
import { type Extent, type LinearScale, scaleLinear } from "./scales";
import type { MapState } from "./state";

const VIEW_DEBOUNCE_MS = 120;

/** The regl rectangle (normalised device coordinates) showing `view` of the data `domain`. */
export function viewToNdcRect(view: ArrayLike<number>, domain: Extent): { x: number; y: number; width: number; height: number } {
  const [dx0, dx1, dy0, dy1] = domain;
  const nx0 = (2 * (view[0] - dx0)) / (dx1 - dx0) - 1;
  const nx1 = (2 * (view[1] - dx0)) / (dx1 - dx0) - 1;
  const ny0 = (2 * (view[2] - dy0)) / (dy1 - dy0) - 1;
  const ny1 = (2 * (view[3] - dy0)) / (dy1 - dy0) - 1;
  return { x: Math.min(nx0, nx1), y: Math.min(ny0, ny1), width: Math.abs(nx1 - nx0), height: Math.abs(ny1 - ny0) };
}

/** Point coordinates mapped from the data domain to regl's [-1, 1] square. */
export function normalizeCoords(coords: Float32Array, domain: Extent): { x: Float32Array; y: Float32Array } {
  const n = coords.length >> 1;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const [dx0, dx1, dy0, dy1] = domain;
  for (let i = 0; i < n; i++) {
    x[i] = (2 * (coords[2 * i] - dx0)) / (dx1 - dx0) - 1;
    y[i] = (2 * (coords[2 * i + 1] - dy0)) / (dy1 - dy0) - 1;
  }
  return { x, y };
}

export class Camera {
  xScale: LinearScale = scaleLinear([-1, 1]);
  yScale: LinearScale = scaleLinear([-1, 1]);
  domain: Extent = [-1, 1, -1, 1];
  private sentViews: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private model: MapModel,
    private state: MapState,
    private root: HTMLElement,
    private plot: HTMLElement,
    /** redraw what follows the view (canvas layers, overlay) */
    private redraw: () => void,
  ) {}

  private points!: PointLayer;

  /** The point layer whose camera this follows (created with this camera's scales). */
  attach(points: PointLayer): void {
    this.points = points;
    points.scatter.subscribe("view", () => this.changed());
  }

  /** New data: scales over the (padded) data domain. */
  setDomain(domain: Extent): void {
    this.domain = domain;
    this.xScale = scaleLinear([domain[0], domain[1]]);
    this.yScale = scaleLinear([domain[2], domain[3]]);
    this.points.setScales(this.xScale, this.yScale);
  }

  /** Current view [x0, x1, y0, y1] in data coordinates (plot edges). */
  view(): Extent {
    const [x0, x1] = this.xScale.domain();
    const [y0, y1] = this.yScale.domain();
    return [x0, x1, y0, y1];
  }

  changed(): void {
    this.redraw();
    this.publish();
  }

  private publish(): void {
    const v = this.view();
    // exact doubles (String() round-trips) so tests can map pixels <-> data identically
    probe(this.root, "view", v.map(String).join(","));
    probe(this.root, "size", `${this.state.width},${this.state.height}`);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const cur = this.model.get("view") as number[] | null;
      if (cur && cur.length === 4 && cur.every((c, i) => c === v[i])) return;
      this.sentViews.push(v.join(","));
      if (this.sentViews.length > 8) this.sentViews.shift();
      this.model.set("view", v);
      this.model.save_changes();
    }, VIEW_DEBOUNCE_MS);
  }

  /** Follow the plot's size (whole CSS px); `initial` forces the update. */
  async resize(initial = false): Promise<void> {
    const r = this.plot.getBoundingClientRect();
    const w = Math.max(1, Math.floor(r.width));
    const h = Math.max(1, Math.floor(r.height));
    if (!initial && w === this.state.width && h === this.state.height) return;
    this.state.width = w;
    this.state.height = h;
    // the [-1, 1] square keeps filling the plot (as fit() sets it): a plot that changes shape
    // after the first fit (e.g. the legend row wrapping) would otherwise squeeze the points
    // against the view the scales report
    await this.points.set({ width: w, height: h, aspectRatio: w / h });
    if (this.state.disposed) return;
    this.changed();
  }

  /** Show the whole data domain, filling the plot (one data-aspect per plot shape). */
  fit(): void {
    void this.points.set({ aspectRatio: this.state.width / this.state.height }).then(() => {
      if (this.state.disposed) return;
      void this.points.scatter.reset();
      this.changed();
    });
  }

  /** Zoom to the `view` trait when Python set it (not when it echoes one we sent). */
  applyTrait(): void {
    const v = this.model.get("view") as number[] | null;
    if (!this.state.ready || !v || v.length !== 4) return;
    if (this.sentViews.includes(v.join(","))) return;
    const cur = this.view();
    if (v.every((c, i) => Math.abs(c - cur[i]) <= 1e-9 * Math.max(1, Math.abs(c)))) return;
    void this.points.scatter.zoomToArea(viewToNdcRect(v, this.domain));
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
