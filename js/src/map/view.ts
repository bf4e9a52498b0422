// The map component, composed from one-job modules: WebGL points (points.ts) over a 2-D
// canvas with the background grid and density contours (layers.ts), a DOM overlay for the
// brushed shape, focus ring and tooltip (overlay.ts), the toolbar (toolbar.ts), side panel
// (side.ts) and a status line. Pointer input is brush.ts, the view camera.ts, the selection
// selection.ts, trait wiring sync.ts, PNG export export.ts; data-* state for tests is
// probe.ts. Written against the minimal model interface (model.ts), so it runs in a kernel,
// a standalone page and the .mmap file viewer.

import { Brush, bindBrush, type Shape, shapeSelection } from "./brush";
import { Camera, normalizeCoords } from "./camera";
import { CandidateLayer } from "./candidates";
import { CategoryLabels } from "./catlabels";
import { hiddenCategories, readCategories, visibility } from "./categories";
import { hiddenMarkers, readMarkers } from "./markers";
import { el, num } from "./dom";
import { DropZone } from "./drop";
import { colorCodes, colorSpec } from "./encoding";
import { PngExport } from "./export";
import { backgroundExtent, Layers } from "./layers";
import { asTyped, type MapModel } from "./model";
import { Overlay } from "./overlay";
import { PointLayer } from "./points";
import { nearestPoint } from "./polygon";
import { probe } from "./probe";
import { coordsExtent, dataToScreen, padExtent, screenToData, unionExtent } from "./scales";
import { Selection } from "./selection";
import { SidePanel } from "./side";
import { MapState } from "./state";
import { bindTraits, save } from "./sync";
import { asMode, bindKeys, type KeyAction, type Mode, type Toggle, Toolbar } from "./toolbar";
import { TooltipSource } from "./tooltip";

export class MapView {
  readonly root: HTMLDivElement;
  private state = new MapState();
  private plot = el("div", "mm-plot");
  private statusEl = el("div", "mm-status", { "aria-live": "polite" });
  private toolbar: Toolbar;
  private tooltips: TooltipSource;
  private overlay: Overlay;
  private candidates: CandidateLayer;
  private catLabels: CategoryLabels;
  private layers: Layers;
  private side: SidePanel;
  private camera: Camera;
  private points: PointLayer;
  private selection: Selection;
  private brush = new Brush();
  private png: PngExport;
  private colorRange: [number, number] = [0, 1];
  private loadStart = 0;
  /** a note from the page around the map ("mm-note" event: the kernel-less decoder's prediction) */
  private pageNote = "";
  private cleanups: (() => void)[] = [];
  private coordsSource: unknown = null;

