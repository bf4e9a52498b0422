// The crystal viewer proper (3Dmol.js and the panel), built on its own into
// static/crystal-viewer.js and loaded by ./widget.ts at the first render.

export { CrystalPanel } from "./panel";
export { injectCrystalStyle } from "./style";
