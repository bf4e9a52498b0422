// The crystal panel: toolbar, legend and one, two (compare) or up to nine (grid) viewers, driven
// by a model with the CrystalWidget's traits. A live kernel, the standalone page and the
// .mmap viewer all provide that model (the last two through a shim, see ./link.ts).

import type { MapModel } from "../map/model";
import { elementColor } from "./elements";
import type { Vec3 } from "./geometry";
import { decodeCrystal, type Crystal, type CrystalJSON, type PathwayJSON } from "./types";
import { CrystalView, type DrawnState, type Theme } from "./viewer";
import { decodePathway, BARRIERS, DIM_COLORS, DIM_NAMES, type Barrier, type Pathway } from "./volume";

export const MAX_GRID = 9;
/** The CrystalWidget traits whose change redraws the panel. */
const TRAITS = [
  "structures",
  "mode",
  "pathways",
  "pathway_status",
  "show_pathway",
  "barrier",
  "margin",
  "show_polyhedra",
  "highlight_li",
  "supercell",
  "height",
  "theme",
] as const;
const SUPERCELLS: Vec3[] = [
  [1, 1, 1],
  [2, 1, 1],
  [1, 2, 1],
  [1, 1, 2],
  [2, 2, 1],
  [2, 2, 2],
  [3, 3, 3],
];

/** Background and line colours from JupyterLab's theme variables (plain pages: light). */
export function themeOf(el: HTMLElement, choice: string): Theme {
  const style = getComputedStyle(el);
  const light = document.body?.dataset.jpThemeLight;
  const dark = choice === "dark" || (choice !== "light" && light === "false");
  const auto = !choice || choice === "auto";
  const bg = solid((auto && style.getPropertyValue("--jp-layout-color0").trim()) || (dark ? "#111111" : "#ffffff"), "#ffffff");
  const fg = solid((auto && style.getPropertyValue("--jp-ui-font-color1").trim()) || (dark ? "#dddddd" : "#333333"), bg);
  return { background: bg, foreground: fg, dark };
}