  constructor(
    private model: MapModel,
    host: HTMLElement,
  ) {
    const title = String(model.get("title") || "Materials map");
    this.root = el("div", "mm-root", {
      role: "application",
      tabindex: "0",
      // keys typed into the map are the map's, not JupyterLab's notebook shortcuts
      "data-lm-suppress-shortcuts": "true",
      "aria-label": `${title}. Drag to pan, wheel to zoom, B box select, L lasso, P pan, Escape clears the selection.`,
    });
    this.toolbar = new Toolbar({
      mode: (mode) => this.setMode(mode, true),
      search: (query) => this.selection.search(query),
      color: (column) => save(model, { color: column }),
      colormap: (name) => {
        save(model, { colormap: name });
        this.updateColors();
      },
      toggle: (trait, on) => this.toggle(trait, on),
      reset: () => this.camera.fit(),
      png: () => void this.png.download(),
    });
    const layerCanvas = el("canvas", "mm-layers", { "aria-hidden": "true" });
    const pointCanvas = el("canvas", "mm-points", { "aria-hidden": "true" });
    this.tooltips = new TooltipSource(model);
    this.overlay = new Overlay(this.root, this.state, this.tooltips);
    this.candidates = new CandidateLayer(model, this.overlay.svg, this.root);
    this.catLabels = new CategoryLabels(model, this.overlay.svg, this.root);
    const xl = el("div", "mm-axis mm-axis-x");
    xl.textContent = String(model.get("x_label") ?? "");
    const yl = el("div", "mm-axis mm-axis-y");
    yl.textContent = String(model.get("y_label") ?? "");
    this.plot.append(layerCanvas, pointCanvas, this.overlay.svg, xl, yl, this.overlay.tooltip);
    this.layers = new Layers(layerCanvas, model, this.state);
    this.side = new SidePanel(model, this.state, this.layers.background, () => this.applyFilter());
    const body = el("div", "mm-body");
    body.append(this.plot, this.side.el);
    const drops = new DropZone(model, this.root);
    this.cleanups.push(() => drops.destroy());
    this.root.append(this.toolbar.el, body, this.side.legend, this.side.markerLegend, this.candidates.toggle, drops.notes, this.statusEl);
    host.appendChild(this.root);
    this.applyHeight();

    this.camera = new Camera(model, this.state, this.root, this.plot, () => {
      this.drawLayers();
      this.drawFocus();
      this.drawCandidates();
    });
    this.points = new PointLayer(pointCanvas, this.camera.xScale, this.camera.yScale, {
      pointSize: num(model.get("point_size"), 4),
      opacity: num(model.get("opacity"), 0.85),
    });
    this.camera.attach(this.points);
    this.points.scatter.subscribe("pointOver", (i: number) => this.overlay.hover(i, !!this.brush.shape));
    this.points.scatter.subscribe("pointOut", () => this.overlay.hover(-1, !!this.brush.shape));
    this.selection = new Selection(model, this.state, this.points, this.root, (note) => this.showStatus(note));
    this.png = new PngExport(model, { root: this.root, canvases: [layerCanvas, pointCanvas], size: () => [this.state.width, this.state.height] });

    this.cleanups.push(this.bindPointer(), bindKeys(this.root, (a) => this.onKey(a)), this.bindModel());
    const onNote = (e: Event) => {
      this.pageNote = String((e as CustomEvent).detail ?? "");
      this.showStatus();
    };
    this.root.addEventListener("mm-note", onNote);
    this.cleanups.push(() => this.root.removeEventListener("mm-note", onNote));
    const ro = new ResizeObserver(() => void this.camera.resize());
    ro.observe(this.plot);
    this.cleanups.push(() => ro.disconnect());
    const themeObs = new MutationObserver(() => this.onTheme());
    if (document.body) themeObs.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
    this.cleanups.push(() => themeObs.disconnect());

    this.setMode(asMode(model.get("mode")), false);
    this.toolbar.syncToggles(model);
    this.loadAll();
  }

  // ---------------------------------------------------------------- wiring
  private bindModel(): () => void {
    const m = this.model;
    const redrawHeatmap = () => {
      this.drawLayers();
      this.renderSide();
    };
    const redrawLabels = () => {
      this.toolbar.syncToggles(m);
      this.catLabels.draw(this.state, this.camera.view());
    };
    return bindTraits(
      m,
      {
        coords: () => this.loadAll(),
        colorData: () => {
          if (this.coordsPending()) return; // the same message brings coordinates: loadAll draws
          this.state.categories = readCategories(m, this.state.n);
          this.updateColors(true);
        },
        colormap: () => this.updateColors(),
        categoryNames: () => {
          this.renderSide();
          redrawLabels();
        },
        hidden: () => this.applyFilter(),
        markers: () => {
          if (this.coordsPending()) return;
          this.state.markers = readMarkers(m, this.state.n);
          this.applyFilter();
        },
        selection: () => this.selection.read(),
        focused: () => this.drawFocus(),
        view: () => this.camera.applyTrait(),
        background: () => {
          this.layers.readHeatmap();
          redrawHeatmap();
        },
        backgroundStyle: () => {
          this.toolbar.syncToggles(m);
          redrawHeatmap();
        },
        density: () => {
          this.toolbar.syncToggles(m);
          this.layers.computeDensity();
          this.drawLayers();
        },
        pointSize: () => {
          void this.points.set({ pointSize: num(m.get("point_size"), 4) });
          this.drawLayers(); // the outlines under the points (halo.ts)
        },
        opacity: () => this.applyOpacity(),
        mode: () => this.setMode(asMode(m.get("mode")), false),
        height: () => this.applyHeight(),
        tooltipTable: () => this.tooltips.clear(),
        colorColumns: () => this.toolbar.syncColorSelect(m),
        candidates: () => {
          this.candidates.read();
          this.drawCandidates();
        },
        categoryLabels: redrawLabels,
      },
      {
        tooltip: (msg) => this.tooltips.receive(msg),
        search: (msg) => this.selection.answered(msg),
        exportPng: (requestId, scale) => void this.png.send(requestId, scale),
      },
    );
  }

