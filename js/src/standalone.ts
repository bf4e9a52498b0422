// Entry for standalone HTML pages (no Jupyter at all): `materialsMap.mount(el, traits)`
// draws the same map as the notebook widget from the traits saved in a map document,
// with the crystal viewer when it carries structures and the Li/O panels when the
// document's table has the columns they need.

import mapWidget from "./widget";
import { mountRatioPanels, type Table } from "./docpanels";
import { ShimModel } from "./shim";
import { mountCrystalPanel, type CrystalDocument } from "./crystal/link";

export function mount(
  el: HTMLElement,
  traits: Record<string, unknown>,
  table: Table | null = null,
  crystals: CrystalDocument = {},
): ShimModel {
  const model = new ShimModel(traits);
  const mapEl = document.createElement("div");
  el.appendChild(mapEl);
  mapWidget.render({ model, el: mapEl });
  mountCrystalPanel(el, model, crystals);
  mountRatioPanels(el, model, table);
  return model;
}
