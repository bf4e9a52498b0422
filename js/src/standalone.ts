// Entry for standalone HTML pages (no Jupyter at all): `materialsMap.open(el, doc)` draws the
// same map as the notebook widget from a saved map document, with the decode panel when it
// carries the model, the crystal viewer when it carries structures and the Li/O panels when
// its table has the columns they need. It returns the map's model and the document with the
// calls scripts use (`decode`, `predict`: docs/explorer.md).

import mapWidget from "./widget";
import { mountDecodePanel } from "./decodepanel";
import { mountRatioPanels, type Table } from "./docpanels";
import { loadDecoder, scriptingApi } from "./map/decoder";
import { ShimModel } from "./shim";
import { mountCrystalPanel, type CrystalDocument } from "./crystal/link";

export type SavedDocument = CrystalDocument & { traits: Record<string, unknown>; table?: Table | null; model?: unknown };

export function open(el: HTMLElement, doc: SavedDocument) {
  const model = new ShimModel(doc.traits);
  const mapEl = document.createElement("div");
  el.appendChild(mapEl);
  mapWidget.render({ model, el: mapEl });
  const decoder = doc.model == null ? null : loadDecoder(doc.model);
  mountDecodePanel(el, model, decoder, doc.table ?? null);
  mountCrystalPanel(el, model, doc);
  mountRatioPanels(el, model, doc.table ?? null);
  return { model, document: Object.assign(doc, scriptingApi(decoder)) };
}
