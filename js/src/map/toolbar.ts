// The toolbar (mode buttons, search box, colour selects, layer toggles, reset, PNG) and the
// map's keyboard shortcuts. The DOM is here; what a button or key does is the view's.

import { CONTINUOUS_NAMES } from "./colormaps";
import { el } from "./dom";
import type { MapModel } from "./model";

export type Mode = "pan" | "box" | "lasso";
export const MODES: readonly [Mode, string, string][] = [
  ["pan", "Pan", "P"],
  ["box", "Box", "B"],
  ["lasso", "Lasso", "L"],
];

/** A valid mode from a trait or attribute value (anything else is pan). */
export function asMode(v: unknown): Mode {
  return v === "box" || v === "lasso" ? v : "pan";
}

export type KeyAction = { mode: Mode } | "clear" | "reset" | "search";

/** What a key typed into the map does (null: not the map's key). */
export function keyAction(key: string): KeyAction | null {
  if (key === "Escape") return "clear";
  if (key === "/") return "search";
  const k = key.toLowerCase();
  for (const [mode, , shortcut] of MODES) if (k === shortcut.toLowerCase()) return { mode };
  return k === "r" ? "reset" : null;
}

/**
 * The map's keyboard shortcuts on `root` (not while typing in its inputs); handled keys stop
 * there, so JupyterLab's notebook shortcuts never see them. Returns the unbind.
 */
export function bindKeys(root: HTMLElement, run: (action: KeyAction) => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const action = keyAction(e.key);
    if (!action) return;
    run(action);
    e.preventDefault();
    e.stopPropagation();
  };
  root.addEventListener("keydown", onKey);
  return () => root.removeEventListener("keydown", onKey);
}

export type Toggle = "show_background" | "show_density" | "show_category_labels";

export interface ToolbarActions {
  mode(mode: Mode): void;
  search(query: string): void;
  color(column: string): void;
  colormap(name: string): void;
  toggle(trait: Toggle, on: boolean): void;
  reset(): void;
  png(): void;
}

export class Toolbar {
  readonly el = el("div", "mm-toolbar", { role: "toolbar", "aria-label": "Map tools" });
  readonly searchInput: HTMLInputElement;
  private modeButtons = new Map<Mode, HTMLButtonElement>();
  private colorSelect = el("select", "mm-color-select", { "aria-label": "Colour points by" });
  private cmapSelect = el("select", "mm-cmap-select", { "aria-label": "Colour map" });
  private backgroundButton: HTMLButtonElement;
  private densityButton: HTMLButtonElement;
  private labelsButton: HTMLButtonElement;

  constructor(actions: ToolbarActions) {
    const bar = this.el;
    for (const [mode, label, key] of MODES) {
      const b = el("button", "mm-mode", { type: "button", "data-mode": mode, "aria-pressed": "false", title: `${label} (${key})` });
      b.textContent = label;
      b.addEventListener("click", () => actions.mode(mode));
      this.modeButtons.set(mode, b);
      bar.appendChild(b);
    }
    bar.appendChild(el("span", "mm-sep"));
    const search = el("input", "mm-search", {
      type: "search",
      placeholder: "formula or id",
      "aria-label": "Search points by formula or id (Enter selects matches)",
    });
    search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") actions.search(search.value);
      if (e.key === "Escape") search.value = "";
      e.stopPropagation();
    });
    this.searchInput = search;
    bar.append(search, el("span", "mm-sep"));
    this.colorSelect.addEventListener("change", () => actions.color(this.colorSelect.value));
    for (const name of CONTINUOUS_NAMES) this.cmapSelect.appendChild(new Option(name, name));
    this.cmapSelect.addEventListener("change", () => actions.colormap(this.cmapSelect.value));
    bar.append(this.colorSelect, this.cmapSelect, el("span", "mm-sep"));
    const toggle = (label: string, trait: Toggle, title: string) => {
      const b = el("button", `mm-toggle mm-toggle-${trait}`, { type: "button", title, "aria-pressed": "false" });
      b.textContent = label;
      b.addEventListener("click", () => actions.toggle(trait, b.getAttribute("aria-pressed") !== "true"));
      return b;
    };
    this.backgroundButton = toggle("Background", "show_background", "Show the model's prediction grid");
    this.densityButton = toggle("Density", "show_density", "Show point-density contours");
    this.labelsButton = toggle("Labels", "show_category_labels", "Show the family names at their clusters");
    const reset = el("button", "mm-reset", { type: "button", title: "Reset view (R)" });
    reset.textContent = "Reset";
    reset.addEventListener("click", () => actions.reset());
    const png = el("button", "mm-png", { type: "button", title: "Download the current view as PNG" });
    png.textContent = "PNG";
    png.addEventListener("click", () => actions.png());
    bar.append(this.backgroundButton, this.densityButton, this.labelsButton, reset, png);
  }

  showMode(mode: Mode): void {
    for (const [m, b] of this.modeButtons) b.setAttribute("aria-pressed", String(m === mode));
  }

  syncToggles(model: MapModel): void {
    this.backgroundButton.hidden = !model.get("background");
    this.backgroundButton.setAttribute("aria-pressed", String(model.get("show_background") !== false));
    this.densityButton.setAttribute("aria-pressed", String(!!model.get("show_density")));
    this.labelsButton.hidden = !((model.get("category_names") as string[]) ?? []).length;
    this.labelsButton.setAttribute("aria-pressed", String(model.get("show_category_labels") !== false));
  }

  syncColormap(model: MapModel): void {
    this.cmapSelect.value = String(model.get("colormap") || "viridis");
  }

  /** The colour-column select lists `color_columns` (hidden with fewer than two). */
  syncColorSelect(model: MapModel): void {
    const cols = ((model.get("color_columns") as string[]) ?? []).map(String);
    const cur = String(model.get("color") ?? "");
    this.colorSelect.replaceChildren();
    for (const c of cols.length ? cols : cur ? [cur] : []) this.colorSelect.appendChild(new Option(c, c));
    this.colorSelect.value = cur;
    this.colorSelect.hidden = cols.length < 2;
    this.syncColormap(model);
  }
}