  private bindPointer(): () => void {
    return bindBrush(this.plot, {
      brush: this.brush,
      mode: () => this.mode(),
      ready: () => this.state.ready,
      pressed: () => this.root.focus({ preventScroll: true }),
      pointer: (x, y) => {
        this.overlay.pointer = [x, y];
        // where the pointer is in data coordinates, for the page around the map (decodepanel.ts)
        const { width, height } = this.state;
        this.root.dispatchEvent(new CustomEvent("mm-pointer", { detail: screenToData(this.camera.view(), width, height, x, y) }));
      },
      drawing: (shape) => {
        this.overlay.hideTooltip();
        if (shape) this.overlay.shape(shape);
      },
      finished: (shape) => this.finishShape(shape),
      click: (x, y, e) => this.onClick(x, y, e),
      left: () => {
        this.overlay.hideTooltip();
        this.root.dispatchEvent(new CustomEvent("mm-pointer", { detail: null }));
      },
    });
  }

  private onKey(action: KeyAction): void {
    if (action === "clear") {
      this.selection.set(new Uint32Array(0));
      save(this.model, { focused: -1 });
      this.drawFocus();
      this.overlay.hideTooltip();
    } else if (action === "reset") this.camera.fit();
    else if (action === "search") this.toolbar.searchInput.focus();
    else this.setMode(action.mode, true);
  }

  // ---------------------------------------------------------------- data and points
  /** Whether `coords` changed and its handler has not run yet: one message can bring new
   * coordinates with their colours and markers, whose handlers may run first (Explorer.add). */
  private coordsPending(): boolean {
    return this.model.get("coords") !== this.coordsSource;
  }

  private loadAll(): void {
    const s = this.state;
    this.coordsSource = this.model.get("coords");
    s.coords = asTyped(this.coordsSource, Float32Array) ?? new Float32Array(0);
    s.n = s.coords.length >> 1;
    s.categories = readCategories(this.model, s.n);
    s.markers = readMarkers(this.model, s.n);
    this.layers.readHeatmap();
    const ext = unionExtent(coordsExtent(s.coords), backgroundExtent(this.model));
    this.camera.setDomain(padExtent(ext ?? [-1, 1, -1, 1]));
    this.selection.load();
    s.visible = null;
    this.loadStart = performance.now();
    s.ready = false;
    probe(this.root, "ready", "false");
    void this.camera.resize(true).then(() => this.drawPoints(false));
  }

  /** Draw every point; `reuseIndex` when only colours changed (keeps the kd-tree and view). */
  private async drawPoints(reuseIndex: boolean): Promise<void> {
    const s = this.state;
    const { codes, colors, range } = colorCodes(colorSpec(this.model, s.n, s.categories));
    if (range) this.colorRange = range;
    const { x, y } = normalizeCoords(s.coords, this.camera.domain);
    await this.points.draw(x, y, codes, colors, reuseIndex);
    if (s.disposed) return;
    this.applyOpacity();
    this.applyFilter(false);
    this.selection.highlight();
    if (!reuseIndex) {
      this.layers.computeDensity();
      this.camera.fit();
      this.camera.applyTrait();
    }
    this.renderSide();
    this.toolbar.syncColorSelect(this.model);
    if (!reuseIndex) {
      // time from receiving the coordinates to the first frame with every point on it
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      probe(this.root, "renderMs", performance.now() - this.loadStart);
    }
    s.ready = true;
    this.drawCandidates();
    this.catLabels.draw(s, this.camera.view());
    probe(this.root, "ready", "true");
    probe(this.root, "points", s.n);
    this.root.dispatchEvent(new CustomEvent("mm-ready"));
  }

  private updateColors(values = false): void {
    if (!this.state.ready) return;
    this.toolbar.syncColormap(this.model);
    if (values || this.model.get("color_by") !== "category") void this.drawPoints(true);
    this.renderSide();
  }

  private applyOpacity(): void {
    this.points.opacity(num(this.model.get("opacity"), 0.85), !!this.model.get("density_opacity"));
  }

