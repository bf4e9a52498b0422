// One <style> element per document (or shadow root) for each stylesheet, shared by every
// view in it: the map's and the crystal viewer's entries both inject theirs through here.

/** Add ``css`` as a <style id=``id``> to ``el``'s document head or shadow root, once. */
export function injectStyle(el: HTMLElement, id: string, css: string): void {
  const root = el.getRootNode() as Document | ShadowRoot;
  const host = root instanceof ShadowRoot ? root : document.head;
  if (host.querySelector?.(`#${id}`)) return;
  const s = document.createElement("style");
  s.id = id;
  s.textContent = css;
  host.appendChild(s);
}
