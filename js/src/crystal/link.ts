// Kernel-less crystal viewer for saved maps (standalone HTML page, JupyterLab .mmap viewer):
// the document's crystals and pathway volumes drive a CrystalPanel through a model shim, linked
// to the map exactly as the Explorer links them in a kernel: the focused point shows its
// crystal, a selection of two or more fills the grid, a click in the grid focuses that point.

import { ShimModel } from "../shim";
import { CrystalPanel, MAX_GRID } from "./panel";
import type { CrystalJSON, PathwayJSON } from "./types";
import { injectCrystalStyle } from "./style";

export interface CrystalDocument {
  structures?: (CrystalJSON | null)[] | null;
  pathways?: Record<string, PathwayJSON> | null;
}

interface MapLike {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: () => void): void;
  off(event?: string, cb?: () => void): void;
}

function selectionOf(model: MapLike): number[] {
  const v = model.get("selection") as DataView | null | undefined;
  if (!v || !v.byteLength) return [];
  return Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
}

/** Mount the crystal viewer for a document that carries structures; returns a cleanup. */
export function mountCrystalPanel(container: HTMLElement, map: MapLike, doc: CrystalDocument): () => void {
  const structures = doc.structures ?? [];
  if (!structures.some(Boolean)) return () => undefined;
  const pathways = doc.pathways ?? {};
  const model = new ShimModel({
    structures: [],
    mode: "single",
    pathways: {},
    pathway_status: {},
    show_pathway: false,
    barrier: "e_1d",
    margin: 0.05,
    show_polyhedra: true,
    highlight_li: true,
    supercell: [1, 1, 1],
    height: 380,
    theme: "auto",
  });
  const crystalOf = (i: number): CrystalJSON | null => {
    const c = structures[i];
    return c ? { ...c, index: i } : null;
  };
  const showOne = (i: number) => {
    const c = crystalOf(i);
    if (!c) return;
    const p = pathways[String(i)];
    model.set("pathways", p ? { [c.id]: p } : {});
    model.set("pathway_status", p ? {} : { [c.id]: "no pathway volume saved in this document" });
    model.set("mode", "single");
    model.set("structures", [c]);
  };
  const onFocus = () => {
    const i = Number(map.get("focused") ?? -1);
    if (i >= 0) showOne(i);
  };
  const onSelection = () => {
    const sel = selectionOf(map);
    if (sel.length < 2) return;
    const items = sel.map(crystalOf).filter((c): c is CrystalJSON => c !== null).slice(0, MAX_GRID);
    if (!items.length) return;
    model.set("pathways", {});
    model.set("mode", "grid");
    model.set("structures", items);
  };
  const box = document.createElement("div");
  box.className = "mm-crystal-panel";
  box.style.cssText = "padding:8px;";
  container.appendChild(box);
  injectCrystalStyle(box);
  const panel = new CrystalPanel(model, box, (index) => {
    if (index < 0) return;
    map.set("focused", index);
    map.save_changes();
  });
  map.on("change:focused", onFocus);
  map.on("change:selection", onSelection);
  onSelection();
  onFocus();
  return () => {
    map.off("change:focused", onFocus);
    map.off("change:selection", onSelection);
    panel.destroy();
    box.remove();
  };
}
