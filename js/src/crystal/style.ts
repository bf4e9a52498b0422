// The crystal viewer's stylesheet, injected once per document (or shadow root).

import css from "./style.css";

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
