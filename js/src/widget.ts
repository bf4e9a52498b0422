// anywidget entry of the materials map. The same render() serves a live kernel, the
// standalone HTML page and the JupyterLab .mmap viewer (through a model shim).

import css from "./map/style.css";
import type { MapModel } from "./map/model";
import { MapView } from "./map/view";

const STYLE_ID = "materials-map-style";

function injectStyle(el: HTMLElement): void {
  // one <style> per document (or shadow root) is enough for every map in it
  const root = el.getRootNode() as Document | ShadowRoot;
  const host = root instanceof ShadowRoot ? root : document.head;
  if (host.querySelector?.(`#${STYLE_ID}`)) return;
  const s = document.createElement("style");
  s.id = STYLE_ID;
  s.textContent = css;
  host.appendChild(s);
}

function render({ model, el }: { model: MapModel; el: HTMLElement }): () => void {
  injectStyle(el);
  // nothing is exposed for tests here: the map's observable state is its data-* probe (map/probe.ts)
  const view = new MapView(model, el);
  return () => view.destroy();
}

export { MapView };
export default { render };