/** Any CSS colour (rgba, named, var-resolved) as opaque #rrggbb over ``under``. */
export function solid(color: string, under: string): string {
  const ctx = document.createElement("canvas").getContext("2d");
  if (!ctx) return color;
  ctx.fillStyle = under;
  ctx.fillRect(0, 0, 1, 1);
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

function button(label: string, cls: string, title: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `mmc-btn ${cls}`;
  b.textContent = label;
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
}

function checkbox(label: string, cls: string): [HTMLLabelElement, HTMLInputElement] {
  const l = document.createElement("label");
  l.className = `mmc-check ${cls}`;
  const c = document.createElement("input");
  c.type = "checkbox";
  l.append(c, ` ${label}`);
  return [l, c];
}

export class CrystalPanel {
  readonly root: HTMLDivElement;
  private views: CrystalView[] = [];
  private captions: HTMLElement[] = [];
  private body: HTMLDivElement;
  private legend: HTMLDivElement;
  private status: HTMLDivElement;
  private controls: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  private pinned: CrystalJSON | null = null;
  private pending = false;
  private draws = 0;
  private observer: MutationObserver | null = null;
  private readonly onChange = () => this.schedule();

  constructor(
    private model: MapModel,
    host: HTMLElement,
    private onPick: (index: number, crystal: CrystalJSON) => void = (i, c) => model.send({ type: "pick", index: i, id: c.id }),
  ) {
    this.root = document.createElement("div");
    this.root.className = "mmc-root";
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", "Crystal structure viewer");
    host.appendChild(this.root);
    this.root.appendChild(this.toolbar());
    this.status = document.createElement("div");
    this.status.className = "mmc-status";
    this.status.setAttribute("aria-live", "polite");
    this.body = document.createElement("div");
    this.body.className = "mmc-body";
    this.legend = document.createElement("div");
    this.legend.className = "mmc-legend";
    this.root.append(this.status, this.body, this.legend);
    for (const name of TRAITS) model.on(`change:${name}`, this.onChange);
    // JupyterLab switches themes by flipping this attribute on <body>
    this.observer = new MutationObserver(() => {
      // the new theme's stylesheet may land after the attribute flips: read it again later
      for (const ms of [0, 400, 1500]) {
        setTimeout(() => {
          this.theme = null;
          this.schedule();
        }, ms);
      }
    });
    if (document.body) this.observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
    this.render();
    this.root.dataset.ready = "true";
  }

  private get<T>(name: string, fallback: T): T {
    const v = this.model.get(name);
    return (v ?? fallback) as T;
  }

  private save(values: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(values)) this.model.set(k, v);
    this.model.save_changes();
  }

  private toolbar(): HTMLElement {
    const bar = document.createElement("div");
    bar.className = "mmc-toolbar";
    bar.setAttribute("role", "toolbar");
    const [polyL, poly] = checkbox("polyhedra", "mmc-polyhedra");
    poly.addEventListener("change", () => this.save({ show_polyhedra: poly.checked }));
    const [liL, li] = checkbox("Li sites", "mmc-li");
    li.addEventListener("change", () => this.save({ highlight_li: li.checked }));
    const [pathL, path] = checkbox("Li pathways", "mmc-pathway");
    path.addEventListener("change", () => this.save({ show_pathway: path.checked }));
    const barrier = document.createElement("select");
    barrier.className = "mmc-barrier";
    barrier.title = "surface level: E_min + this barrier + margin";
    for (const b of BARRIERS) barrier.add(new Option(`E${b.slice(2).toUpperCase()}`, b));
    barrier.addEventListener("change", () => this.save({ barrier: barrier.value }));
    const margin = document.createElement("input");
    margin.type = "range";
    margin.className = "mmc-margin";
    margin.min = "0";
    margin.max = "0.5";
    margin.step = "0.01";
    margin.title = "margin above the barrier (eV)";
    margin.setAttribute("aria-label", "margin above the barrier in eV");
    margin.addEventListener("input", () => this.save({ margin: Number(margin.value) }));
    const cells = document.createElement("select");
    cells.className = "mmc-supercell";
    cells.title = "supercell";
    for (const s of SUPERCELLS) cells.add(new Option(s.join("×"), s.join(",")));
    cells.addEventListener("change", () => this.save({ supercell: cells.value.split(",").map(Number) }));
    const pin = button("compare", "mmc-compare", "pin this crystal and show the next one beside it");
    pin.addEventListener("click", () => {
      const s = this.get<CrystalJSON[]>("structures", []);
      this.pinned = this.pinned ? null : (s[s.length - 1] ?? null);
      pin.classList.toggle("mmc-on", this.pinned !== null);
      this.schedule();
    });
    const reset = button("reset", "mmc-reset", "reset the view");
    reset.addEventListener("click", () => this.views.forEach((v) => v.reset()));
    const png = button("PNG", "mmc-png", "save the first view as a PNG image");
    png.addEventListener("click", () => this.exportPng());
    Object.assign(this.controls, { poly, li, path, barrier, margin, cells });
    bar.append(polyL, liL, pathL, barrier, margin, cells, pin, reset, png);
    return bar;
  }

  private exportPng(): void {
    const v = this.views[0];
    if (!v) return;
    const a = document.createElement("a");
    a.href = v.png();
    a.download = `${v.el.dataset.id || "crystal"}.png`;
    a.click();
    this.root.dataset.png = String(a.href.length);
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.render();
    });
  }

  /** The crystals to show, in view order, with the map point index each came from. */
  private shown(): { mode: string; items: CrystalJSON[] } {
    const list = this.get<CrystalJSON[]>("structures", []).filter(Boolean);
    const mode = this.get<string>("mode", "single");
    if (mode === "grid") return { mode, items: list.slice(0, MAX_GRID) };
    if (mode === "compare") return { mode, items: list.slice(0, 2) };
    const one = list.slice(0, 1);
    if (this.pinned && one.length && one[0].id !== this.pinned.id) return { mode: "compare", items: [this.pinned, one[0]] };
    return { mode: "single", items: one };
  }

  render(): void {
    const t0 = performance.now();
    const { mode, items } = this.shown();
    this.syncControls();
    const height = Number(this.get("height", 420));
    this.root.dataset.mode = mode;
    this.body.className = `mmc-body mmc-${mode}`;
    this.body.style.setProperty("--mmc-height", `${mode === "grid" ? Math.max(140, Math.round(height / 3)) : height}px`);
    // reuse viewers (each one a WebGL context) where the count allows
    while (this.views.length > items.length) {
      this.views.pop()!.destroy();
      this.captions.pop()!.remove();
    }
    while (this.views.length < items.length) {
      const k = this.views.length;
      const view = new CrystalView(this.body, "mmc-view");
      const cap = document.createElement("div");
      cap.className = "mmc-caption";
      view.el.appendChild(cap);
      view.el.addEventListener("click", (e) => {
        if (this.root.dataset.mode !== "grid" || (e as MouseEvent).detail > 1) return;
        const j = this.shownItems[k];
        if (j) this.onPick(j.index ?? -1, j);
      });
      this.views.push(view);
      this.captions.push(cap);
    }
    this.shownItems = items;
    // reading theme variables forces a style recalculation of the whole page: once per theme
    const choice = String(this.get("theme", "auto"));
    if (!this.theme || this.theme.choice !== choice) this.theme = { ...themeOf(this.root, choice), choice };
    const theme = this.theme;
    this.root.classList.toggle("mmc-dark", theme.dark);
    const pathways = this.get<Record<string, PathwayJSON>>("pathways", {});
    const status = this.get<Record<string, string>>("pathway_status", {});
    const states: DrawnState[] = [];
    const elements = new Set<string>();
    items.forEach((json, k) => {
      const view = this.views[k];
      let crystal: Crystal;
      let pathway: Pathway | null = null;
      try {
        crystal = decodeCrystal(json);
        if (pathways[crystal.id]) pathway = decodePathway(pathways[crystal.id]);
      } catch (err) {
        this.captions[k].textContent = `cannot draw ${json?.id}: ${(err as Error).message}`;
        return;
      }
      let st: DrawnState;
      try {
        st = view.draw(crystal, {
          supercell: (this.get<number[]>("supercell", [1, 1, 1]) as Vec3) ?? [1, 1, 1],
          polyhedra: Boolean(this.get("show_polyhedra", true)),
          highlightLi: Boolean(this.get("highlight_li", true)),
          pathway,
          showPathway: Boolean(this.get("show_pathway", false)),
          barrier: this.get<Barrier>("barrier", "e_1d"),
          margin: Number(this.get("margin", 0.05)),
          theme,
        });
      } catch (err) {
        // a failed draw is reported where the crystal should be, not swallowed
        view.el.dataset.id = crystal.id;
        view.el.dataset.error = String((err as Error)?.message ?? err);
        this.captions[k].textContent = `cannot draw ${crystal.title}: ${view.el.dataset.error}`;
        return;
      }
      delete view.el.dataset.error;
      states.push(st);
      for (const e of Object.keys(st.elements)) elements.add(e);
      for (const s of crystal.sites) for (const o of s.occupants) elements.add(o.element);
      this.publish(view.el, st, crystal.index);
      this.captions[k].textContent = caption(crystal, st, pathway, status[crystal.id] ?? "", mode === "grid");
    });
    this.drawLegend([...elements].sort(), states);
    const ids = items.map((i) => String(i.id));
    this.root.dataset.ids = ids.join(",");
    this.root.dataset.drawn = String(++this.draws);
    this.root.dataset.ms = (performance.now() - t0).toFixed(1);
    this.status.textContent = items.length
      ? mode === "grid"
        ? `${items.length} selected crystal${items.length > 1 ? "s" : ""}${this.get<CrystalJSON[]>("structures", []).length > MAX_GRID ? ` (first ${MAX_GRID} shown)` : ""}; click one to focus it`
        : ""
      : "Click a point on the map to see its crystal; lasso several to compare up to nine.";
  }

  private shownItems: CrystalJSON[] = [];
  private theme: (Theme & { choice: string }) | null = null;

  private publish(el: HTMLElement, st: DrawnState, index: number): void {
    Object.assign(el.dataset, {
      id: st.id,
      index: String(index),
      sites: String(st.sites),
      atoms: String(st.atoms),
      elements: JSON.stringify(st.elements),
      partial: String(st.partial),
      edges: String(st.edges),
      polyhedra: String(st.polyhedra),
      cell: st.cell,
      pathway: st.pathway,
      corners: JSON.stringify(st.corners),
      foreground: st.foreground,
      dim: String(st.dim),
      level: st.level === null ? "" : st.level.toFixed(4),
      ms: st.ms.toFixed(1),
    });
  }

  private syncControls(): void {
    const c = this.controls as Record<string, HTMLInputElement & HTMLSelectElement>;
    c.poly.checked = Boolean(this.get("show_polyhedra", true));
    c.li.checked = Boolean(this.get("highlight_li", true));
    c.path.checked = Boolean(this.get("show_pathway", false));
    c.barrier.value = this.get("barrier", "e_1d");
    c.margin.value = String(this.get("margin", 0.05));
    c.cells.value = this.get<number[]>("supercell", [1, 1, 1]).join(",");
  }

  private drawLegend(elements: string[], states: DrawnState[]): void {
    this.legend.replaceChildren();
    for (const el of elements) {
      const chip = document.createElement("span");
      chip.className = "mmc-chip";
      chip.dataset.element = el;
      const sw = document.createElement("span");
      sw.className = "mmc-swatch";
      sw.style.background = elementColor(el);
      chip.append(sw, el);
      this.legend.appendChild(chip);
    }
    if (states.some((s) => s.partial > 0)) this.legend.append(note("partial sites: sector = occupancy, gap = vacancy"));
    const dims = [...new Set(states.filter((s) => s.pathway === "drawn").map((s) => s.dim))];
    for (const d of dims) {
      const chip = document.createElement("span");
      chip.className = "mmc-chip mmc-dim";
      const sw = document.createElement("span");
      sw.className = "mmc-swatch";
      sw.style.background = DIM_COLORS[d];
      chip.append(sw, `Li pathway: ${DIM_NAMES[d]}`);
      this.legend.appendChild(chip);
    }
  }

  destroy(): void {
    for (const name of TRAITS) this.model.off(`change:${name}`, this.onChange);
    this.observer?.disconnect();
    for (const v of this.views) v.destroy();
    this.views = [];
    this.root.remove();
  }
}

