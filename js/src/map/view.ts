// The map component: WebGL points (regl-scatterplot) over a 2-D canvas with the background
// grid and density contours, an SVG overlay for box/lasso shapes and the focus ring, plus
// toolbar, colour bars, legend, tooltip and status line. Written against the minimal model
// interface (model.ts) so it runs in a kernel, in a standalone page and in the file viewer.

import createScatterplot from "regl-scatterplot";
import { renderColorbar } from "./colorbar";
import {
  CONTINUOUS_NAMES,
  categoricalPalette,
  continuousHexList,
  finiteRange,
  LUT_SIZE,
  lutIndex,
  NAN_RGB,
  rgbToHex,
} from "./colormaps";
import { densityContours, densityGrid, type Ring } from "./density";
import { HeatmapLayer } from "./heatmap";
import { renderLegend } from "./legend";
import { asTyped, type MapModel, uint32View } from "./model";
import {
  mergeSelection,
  type MergeMode,
  nearestPoint,
  sameIndices,
  selectInBox,
  selectInPolygon,
  type Vertex,
} from "./polygon";
import {
  coordsExtent,
  dataToScreen,
  type Extent,
  type LinearScale,
  padExtent,
  scaleLinear,
  screenToData,
  unionExtent,
} from "./scales";
import { renderTooltip, TooltipSource, type Row } from "./tooltip";
import { searchTable } from "./search";

const SVG = "http://www.w3.org/2000/svg";
const ACTIVE_COLOR = "#ff00aa";
const PLAIN_COLOR = "#3b75af";
const CLICK_SLOP = 3; // px a press may move and still count as a click

type Mode = "pan" | "box" | "lasso";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, attrs: Record<string, string> = {}) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function hoverColor(): string {
  return isDark() ? "#ffffff" : "#000000";
}

