// The crystal viewer's stylesheet, injected once per document (or shadow root).

import { injectStyle } from "../inject_style";
import css from "./style.css";

export function injectCrystalStyle(el: HTMLElement): void {
  injectStyle(el, "materials-map-crystal-style", css);
}
