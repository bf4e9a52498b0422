// The side panel: colour bar of the points and of the background; and the category legend,
// which view.ts places in a wrapping row under the plot so that every entry shows.

import { hiddenCategories, categoryCounts } from "./categories";
import { renderColorbar } from "./colorbar";
import { categoricalPalette } from "./colormaps";
import { el } from "./dom";
import { save } from "./sync";
import type { BackgroundLayer } from "./background";
import { clearLegend, renderLegend } from "./legend";
import { hiddenMarkers, markerSwatch } from "./markers";
import type { MapModel } from "./model";
import type { MapState } from "./state";

export class SidePanel {
  readonly el = el("div", "mm-side");
  private colorbar = el("div", "mm-colorbar");
  private backgroundBar = el("div", "mm-colorbar mm-background-bar");
  /** mean / spread / faded: offered when the background comes with a spread grid */
  private modeSelect = el("select", "mm-background-mode", { "aria-label": "Background shows" });
  /** the category legend: a row of its own under the plot (view.ts), wrapping */
  readonly legend = el("div", "mm-legend");
  /** the marker-shape legend (e.g. source: real / generated), beside the category legend */
  readonly markerLegend = el("div", "mm-marker-legend");

  constructor(
    private model: MapModel,
    private state: MapState,
    private background: BackgroundLayer,
    /** the legend hid or showed categories (already saved to the model) */
    private onHiddenChange: () => void,
  ) {
    for (const [value, text] of [["mean", "prediction"], ["spread", "spread (σ)"], ["faded", "faded by σ"]]) {
      const o = el("option", "", { value });
      o.textContent = text;
      this.modeSelect.append(o);
    }
    this.modeSelect.addEventListener("change", () => save(model, { background_mode: this.modeSelect.value }));
    this.el.append(this.colorbar, this.modeSelect, this.backgroundBar);
  }

  render(colorRange: [number, number]): void {
    const m = this.model;
    const cats = this.state.categories;
    if (m.get("values") && !(m.get("color_by") === "category" && cats)) {
      renderColorbar(this.colorbar, String(m.get("color_label") || "value"), String(m.get("colormap") || "viridis"), colorRange);
    } else {
      this.colorbar.hidden = true;
      this.colorbar.replaceChildren();
    }
    const shown = this.background.present && m.get("show_background") !== false;
    this.modeSelect.hidden = !(shown && this.background.hasSpread);
    this.modeSelect.value = String(m.get("background_mode") || "mean");
    if (shown) {
      const spread = this.background.showsSpread;
      const title = spread ? m.get("background_std_label") || "spread (σ)" : m.get("background_label") || "background";
      const cmap = spread ? m.get("background_std_colormap") || "magma" : m.get("background_colormap") || "viridis";
      renderColorbar(this.backgroundBar, String(title), String(cmap), this.background.range);
    } else {
      this.backgroundBar.hidden = true;
      this.backgroundBar.replaceChildren();
    }
    const names = ((m.get("category_names") as string[]) ?? []).map(String);
    if (cats && names.length > 0) {
      renderLegend(this.legend, String(m.get("category_label") || "category"), {
        names,
        colors: categoricalPalette(String(m.get("category_palette") || "auto"), names.length),
        counts: categoryCounts(cats, names.length),
        hidden: hiddenCategories(m),
        onToggle: this.toggler("hidden_categories", hiddenCategories),
      });
    } else {
      clearLegend(this.legend);
    }
    this.renderMarkers();
    this.el.hidden = this.colorbar.hidden && this.backgroundBar.hidden;
  }

  /** One entry per marker group (its outline shape and count); a click hides / shows it. */
  private renderMarkers(): void {
    const m = this.model;
    const marks = this.state.markers;
    const names = ((m.get("marker_names") as string[]) ?? []).map(String);
    if (!marks || names.length === 0) {
      clearLegend(this.markerLegend);
      return;
    }
    renderLegend(this.markerLegend, String(m.get("marker_label") || "marker"), {
      names,
      colors: [],
      counts: categoryCounts(marks, names.length),
      hidden: hiddenMarkers(m),
      swatch: markerSwatch,
      onToggle: this.toggler("hidden_markers", hiddenMarkers),
    });
  }

  /** A legend click handler: add or remove the entry's code in the `trait` list of hidden
   * codes (read by `hidden`), sync it, and redraw. */
  private toggler(trait: string, hidden: (m: MapModel) => Set<number>) {
    return (code: number, hide: boolean): void => {
      const h = hidden(this.model);
      if (hide) h.add(code);
      else h.delete(code);
      this.model.set(trait, [...h].sort((a, b) => a - b));
      this.model.save_changes();
      this.onHiddenChange();
    };
  }
}