function isDark(): boolean {
  const light = document.body?.dataset?.jpThemeLight;
  if (light !== undefined) return light === "false";
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

export class MapView {
  readonly root: HTMLDivElement;
  private plot: HTMLDivElement;
  private layerCanvas: HTMLCanvasElement;
  private pointCanvas: HTMLCanvasElement;
  private svg: SVGSVGElement;
  private shapePath: SVGPathElement;
  private focusRing: SVGCircleElement;
  private tooltipEl: HTMLDivElement;
  private statusEl: HTMLDivElement;
  private side: HTMLDivElement;
  private colorbarEl: HTMLDivElement;
  private heatbarEl: HTMLDivElement;
  private legendEl: HTMLDivElement;
  private modeButtons = new Map<Mode, HTMLButtonElement>();
  private cmapSelect: HTMLSelectElement;
  private colorSelect: HTMLSelectElement;
  private searchInput: HTMLInputElement;
  private densityButton: HTMLButtonElement;
  private heatmapButton: HTMLButtonElement;

  private scatter: ReturnType<typeof createScatterplot>;
  private xScale: LinearScale;
  private yScale: LinearScale;
  private dataDomain: Extent = [-1, 1, -1, 1];
  private width = 1;
  private height = 1;
  private ready = false;
  private disposed = false;

  private coords = new Float32Array(0);
  private n = 0;
  private categories: Uint8Array | Uint16Array | null = null;
  private visible: Uint8Array | null = null;
  private selection: Uint32Array = new Uint32Array(0);
  private colorRange: [number, number] = [0, 1];
  private nColors = 1;
  private loadStart = 0;
  private sentViews: string[] = [];
  private heatmap = new HeatmapLayer();
  private contours: Ring[][] = [];
  private tooltips: TooltipSource;
  private hovered = -1;
  private pointer: [number, number] = [0, 0];
  private press: { x: number; y: number; id: number } | null = null;
  private drag: { kind: "box" | "lasso"; pts: Vertex[]; merge: MergeMode; id: number } | null = null;
  private viewTimer: ReturnType<typeof setTimeout> | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private pendingPng = new Map<string, true>();
  private listeners: [string, (...a: any[]) => void][] = [];
  private cleanups: (() => void)[] = [];

  constructor(
    private model: MapModel,
    host: HTMLElement,
  ) {
    this.tooltips = new TooltipSource(model);
    const title = String(model.get("title") || "Materials map");
    this.root = el("div", "mm-root", {
      role: "application",
      tabindex: "0",
      // keys typed into the map are the map's, not JupyterLab's notebook shortcuts
      "data-lm-suppress-shortcuts": "true",
      "aria-label": `${title}. Drag to pan, wheel to zoom, B box select, L lasso, P pan, Escape clears the selection.`,
    });
    // toolbar
    const bar = el("div", "mm-toolbar", { role: "toolbar", "aria-label": "Map tools" });
    for (const [mode, label, key] of [
      ["pan", "Pan", "P"],
      ["box", "Box", "B"],
      ["lasso", "Lasso", "L"],
    ] as [Mode, string, string][]) {
      const b = el("button", "mm-mode", { type: "button", "data-mode": mode, "aria-pressed": "false", title: `${label} (${key})` });
      b.textContent = label;
      b.addEventListener("click", () => this.setMode(mode, true));
      this.modeButtons.set(mode, b);
      bar.appendChild(b);
    }
    bar.appendChild(el("span", "mm-sep"));
    this.searchInput = el("input", "mm-search", {
      type: "search",
      placeholder: "formula or id",
      "aria-label": "Search points by formula or id (Enter selects matches)",
    });
    this.searchInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") this.search(this.searchInput.value);
      if (e.key === "Escape") this.searchInput.value = "";
      e.stopPropagation();
    });
    bar.appendChild(this.searchInput);
    bar.appendChild(el("span", "mm-sep"));
    this.colorSelect = el("select", "mm-color-select", { "aria-label": "Colour points by" });
    this.colorSelect.addEventListener("change", () => {
      this.model.set("color", this.colorSelect.value);
      this.model.save_changes();
    });
    this.cmapSelect = el("select", "mm-cmap-select", { "aria-label": "Colour map" });
    for (const name of CONTINUOUS_NAMES) this.cmapSelect.appendChild(new Option(name, name));
    this.cmapSelect.addEventListener("change", () => {
      this.model.set("colormap", this.cmapSelect.value);
      this.model.save_changes();
      this.updateColors();
    });
    bar.append(this.colorSelect, this.cmapSelect);
    bar.appendChild(el("span", "mm-sep"));
    this.heatmapButton = this.toggleButton("Background", "show_heatmap", "Show the model's prediction grid");
    this.densityButton = this.toggleButton("Density", "show_density", "Show point-density contours");
    const reset = el("button", "mm-reset", { type: "button", title: "Reset view (R)" });
    reset.textContent = "Reset";
    reset.addEventListener("click", () => this.resetView());
    const png = el("button", "mm-png", { type: "button", title: "Download the current view as PNG" });
    png.textContent = "PNG";
    png.addEventListener("click", () => this.downloadPng());
    bar.append(this.heatmapButton, this.densityButton, reset, png);
    // plot
    const body = el("div", "mm-body");
    this.plot = el("div", "mm-plot");
    this.layerCanvas = el("canvas", "mm-layers", { "aria-hidden": "true" });
    this.pointCanvas = el("canvas", "mm-points", { "aria-hidden": "true" });
    this.svg = document.createElementNS(SVG, "svg");
    this.shapePath = document.createElementNS(SVG, "path");
    this.shapePath.setAttribute("class", "mm-shape");
    this.focusRing = document.createElementNS(SVG, "circle");
    this.focusRing.setAttribute("class", "mm-focus");
    this.focusRing.setAttribute("visibility", "hidden");
    this.svg.append(this.shapePath, this.focusRing);
    this.tooltipEl = el("div", "mm-tooltip", { role: "tooltip" });
    this.tooltipEl.hidden = true;
    const xl = el("div", "mm-axis mm-axis-x");
    xl.textContent = String(model.get("x_label") ?? "");
    const yl = el("div", "mm-axis mm-axis-y");
    yl.textContent = String(model.get("y_label") ?? "");
    this.plot.append(this.layerCanvas, this.pointCanvas, this.svg, xl, yl, this.tooltipEl);
    this.side = el("div", "mm-side");
    this.colorbarEl = el("div", "mm-colorbar");
    this.heatbarEl = el("div", "mm-colorbar mm-heatbar");
    this.legendEl = el("div", "mm-legend");
    this.side.append(this.colorbarEl, this.heatbarEl, this.legendEl);
    body.append(this.plot, this.side);
    this.statusEl = el("div", "mm-status", { "aria-live": "polite" });
    this.root.append(bar, body, this.statusEl);
    host.appendChild(this.root);
    this.applyHeight();

    this.xScale = scaleLinear([-1, 1]);
    this.yScale = scaleLinear([-1, 1]);
    this.scatter = createScatterplot({
      canvas: this.pointCanvas,
      width: 1,
      height: 1,
      xScale: this.xScale,
      yScale: this.yScale,
      backgroundColor: [0, 0, 0, 0],
      pointSize: num(model.get("point_size"), 4),
      opacity: num(model.get("opacity"), 0.85),
      pointColorActive: ACTIVE_COLOR,
      pointColorHover: hoverColor(),
      pointOutlineWidth: 2,
      pointSizeSelected: 2,
      opacityInactiveScale: 0.6,
      actionKeyMap: {}, // box/lasso are ours (exact, pointer-event based)
      deselectOnDblClick: false,
      deselectOnEscape: false,
      lassoInitiator: false,
    } as never);
    this.scatter.subscribe("view", () => this.onView());
    this.scatter.subscribe("pointOver", (i: number) => this.onHover(i));
    this.scatter.subscribe("pointOut", () => this.onHover(-1));

    this.bindPointer();
    this.bindKeys();
    this.bindModel();
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.plot);
    this.cleanups.push(() => ro.disconnect());
    const themeObs = new MutationObserver(() => this.onTheme());
    if (document.body) themeObs.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    this.cleanups.push(() => themeObs.disconnect());

    this.setMode((model.get("mode") as Mode) || "pan", false);
    this.syncToggles();
    this.loadAll();
  }

  // ---------------------------------------------------------------- model wiring
  private on(event: string, cb: (...a: any[]) => void): void {
    this.model.on(event, cb);
    this.listeners.push([event, cb]);
  }

  private bindModel(): void {
    this.on("change:coords", () => this.loadAll());
    for (const t of ["values", "vmin", "vmax", "color_by", "category_palette", "categories", "categories_dtype"])
      this.on(`change:${t}`, () => {
        this.readCategories();
        this.updateColors(true);
      });
    this.on("change:colormap", () => this.updateColors());
    this.on("change:color_label", () => this.updateColors());
    this.on("change:category_names", () => this.renderSide());
    this.on("change:hidden_categories", () => this.applyFilter());
    this.on("change:selection", () => this.readSelection());
    this.on("change:focused", () => this.drawOverlay());
    this.on("change:view", () => this.applyViewTrait());
    for (const t of ["heatmap", "heatmap_shape", "heatmap_extent", "heatmap_colormap", "heatmap_vmin", "heatmap_vmax"])
      this.on(`change:${t}`, () => this.readHeatmap());
    for (const t of ["heatmap_opacity", "heatmap_label", "show_heatmap"])
      this.on(`change:${t}`, () => {
        this.syncToggles();
        this.drawLayers();
        this.renderSide();
      });
    this.on("change:show_density", () => {
      this.syncToggles();
      this.computeDensity();
      this.drawLayers();
    });
    this.on("change:point_size", () => this.scatter.set({ pointSize: num(this.model.get("point_size"), 4) }));
    this.on("change:opacity", () => this.applyOpacity());
    this.on("change:density_opacity", () => this.applyOpacity());
    this.on("change:mode", () => this.setMode(this.model.get("mode") as Mode, false));
    this.on("change:height", () => this.applyHeight());
    this.on("change:tooltip_table", () => this.tooltips.clear());
    this.on("change:color_columns", () => this.syncColorSelect());
    this.on("change:color", () => this.syncColorSelect());
    this.on("msg:custom", (msg: any, buffers: unknown[]) => this.onCustom(msg, buffers));
  }

  private onCustom(msg: any, _buffers: unknown[]): void {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "tooltip") {
      this.tooltips.receive(msg);
    } else if (msg.type === "search") {
      this.status(`${msg.count} match${msg.count === 1 ? "" : "es"} for “${msg.query}”`);
      if (this.searchTimer) clearTimeout(this.searchTimer);
    } else if (msg.type === "export_png") {
      void this.sendPng(String(msg.request_id ?? ""), num(msg.scale, 1));
    }
  }

  // ---------------------------------------------------------------- data
  private loadAll(): void {
    const coords = asTyped(this.model.get("coords"), Float32Array) ?? new Float32Array(0);
    this.coords = coords;
    this.n = coords.length >> 1;
    this.readCategories();
    this.readHeatmapSpec();
    const ext = unionExtent(coordsExtent(coords), this.heatmapExtent());
    this.dataDomain = padExtent(ext ?? [-1, 1, -1, 1]);
    this.xScale = scaleLinear([this.dataDomain[0], this.dataDomain[1]]);
    this.yScale = scaleLinear([this.dataDomain[2], this.dataDomain[3]]);
    this.scatter.set({ xScale: this.xScale, yScale: this.yScale } as never);
    this.readSelectionState();
    this.visible = null;
    this.loadStart = performance.now();
    this.ready = false;
    this.root.dataset.ready = "false";
    void this.resize(true).then(() => this.drawPoints(false));
  }

  private heatmapExtent(): Extent | null {
    const e = this.model.get("heatmap_extent") as number[] | null;
    return this.model.get("heatmap") && Array.isArray(e) && e.length === 4 ? (e as Extent) : null;
  }

  private readCategories(): void {
    const dtype = this.model.get("categories_dtype") === "uint16" ? Uint16Array : Uint8Array;
    const c = asTyped(this.model.get("categories"), dtype as typeof Uint8Array);
    this.categories = c && c.length === this.n ? c : null;
  }

  /** Colour index per point (categorical codes for regl): LUT index, NaN slot, or category. */
  private colorCodes(): { codes: Float32Array; colors: string[] } {
    const codes = new Float32Array(this.n);
    const byCat = this.model.get("color_by") === "category" && this.categories;
    const values = asTyped(this.model.get("values"), Float32Array);
    if (byCat && this.categories) {
      const names = (this.model.get("category_names") as string[]) ?? [];
      let k = names.length;
      for (let i = 0; i < this.n; i++) {
        codes[i] = this.categories[i];
        if (this.categories[i] >= k) k = this.categories[i] + 1;
      }
      return { codes, colors: categoricalPalette(String(this.model.get("category_palette") || "okabe-ito"), Math.max(k, 1)) };
    }
    if (values && values.length === this.n) {
      const auto = finiteRange(values);
      const vmin = num(this.model.get("vmin"), auto[0]);
      const vmax = num(this.model.get("vmax"), auto[1]);
      this.colorRange = [vmin, vmax];
      for (let i = 0; i < this.n; i++) {
        const k = lutIndex(values[i], vmin, vmax);
        codes[i] = k < 0 ? LUT_SIZE : k;
      }
      return { codes, colors: [...continuousHexList(String(this.model.get("colormap") || "viridis")), rgbToHex(...NAN_RGB)] };
    }
    return { codes, colors: [PLAIN_COLOR] };
  }

  private async drawPoints(reuseIndex: boolean): Promise<void> {
    const { codes, colors } = this.colorCodes();
    const x = new Float32Array(this.n);
    const y = new Float32Array(this.n);
    const [dx0, dx1, dy0, dy1] = this.dataDomain;
    for (let i = 0; i < this.n; i++) {
      x[i] = (2 * (this.coords[2 * i] - dx0)) / (dx1 - dx0) - 1;
      y[i] = (2 * (this.coords[2 * i + 1] - dy0)) / (dy1 - dy0) - 1;
    }
    // regl-scatterplot uses per-colour active/hover lists only when their lengths match
    this.nColors = colors.length;
    this.scatter.set({
      pointColor: colors,
      pointColorActive: colors.map(() => ACTIVE_COLOR),
      pointColorHover: colors.map(() => hoverColor()),
      colorBy: "valueA",
    } as never);
    const opts: Record<string, unknown> = { zDataType: "categorical" };
    if (reuseIndex && this.scatter.get("spatialIndex" as never)) opts.spatialIndex = this.scatter.get("spatialIndex" as never);
    await this.scatter.draw({ x, y, valueA: codes } as never, opts as never);
    if (this.disposed) return;
    this.applyOpacity();
    this.applyFilter(false);
    this.highlightSelection();
    if (!reuseIndex) {
      this.computeDensity();
      this.fitView();
      this.applyViewTrait();
    }
    this.renderSide();
    this.syncColorSelect();
    if (!reuseIndex) {
      // time from receiving the coordinates to the first frame with every point on it
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      this.root.dataset.renderMs = String(performance.now() - this.loadStart);
    }
    this.ready = true;
    this.root.dataset.ready = "true";
    this.root.dataset.points = String(this.n);
    this.root.dispatchEvent(new CustomEvent("mm-ready"));
  }

  private updateColors(values = false): void {
    if (!this.ready) return;
    this.cmapSelect.value = String(this.model.get("colormap") || "viridis");
    if (values || this.model.get("color_by") !== "category") void this.drawPoints(true);
    this.renderSide();
  }

  private applyOpacity(): void {
    const densityOn = !!this.model.get("density_opacity");
    this.scatter.set({ opacity: num(this.model.get("opacity"), 0.85), opacityBy: densityOn ? "density" : null } as never);
  }

  // ---------------------------------------------------------------- categories / legend
  private hiddenSet(): Set<number> {
    return new Set(((this.model.get("hidden_categories") as number[]) ?? []).map(Number));
  }

  private applyFilter(redrawLayers = true): void {
    const hidden = this.hiddenSet();
    if (!this.categories || hidden.size === 0) {
      this.visible = null;
      if (this.ready || !redrawLayers) this.scatter.unfilter({ preventEvent: true } as never);
    } else {
      const vis = new Uint8Array(this.n);
      const keep: number[] = [];
      for (let i = 0; i < this.n; i++)
        if (!hidden.has(this.categories[i])) {
          vis[i] = 1;
          keep.push(i);
        }
      this.visible = vis;
      void this.scatter.filter(keep, { preventEvent: true } as never);
    }
    this.root.dataset.visiblePoints = String(this.visible ? this.visible.reduce((a, b) => a + b, 0) : this.n);
    this.highlightSelection();
    if (redrawLayers) {
      this.computeDensity();
      this.drawLayers();
      this.renderSide();
    }
  }

  private isVisible = (i: number): boolean => !this.visible || this.visible[i] === 1;

  private renderSide(): void {
    const values = this.model.get("values");
    const byCat = this.model.get("color_by") === "category" && this.categories;
    if (values && !byCat) {
      renderColorbar(this.colorbarEl, String(this.model.get("color_label") || "value"), String(this.model.get("colormap") || "viridis"), this.colorRange);
    } else {
      this.colorbarEl.hidden = true;
      this.colorbarEl.replaceChildren();
    }
    if (this.heatmap.present && this.model.get("show_heatmap") !== false) {
      renderColorbar(
        this.heatbarEl,
        String(this.model.get("heatmap_label") || "background"),
        String(this.model.get("heatmap_colormap") || "viridis"),
        this.heatmap.range,
      );
    } else {
      this.heatbarEl.hidden = true;
      this.heatbarEl.replaceChildren();
    }
    const names = ((this.model.get("category_names") as string[]) ?? []).map(String);
    if (this.categories && names.length > 0) {
      const counts = new Array(names.length).fill(0);
      for (let i = 0; i < this.n; i++) counts[this.categories[i]]++;
      renderLegend(this.legendEl, String(this.model.get("category_label") || "category"), {
        names,
        colors: categoricalPalette(String(this.model.get("category_palette") || "okabe-ito"), names.length),
        counts,
        hidden: this.hiddenSet(),
        onToggle: (code, hide) => {
          const h = this.hiddenSet();
          if (hide) h.add(code);
          else h.delete(code);
          this.model.set("hidden_categories", [...h].sort((a, b) => a - b));
          this.model.save_changes();
          this.applyFilter();
        },
      });
    } else {
      renderLegend(this.legendEl, "", { names: [], colors: [], counts: [], hidden: new Set(), onToggle: () => {} });
    }
    this.side.hidden = this.colorbarEl.hidden && this.heatbarEl.hidden && this.legendEl.hidden;
  }

  private syncColorSelect(): void {
    const cols = ((this.model.get("color_columns") as string[]) ?? []).map(String);
    const cur = String(this.model.get("color") ?? "");
    this.colorSelect.replaceChildren();
    for (const c of cols.length ? cols : cur ? [cur] : []) this.colorSelect.appendChild(new Option(c, c));
    this.colorSelect.value = cur;
    this.colorSelect.hidden = cols.length < 2;
    this.cmapSelect.value = String(this.model.get("colormap") || "viridis");
  }

  // ---------------------------------------------------------------- background layers
  private readHeatmapSpec(): void {
    const values = asTyped(this.model.get("heatmap"), Float32Array);
    const shape = this.model.get("heatmap_shape") as number[] | null;
    const extent = this.heatmapExtent();
    if (!values || !extent || !Array.isArray(shape) || shape.length !== 2) {
      this.heatmap.set(null);
      return;
    }
    const hv = this.model.get("heatmap_vmin");
    const hx = this.model.get("heatmap_vmax");
    this.heatmap.set({
      values,
      ny: shape[0],
      nx: shape[1],
      extent,
      colormap: String(this.model.get("heatmap_colormap") || "viridis"),
      vmin: typeof hv === "number" ? hv : null,
      vmax: typeof hx === "number" ? hx : null,
    });
  }

  private readHeatmap(): void {
    this.readHeatmapSpec();
    this.drawLayers();
    this.renderSide();
  }

  private computeDensity(): void {
    this.contours = [];
    if (!this.model.get("show_density") || this.n === 0) return;
    const ext = coordsExtent(this.coords);
    if (!ext) return;
    const grid = densityGrid(this.coords, padExtent(ext, 0.1), 96, 96, this.visible ? this.isVisible : undefined);
    this.contours = densityContours(grid, 6);
  }

  private drawLayers(): void {
    const c = this.layerCanvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.width * dpr));
    const h = Math.max(1, Math.round(this.height * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    // same CSS size as the points canvas (whole pixels), so both share one pixel grid
    c.style.width = `${this.width}px`;
    c.style.height = `${this.height}px`;
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const view = this.view();
    if (this.model.get("show_heatmap") !== false) this.heatmap.draw(ctx, view, this.width, this.height, num(this.model.get("heatmap_opacity"), 1));
    if (this.contours.length) {
      ctx.save();
      ctx.strokeStyle = isDark() ? "rgba(255,255,255,0.7)" : "rgba(0,0,0,0.6)";
      this.contours.forEach((level, k) => {
        ctx.lineWidth = 0.75 + (k / Math.max(1, this.contours.length - 1)) * 1.25;
        ctx.beginPath();
        for (const ring of level) {
          ring.forEach(([x, y], j) => {
            const [px, py] = dataToScreen(view, this.width, this.height, x, y);
            if (j === 0) ctx.moveTo(px, py);
            else ctx.lineTo(px, py);
          });
          ctx.closePath();
        }
        ctx.stroke();
      });
      ctx.restore();
    }
  }

  // ---------------------------------------------------------------- view
  /** Current view [x0, x1, y0, y1] in data coordinates (plot edges). */
  view(): Extent {
    const [x0, x1] = this.xScale.domain();
    const [y0, y1] = this.yScale.domain();
    return [x0, x1, y0, y1];
  }

  private publishView(): void {
    const v = this.view();
    // exact doubles (String() round-trips) so tests can map pixels <-> data identically
    this.root.dataset.view = v.map(String).join(",");
    this.root.dataset.size = `${this.width},${this.height}`;
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => {
      const cur = this.model.get("view") as number[] | null;
      if (cur && cur.length === 4 && cur.every((c, i) => c === v[i])) return;
      this.sentViews.push(v.join(","));
      if (this.sentViews.length > 8) this.sentViews.shift();
      this.model.set("view", v);
      this.model.save_changes();
    }, 120);
  }

  private onView(): void {
    this.drawLayers();
    this.drawOverlay();
    this.publishView();
  }

  private async resize(initial = false): Promise<void> {
    const r = this.plot.getBoundingClientRect();
    const w = Math.max(1, Math.floor(r.width));
    const h = Math.max(1, Math.floor(r.height));
    if (!initial && w === this.width && h === this.height) return;
    this.width = w;
    this.height = h;
    await this.scatter.set({ width: w, height: h } as never);
    if (this.disposed) return;
    this.drawLayers();
    this.drawOverlay();
    this.publishView();
  }

  /** Show the whole data domain, filling the plot (one data-aspect per plot shape). */
  private fitView(): void {
    this.scatter.set({ aspectRatio: this.width / this.height } as never).then(() => {
      if (this.disposed) return;
      this.scatter.reset();
      this.onView();
    });
  }

  private resetView(): void {
    this.fitView();
  }

  private applyViewTrait(): void {
    const v = this.model.get("view") as number[] | null;
    if (!this.ready || !v || v.length !== 4) return;
    // a view we published ourselves (or its echo from the kernel) must not move the camera
    if (this.sentViews.includes(v.join(","))) return;
    const cur = this.view();
    if (v.every((c, i) => Math.abs(c - cur[i]) <= 1e-9 * Math.max(1, Math.abs(c)))) return;
    const [dx0, dx1, dy0, dy1] = this.dataDomain;
    const nx0 = (2 * (v[0] - dx0)) / (dx1 - dx0) - 1;
    const nx1 = (2 * (v[1] - dx0)) / (dx1 - dx0) - 1;
    const ny0 = (2 * (v[2] - dy0)) / (dy1 - dy0) - 1;
    const ny1 = (2 * (v[3] - dy0)) / (dy1 - dy0) - 1;
    void this.scatter.zoomToArea({ x: Math.min(nx0, nx1), y: Math.min(ny0, ny1), width: Math.abs(nx1 - nx0), height: Math.abs(ny1 - ny0) } as never);
  }

  private applyHeight(): void {
    const h = num(this.model.get("height"), 480);
    this.root.style.height = `${h}px`;
  }

  private onTheme(): void {
    this.scatter.set({ pointColorHover: new Array(this.nColors).fill(hoverColor()) } as never);
    this.drawLayers();
  }

  // ---------------------------------------------------------------- selection
  private readSelectionState(): void {
    const s = asTyped(this.model.get("selection"), Uint32Array);
    this.selection = s ? Uint32Array.from(s) : new Uint32Array(0);
  }

  private readSelection(): void {
    const s = asTyped(this.model.get("selection"), Uint32Array) ?? new Uint32Array(0);
    if (sameIndices(s, this.selection)) return;
    this.selection = Uint32Array.from(s);
    this.highlightSelection();
  }

  private highlightSelection(): void {
    if (!this.scatter.get("isPointsDrawn" as never)) return;
    const idx: number[] = [];
    for (const i of this.selection) if (i < this.n && this.isVisible(i)) idx.push(i);
    if (idx.length) this.scatter.select(idx, { preventEvent: true } as never);
    else this.scatter.deselect({ preventEvent: true } as never);
    this.root.dataset.selected = String(this.selection.length);
    this.status();
  }

  /** Replace/extend the selection from the front end and send it to Python. */
  setSelection(next: Uint32Array, mode: MergeMode = "replace"): void {
    const t0 = performance.now();
    this.selection = mergeSelection(this.selection, next, mode);
    const t1 = performance.now();
    this.model.set("selection", uint32View(this.selection));
    this.model.save_changes();
    const t2 = performance.now();
    this.root.dataset.setSelectionMs = [t1 - t0, t2 - t1].map((t) => t.toFixed(1)).join(",");
    // highlight in the next task: the message to Python is already on its way
    setTimeout(() => this.highlightSelection(), 0);
  }

  private search(query: string): void {
    const q = query.trim();
    if (!q) return;
    const table = this.model.get("tooltip_table") as Record<string, unknown[]> | null;
    const cols = ((this.model.get("search_columns") as string[]) ?? []).map(String);
    if (table && Object.keys(table).length) {
      const hits = searchTable(table, cols, q, this.n);
      this.setSelection(hits);
      this.status(`${hits.length} match${hits.length === 1 ? "" : "es"} for “${q}”`);
      return;
    }
    // no inline table: the kernel searches and sets `selection` itself
    this.model.send({ type: "search", query: q });
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.status("search needs a running kernel for this map"), 3000);
  }

  // ---------------------------------------------------------------- pointer interaction
  private localPos(e: MouseEvent): [number, number] {
    const r = this.plot.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private bindPointer(): void {
    const p = this.plot;
    const add = <K extends keyof HTMLElementEventMap>(t: K, f: (e: HTMLElementEventMap[K]) => void, capture = true) => {
      p.addEventListener(t, f as EventListener, { capture });
      this.cleanups.push(() => p.removeEventListener(t, f as EventListener, { capture }));
    };
    add("pointerdown", (e) => {
      if (e.button !== 0) return;
      this.root.focus({ preventScroll: true });
      const [x, y] = this.localPos(e);
      this.press = { x, y, id: e.pointerId };
      const mode = this.mode();
      const kind: "box" | "lasso" | null = mode === "box" ? "box" : mode === "lasso" || e.shiftKey ? "lasso" : null;
      if (!kind || !this.ready) return;
      // the camera never sees this press: no panning while drawing a shape
      e.preventDefault();
      e.stopPropagation();
      p.setPointerCapture(e.pointerId);
      const additive = e.ctrlKey || e.metaKey || (mode !== "pan" && e.shiftKey);
      const merge: MergeMode = e.altKey ? "remove" : additive ? "add" : "replace";
      this.drag = { kind, pts: [[x, y]], merge, id: e.pointerId };
      this.hideTooltip();
      this.drawShape();
    });
    add("mousedown", (e) => {
      if (this.drag) e.stopPropagation();
    });
    add("pointermove", (e) => {
      this.pointer = this.localPos(e);
      if (!this.drag || e.pointerId !== this.drag.id) return;
      e.stopPropagation();
      const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
      for (const ev of events.length ? events : [e]) {
        const pt = this.localPos(ev);
        if (this.drag.kind === "box") this.drag.pts[1] = pt;
        else {
          const last = this.drag.pts[this.drag.pts.length - 1];
          if (last[0] !== pt[0] || last[1] !== pt[1]) this.drag.pts.push(pt);
        }
      }
      this.drawShape();
    });
    const finish = (e: PointerEvent) => {
      if (!this.drag || e.pointerId !== this.drag.id) return;
      e.stopPropagation();
      const d = this.drag;
      this.drag = null;
      const end = this.localPos(e);
      if (d.kind === "box") d.pts[1] = end;
      else {
        const last = d.pts[d.pts.length - 1];
        if (last[0] !== end[0] || last[1] !== end[1]) d.pts.push(end);
      }
      this.drawShape();
      this.finishShape(d.kind, d.pts, d.merge);
    };
    add("pointerup", finish);
    add("pointercancel", (e) => {
      if (this.drag && e.pointerId === this.drag.id) {
        this.drag = null;
        this.drawShape();
      }
    });
    add("click", (e) => {
      // regl-scatterplot's own click-to-select must not run: clicks mean focus / coordinate
      e.stopPropagation();
      if (!this.press || !this.ready) return;
      const [x, y] = this.localPos(e);
      if (Math.hypot(x - this.press.x, y - this.press.y) > CLICK_SLOP) return;
      this.onClick(x, y, e);
    });
    add("dblclick", (e) => e.stopPropagation());
    add("pointerleave", () => this.hideTooltip(), false);
  }

  private finishShape(kind: "box" | "lasso", pts: Vertex[], merge: MergeMode): void {
    const t0 = performance.now();
    const view = this.view();
    const toData = (v: Vertex) => screenToData(view, this.width, this.height, v[0], v[1]);
    let hits: Uint32Array;
    const vis = this.visible ? this.isVisible : undefined;
    let dataShape: Vertex[];
    if (kind === "box") {
      if (pts.length < 2) return;
      const a = toData(pts[0]);
      const b = toData(pts[1]);
      dataShape = [a, b];
      hits = selectInBox(this.coords, a[0], a[1], b[0], b[1], vis);
    } else {
      if (pts.length < 3) return;
      dataShape = pts.map(toData);
      hits = selectInPolygon(this.coords, dataShape, vis);
    }
    // what was used, in screen and data coordinates: lets tests and users audit a selection
    this.root.dataset.lastShape = JSON.stringify({ kind, screen: pts, data: dataShape, view, size: [this.width, this.height] });
    const t1 = performance.now();
    this.setSelection(hits, merge);
    // where the time of a selection goes (ms): geometry, then merge + send + highlight
    this.root.dataset.selectMs = `${(t1 - t0).toFixed(1)},${(performance.now() - t1).toFixed(1)}`;
    setTimeout(() => {
      if (!this.drag) this.shapePath.setAttribute("d", "");
    }, 400);
  }

  private drawShape(): void {
    const d = this.drag;
    if (!d) return;
    if (d.kind === "box") {
      const [a, b] = [d.pts[0], d.pts[1] ?? d.pts[0]];
      this.shapePath.setAttribute("d", `M${a[0]},${a[1]}H${b[0]}V${b[1]}H${a[0]}Z`);
    } else {
      this.shapePath.setAttribute("d", `M${d.pts.map((p) => p.join(",")).join("L")}Z`);
    }
  }

  private onClick(x: number, y: number, e: MouseEvent): void {
    const view = this.view();
    const toScreen = (dx: number, dy: number) => dataToScreen(view, this.width, this.height, dx, dy);
    const radius = num(this.model.get("point_size"), 4) / 2 + 3;
    const hit = nearestPoint(this.coords, toScreen, x, y, radius, this.visible ? this.isVisible : undefined);
    if (hit >= 0) {
      this.model.set("focused", hit);
      if (e.ctrlKey || e.metaKey) this.setSelection(Uint32Array.of(hit), "add");
    } else {
      this.model.set("focused", -1);
      this.model.set("clicked_coord", screenToData(view, this.width, this.height, x, y));
    }
    this.model.save_changes();
    this.drawOverlay();
  }

  private drawOverlay(): void {
    const f = Number(this.model.get("focused") ?? -1);
    if (f >= 0 && f < this.n && this.isVisible(f)) {
      const [sx, sy] = dataToScreen(this.view(), this.width, this.height, this.coords[2 * f], this.coords[2 * f + 1]);
      this.focusRing.setAttribute("cx", String(sx));
      this.focusRing.setAttribute("cy", String(sy));
      this.focusRing.setAttribute("r", String(num(this.model.get("point_size"), 4) / 2 + 5));
      this.focusRing.setAttribute("visibility", "visible");
    } else {
      this.focusRing.setAttribute("visibility", "hidden");
    }
  }

  // ---------------------------------------------------------------- hover tooltip
  private onHover(i: number): void {
    this.hovered = i;
    if (i < 0 || this.drag) {
      this.hideTooltip();
      return;
    }
    const title = `#${i}  (${fmtCoord(this.coords[2 * i])}, ${fmtCoord(this.coords[2 * i + 1])})`;
    renderTooltip(this.tooltipEl, title, []);
    this.placeTooltip();
    this.tooltips.fetch(i, (rows: Row[]) => {
      if (this.hovered !== i) return;
      renderTooltip(this.tooltipEl, title, rows);
      this.placeTooltip();
    });
  }

  private placeTooltip(): void {
    const t = this.tooltipEl;
    t.hidden = false;
    const [x, y] = this.pointer;
    const left = x + 14 + t.offsetWidth > this.width ? x - 14 - t.offsetWidth : x + 14;
    const top = y + 14 + t.offsetHeight > this.height ? Math.max(0, y - 14 - t.offsetHeight) : y + 14;
    t.style.left = `${Math.max(0, left)}px`;
    t.style.top = `${top}px`;
    this.root.dataset.hovered = String(this.hovered);
  }

  private hideTooltip(): void {
    this.tooltipEl.hidden = true;
  }

  // ---------------------------------------------------------------- keyboard, modes, toggles
  private bindKeys(): void {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const k = e.key.toLowerCase();
      if (e.key === "Escape") {
        this.setSelection(new Uint32Array(0));
        this.model.set("focused", -1);
        this.model.save_changes();
        this.drawOverlay();
        this.hideTooltip();
      } else if (k === "b") this.setMode("box", true);
      else if (k === "l") this.setMode("lasso", true);
      else if (k === "p") this.setMode("pan", true);
      else if (k === "r") this.resetView();
      else if (e.key === "/") this.searchInput.focus();
      else return;
      e.preventDefault();
      e.stopPropagation();
    };
    this.root.addEventListener("keydown", onKey);
    this.cleanups.push(() => this.root.removeEventListener("keydown", onKey));
  }

  private mode(): Mode {
    return (this.plot.dataset.mode as Mode) || "pan";
  }

  private setMode(mode: Mode, save: boolean): void {
    if (!["pan", "box", "lasso"].includes(mode)) mode = "pan";
    this.plot.dataset.mode = mode;
    for (const [m, b] of this.modeButtons) b.setAttribute("aria-pressed", String(m === mode));
    if (save && this.model.get("mode") !== mode) {
      this.model.set("mode", mode);
      this.model.save_changes();
    }
  }

  private toggleButton(label: string, trait: string, title: string): HTMLButtonElement {
    const b = el("button", `mm-toggle mm-toggle-${trait}`, { type: "button", title, "aria-pressed": "false" });
    b.textContent = label;
    b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      this.model.set(trait, on);
      this.model.save_changes();
      this.syncToggles();
      if (trait === "show_density") this.computeDensity();
      this.drawLayers();
      this.renderSide();
    });
    return b;
  }

  private syncToggles(): void {
    this.heatmapButton.hidden = !this.model.get("heatmap");
    this.heatmapButton.setAttribute("aria-pressed", String(this.model.get("show_heatmap") !== false));
    this.densityButton.setAttribute("aria-pressed", String(!!this.model.get("show_density")));
  }

  private status(extra?: string): void {
    const sel = this.selection.length;
    const base = `${this.n.toLocaleString()} points${sel ? ` · ${sel.toLocaleString()} selected` : ""}`;
    this.statusEl.textContent = extra ? `${base} · ${extra}` : base;
  }

  // ---------------------------------------------------------------- PNG export
  /** The current view (background, contours, points) composited onto one canvas. */
  composite(scale = 1): HTMLCanvasElement {
    const out = document.createElement("canvas");
    const dpr = window.devicePixelRatio || 1;
    out.width = Math.round(this.width * dpr * scale);
    out.height = Math.round(this.height * dpr * scale);
    const ctx = out.getContext("2d")!;
    ctx.fillStyle = getComputedStyle(this.root).backgroundColor || "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(this.layerCanvas, 0, 0, out.width, out.height);
    ctx.drawImage(this.pointCanvas, 0, 0, out.width, out.height);
    return out;
  }

  private async pngBytes(scale: number): Promise<ArrayBuffer> {
    const c = this.composite(scale);
    const blob: Blob = await new Promise((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error("toBlob failed"))), "image/png"));
    return blob.arrayBuffer();
  }

  private async sendPng(requestId: string, scale: number): Promise<void> {
    if (this.pendingPng.has(requestId)) return;
    this.pendingPng.set(requestId, true);
    try {
      const buf = await this.pngBytes(scale);
      this.model.send({ type: "png", request_id: requestId, width: this.width, height: this.height }, undefined, [buf]);
    } catch (err) {
      this.model.send({ type: "png", request_id: requestId, error: String(err) });
    } finally {
      this.pendingPng.delete(requestId);
    }
  }

  private async downloadPng(): Promise<void> {
    const buf = await this.pngBytes(1);
    const url = URL.createObjectURL(new Blob([buf], { type: "image/png" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "materials-map.png";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  destroy(): void {
    this.disposed = true;
    for (const [ev, cb] of this.listeners) this.model.off(ev, cb);
    for (const c of this.cleanups) c();
    if (this.viewTimer) clearTimeout(this.viewTimer);
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.scatter.destroy();
    this.root.remove();
  }
}

function fmtCoord(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