function note(text: string): HTMLElement {
  const s = document.createElement("span");
  s.className = "mmc-note";
  s.textContent = text;
  return s;
}

function caption(c: Crystal, st: DrawnState, p: Pathway | null, status: string, small: boolean): string {
  if (small) return c.title;
  // while the pathway layer is on, the drawn cell is the label's (where the grid lives)
  const cell = st.cell === "label" && p ? p.cell : c;
  const L = cell.lattice.map((r) => Math.hypot(r[0], r[1], r[2]).toFixed(2)).join(" × ");
  const parts = [c.title, `${cell.sites.length} sites, ${L} Å${cell === c ? "" : " (the label's standard cell)"}`];
  if (st.pathway === "drawn" && p)
    parts.push(
      `Li pathway at E_min + ${st.level!.toFixed(2)} eV: ${DIM_NAMES[st.dim]}` +
        ` (E1D ${fmt(p.barriers.e_1d)}, E2D ${fmt(p.barriers.e_2d)}, E3D ${fmt(p.barriers.e_3d)} eV;` +
        ` BVSE ${p.resolution} Å grid)`,
    );
  else if (st.pathway === "no-path") parts.push("no Li path below the search window for this barrier");
  else if (st.pathway === "none") parts.push(status || "no pathway volume for this crystal");
  return parts.join(" · ");
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : "none";
}