  /** Hide the legends' hidden categories and marker groups (from points, selection
   * highlight and density). */
  private applyFilter(redrawLayers = true): void {
    const s = this.state;
    const vis = visibility(s.categories, hiddenCategories(this.model), s.markers, hiddenMarkers(this.model));
    s.visible = vis ? vis.mask : null;
    if (vis) this.points.filter(vis.keep);
    else if (s.ready || !redrawLayers) this.points.filter(null);
    probe(this.root, "visiblePoints", vis ? vis.count : s.n);
    this.selection.highlight();
    if (redrawLayers) {
      this.layers.computeDensity();
      this.drawLayers();
      this.renderSide();
    }
  }

  // ---------------------------------------------------------------- redraws
  private drawLayers(): void {
    this.layers.draw(this.camera.view());
    this.catLabels.draw(this.state, this.camera.view()); // follows the view and hidden families
  }

  private drawFocus(): void {
    this.overlay.focus(Number(this.model.get("focused") ?? -1), this.camera.view(), num(this.model.get("point_size"), 4));
  }

  private drawCandidates(): void {
    this.candidates.draw(this.camera.view(), this.state.width, this.state.height);
  }

  private renderSide(): void {
    this.side.render(this.colorRange);
  }

  private showStatus(note?: string): void {
    const n = this.state.n;
    const sel = this.state.selection.length;
    const base = `${n.toLocaleString()} points${sel ? ` · ${sel.toLocaleString()} selected` : ""}`;
    this.statusEl.textContent = [base, note, this.pageNote].filter(Boolean).join(" · ");
  }

  private applyHeight(): void {
    this.root.style.height = `${num(this.model.get("height"), 480)}px`;
  }

  private onTheme(): void {
    this.points.theme();
    this.drawLayers();
  }

  // ---------------------------------------------------------------- user actions
  private mode(): Mode {
    return asMode(this.plot.dataset.mode);
  }

  private setMode(mode: Mode, persist: boolean): void {
    this.plot.dataset.mode = mode;
    this.toolbar.showMode(mode);
    if (persist && this.model.get("mode") !== mode) save(this.model, { mode });
  }

  private toggle(trait: Toggle, on: boolean): void {
    save(this.model, { [trait]: on });
    this.toolbar.syncToggles(this.model);
    if (trait === "show_density") this.layers.computeDensity();
    this.drawLayers();
    this.renderSide();
  }

  private finishShape(shape: Shape): void {
    const { coords, width, height } = this.state;
    const t0 = performance.now();
    const view = this.camera.view();
    const result = shapeSelection(shape, coords, view, width, height, this.state.visibleFilter());
    if (!result) return;
    // what was used, in screen and data coordinates: lets tests and users audit a selection
    probe(this.root, "lastShape", JSON.stringify({ kind: shape.kind, screen: shape.pts, data: result.data, view, size: [width, height] }));
    const t1 = performance.now();
    this.selection.set(result.hits, shape.merge);
    // where the time of a selection goes (ms): geometry, then merge + send + highlight
    probe(this.root, "selectMs", `${(t1 - t0).toFixed(1)},${(performance.now() - t1).toFixed(1)}`);
    this.overlay.clearShapeSoon(() => this.brush.shape !== null);
  }

  private onClick(x: number, y: number, e: MouseEvent): void {
    const { coords, width, height } = this.state;
    const view = this.camera.view();
    const toScreen = (dx: number, dy: number) => dataToScreen(view, width, height, dx, dy);
    const picked = this.candidates.hit(x, y, view, width, height);
    if (picked >= 0) {
      save(this.model, { focused_candidate: picked });
      this.showStatus(`candidate ${picked}: ${this.candidates.label(picked)}`);
      return;
    }
    const radius = num(this.model.get("point_size"), 4) / 2 + 3;
    const hit = nearestPoint(coords, toScreen, x, y, radius, this.state.visibleFilter());
    if (hit >= 0) {
      this.model.set("focused", hit);
      if (e.ctrlKey || e.metaKey) this.selection.set(Uint32Array.of(hit), "add");
    } else {
      this.model.set("focused", -1);
      this.model.set("clicked_coord", screenToData(view, width, height, x, y));
    }
    this.model.save_changes();
    this.drawFocus();
  }

  destroy(): void {
    this.state.disposed = true;
    for (const c of this.cleanups) c();
    this.camera.destroy();
    this.selection.destroy();
    this.points.destroy();
    this.root.remove();
  }
}
