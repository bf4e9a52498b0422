// anywidget entry of the crystal viewer (materials_map.widgets.crystal.CrystalWidget). The
// same CrystalPanel serves the standalone HTML page and the .mmap viewer (see ./link.ts).

import css from "./style.css";
import type { MapModel } from "../map/model";
import { CrystalPanel } from "./panel";

const STYLE_ID = "materials-map-crystal-style";

export function injectCrystalStyle(el: HTMLElement): void {
  const root = el.getRootNode() as Document | ShadowRoot;
  const host = root instanceof ShadowRoot ? root : document.head;
  if (host.querySelector?.(`#${STYLE_ID}`)) return;
  const s = document.createElement("style");
  s.id = STYLE_ID;
  s.textContent = css;
  host.appendChild(s);
}

function render({ model, el }: { model: MapModel; el: HTMLElement }): () => void {
  injectCrystalStyle(el);
  const panel = new CrystalPanel(model, el);
  return () => panel.destroy();
}

export { CrystalPanel };
export default { render };
