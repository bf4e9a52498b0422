// Trait wiring, one direction each way: `bindTraits` routes model changes and custom
// messages from the kernel to the view; `save` is the one way the view writes traits.

import type { Callback, MapModel } from "./model";
import type { Row } from "./tooltip";

/** What the view does when traits change; each handler lists the traits that trigger it. */
export const TRAIT_HANDLERS = {
  coords: ["coords"],
  colorData: ["values", "vmin", "vmax", "color_by", "category_palette", "categories", "categories_dtype"],
  colormap: ["colormap", "color_label"],
  categoryNames: ["category_names"],
  hidden: ["hidden_categories", "hidden_markers"],
  markers: ["markers", "marker_names", "marker_label"],
  selection: ["selection"],
  focused: ["focused"],
  view: ["view"],
  background: ["background", "background_shape", "background_extent", "background_colormap", "background_vmin", "background_vmax", "background_std", "background_std_colormap", "background_mode", "background_support"],
  backgroundStyle: ["background_opacity", "background_label", "show_background", "background_std_label"],
  density: ["show_density"],
  pointSize: ["point_size"],
  opacity: ["opacity", "density_opacity"],
  mode: ["mode"],
  height: ["height"],
  tooltipTable: ["tooltip_table"],
  colorColumns: ["color_columns", "color"],
  candidates: ["candidates", "candidate_labels", "show_candidates", "focused_candidate"],
  categoryLabels: ["show_category_labels"],
} as const satisfies Record<string, readonly string[]>;

export type TraitHandlers = Record<keyof typeof TRAIT_HANDLERS, () => void>;

/** Custom messages from the kernel, by `type`. */
export interface MessageHandlers {
  tooltip(msg: { index: number; rows: Row[] }): void;
  search(msg: { count: number; query: string }): void;
  exportPng(requestId: string, scale: number): void;
}

/** Subscribe the handlers to the model; returns the unsubscribe. */
export function bindTraits(model: MapModel, traits: TraitHandlers, messages: MessageHandlers): () => void {
  const bound: [string, Callback][] = [];
  const on = (event: string, cb: Callback) => {
    model.on(event, cb);
    bound.push([event, cb]);
  };
  for (const [name, names] of Object.entries(TRAIT_HANDLERS) as [keyof TraitHandlers, readonly string[]][]) {
    for (const t of names) on(`change:${t}`, () => traits[name]());
  }
  on("msg:custom", (msg: unknown) => dispatch(msg, messages));
  return () => {
    for (const [event, cb] of bound) model.off(event, cb);
  };
}

export function dispatch(msg: unknown, h: MessageHandlers): void {
  if (!msg || typeof msg !== "object") return;
  const m = msg as Record<string, unknown>;
  if (m.type === "tooltip") h.tooltip(m as unknown as { index: number; rows: Row[] });
  else if (m.type === "search") h.search(m as unknown as { count: number; query: string });
  else if (m.type === "export_png") {
    const scale = typeof m.scale === "number" && Number.isFinite(m.scale) ? m.scale : 1;
    h.exportPng(String(m.request_id ?? ""), scale);
  }
}

/** Set traits and send them to the kernel in one message. */
export function save(model: MapModel, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) model.set(k, v);
  model.save_changes();
}
