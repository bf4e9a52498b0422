// anywidget entry of the crystal viewer (materials_map.widgets.crystal.CrystalWidget).
//
// anywidget gives a widget 2 s to load its ES module and render before it declares the model
// failed (and drops its change events); the viewer bundles 3Dmol.js (~600 kB minified), whose
// parse alone can take longer on a busy machine. So this module stays tiny, renders at once
// and imports the viewer (the model's `_viewer` trait, static/crystal-viewer.js) in the
// background, once per page. The standalone page and the
// .mmap viewer bundle the same CrystalPanel directly (see ./link.ts).

import type { MapModel } from "../map/model";
import type { CrystalPanel } from "./panel";

type Viewer = { CrystalPanel: typeof CrystalPanel; injectCrystalStyle: (el: HTMLElement) => void };

const loaded = new Map<string, Promise<Viewer>>();

function loadViewer(code: string): Promise<Viewer> {
  let p = loaded.get(code);
  if (!p) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    p = (import(/* @vite-ignore */ url) as Promise<Viewer>).finally(() => URL.revokeObjectURL(url));
    loaded.set(code, p);
  }
  return p;
}

function render({ model, el }: { model: MapModel; el: HTMLElement }): () => void {
  // anywidget counts render() in the same 2 s budget: return at once, build the panel when
  // the viewer module has loaded
  const note = document.createElement("div");
  note.className = "mmc-loading";
  note.textContent = "loading the crystal viewer ...";
  el.appendChild(note);
  let panel: CrystalPanel | null = null;
  let disposed = false;
  loadViewer(String(model.get("_viewer") ?? ""))
    .then((viewer) => {
      if (disposed) return;
      note.remove();
      viewer.injectCrystalStyle(el);
      panel = new viewer.CrystalPanel(model, el);
    })
    .catch((err) => {
      note.textContent = `the crystal viewer failed to load: ${(err as Error).message}`;
    });
  return () => {
    disposed = true;
    panel?.destroy();
  };
}

export default { render };
