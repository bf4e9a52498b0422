// Entry for standalone HTML pages (no Jupyter at all): `materialsMap.mount(el, traits)`
// draws the same map as the notebook widget from the traits saved in a map document.

import mapWidget from "./widget";
import { ShimModel } from "./shim";

export function mount(el: HTMLElement, traits: Record<string, unknown>): ShimModel {
  const model = new ShimModel(traits);
  mapWidget.render({ model, el } as never);
  return model;
}
