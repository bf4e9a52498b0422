// Categorical legend: one toggle button per category (click hides/shows its points).

export interface LegendOptions {
  names: string[];
  colors: string[];
  counts: number[];
  hidden: Set<number>;
  onToggle: (code: number, hidden: boolean) => void;
  /** the entry's swatch (default: a square of `colors[code]`) */
  swatch?: (code: number) => HTMLElement;
}

export function renderLegend(el: HTMLElement, title: string, opts: LegendOptions): void {
  el.replaceChildren();
  if (opts.names.length === 0) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const head = document.createElement("div");
  head.className = "mm-legend-title";
  head.textContent = title || "category";
  el.appendChild(head);
  const list = document.createElement("div");
  list.setAttribute("role", "group");
  list.setAttribute("aria-label", `${title || "category"} legend: toggle visibility`);
  opts.names.forEach((name, code) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "mm-legend-item";
    b.dataset.code = String(code);
    const hidden = opts.hidden.has(code);
    b.setAttribute("aria-pressed", String(!hidden));
    b.title = `${hidden ? "Show" : "Hide"} ${name}`;
    if (hidden) b.classList.add("mm-hidden");
    let sw: HTMLElement;
    if (opts.swatch) sw = opts.swatch(code);
    else {
      sw = document.createElement("span");
      sw.className = "mm-swatch";
      sw.style.background = opts.colors[code];
    }
    const label = document.createElement("span");
    label.textContent = `${name} (${opts.counts[code] ?? 0})`;
    b.append(sw, label);
    b.addEventListener("click", () => opts.onToggle(code, !opts.hidden.has(code)));
    list.appendChild(b);
  });
  el.appendChild(list);
}

/** An empty legend (no title, no entries). */
export function clearLegend(el: HTMLElement): void {
  renderLegend(el, "", { names: [], colors: [], counts: [], hidden: new Set(), onToggle: () => {} });
}
