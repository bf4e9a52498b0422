// anywidget entry of the materials map. The same render() serves a live kernel, the
// standalone HTML page and the JupyterLab .mmap viewer (through a model shim).

import { injectStyle } from "./inject_style";
import css from "./map/style.css";
import type { MapModel } from "./map/model";
import { MapView } from "./map/view";

function render({ model, el }: { model: MapModel; el: HTMLElement }): () => void {
  // one <style> per document (or shadow root) is enough for every map in it
  injectStyle(el, "materials-map-style", css);
  // nothing is exposed for tests here: the map's observable state is its data-* probe (map/probe.ts)
  const view = new MapView(model, el);
  return () => view.destroy();
}

export { MapView };
export default { render };
