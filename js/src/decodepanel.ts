// Decoding without a kernel, for saved maps (standalone HTML page, JupyterLab .mmap viewer):
// a click on empty map draws the decoded composition and structure descriptors, one plot per
// descriptor group with its blocks labelled (the notebook's Decode tab), beside the nearest
// materials' own descriptors; the predicted target at the click goes to the map's status
// line, and the prediction under the pointer to a readout in the plot's corner. The map
// (map/view.ts) announces pointer moves as "mm-pointer" events and takes status notes as
// "mm-note" events on its root, so it needs to know nothing of the decoder.

import { descriptorGroups, MapDecoder, nearestPoints, type Group } from "./map/decoder";
import { asTyped } from "./map/model";
import type { ModelLike, Table } from "./docpanels";

const W = 330;
const H = 150;
const PAD = { l: 44, r: 8, t: 18, b: 12 };
const DECODED = "#D55E00"; // the notebook's colours (widgets/panels/style.py)
const NEIGHBOUR = "#9E9E9E";
const N_NEIGHBOURS = 3;

type Curves = { decoded: Float64Array; inputs: Float64Array[] };

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** "predicted <target> v (ensemble m ± s)": the Explorer's status wording (explorer/document.py). */
export function predictionText(decoder: MapDecoder, x: number, y: number): string {
  if (!decoder.target) return "";
  let text = `predicted ${decoder.target.name} ${fmt(decoder.predict(x, y))}`;
  const spread = decoder.predictStd(x, y);
  if (spread) text += ` (ensemble ${fmt(spread.mean)} ± ${fmt(spread.std)})`;
  return text;
}

function drawGroup(canvas: HTMLCanvasElement, g: Group, curves: Curves | null): void {
  const ctx = canvas.getContext("2d")!;
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const fg = getComputedStyle(canvas).getPropertyValue("--jp-ui-font-color1").trim() || "#222";
  const n = g.stop - g.start;
  const lines = curves ? [...curves.inputs, curves.decoded] : [];
  let lo = 0;
  let hi = 0;
  for (const c of lines) for (const v of c) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (hi <= lo) hi = lo + 1;
  // curves hold the group's columns only: index 0 is column g.start of its branch
  const px = (j: number) => PAD.l + (j / Math.max(n - 1, 1)) * (W - PAD.l - PAD.r);
  const py = (v: number) => H - PAD.b - ((v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  ctx.font = "11px sans-serif";
  ctx.fillStyle = fg;
  ctx.textAlign = "left";
  ctx.fillText(`${g.name} (${g.branch}, ${n} columns)`, PAD.l, 12);
  ctx.textAlign = "right";
  ctx.fillText(hi.toPrecision(2), PAD.l - 4, PAD.t + 8);
  ctx.fillText(lo.toPrecision(2), PAD.l - 4, H - PAD.b);
  ctx.strokeStyle = fg;
  ctx.lineWidth = 1;
  ctx.strokeRect(PAD.l, PAD.t, W - PAD.l - PAD.r, H - PAD.t - PAD.b);
  // the blocks: a faint line at each start, its name written down from the top
  ctx.font = "9px sans-serif";
  for (const s of g.subBlocks) {
    ctx.strokeStyle = "rgba(128,128,128,0.35)";
    ctx.beginPath();
    ctx.moveTo(px(s.start - g.start), PAD.t);
    ctx.lineTo(px(s.start - g.start), H - PAD.b);
    ctx.stroke();
    ctx.save();
    ctx.translate(px(s.start - g.start) + 3, PAD.t + 2);
    ctx.rotate(Math.PI / 2);
    ctx.fillStyle = "#777";
    ctx.textAlign = "left";
    ctx.fillText(s.label, 0, 0);
    ctx.restore();
  }
  const path = (c: Float64Array, color: string, width: number) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    c.forEach((v, j) => (j ? ctx.lineTo(px(j), py(v)) : ctx.moveTo(px(j), py(v))));
    ctx.stroke();
  };
  if (!curves) return;
  ctx.globalAlpha = 0.8;
  for (const c of curves.inputs) path(c, NEIGHBOUR, 1.2);
  ctx.globalAlpha = 1;
  path(curves.decoded, DECODED, 1.6);
}

function legendItem(color: string, label: string): HTMLSpanElement {
  const item = document.createElement("span");
  item.style.cssText = "display:inline-flex;align-items:center;gap:4px;margin-right:12px";
  const swatch = document.createElement("span");
  swatch.style.cssText = `display:inline-block;width:16px;border-top:2px solid ${color}`;
  item.append(swatch, label);
  return item;
}

/**
 * Mount the decode panel under a saved map and wire the map's clicks, pointer and status line
 * to the document's decoder. `decoder` null (a document without a model block) mounts
 * nothing; a refused block shows why. Returns a cleanup function.
 */
export function mountDecodePanel(
  container: HTMLElement,
  model: ModelLike,
  decoder: MapDecoder | { problem: string } | null,
  table: Table | null,
): () => void {
  if (decoder === null) return () => undefined;
  const box = document.createElement("div");
  box.className = "mm-decode-panel";
  box.style.cssText = "padding:8px;font:12px sans-serif;color:var(--jp-ui-font-color1, #222)";
  box.setAttribute("aria-label", "Decoded descriptors of the clicked map coordinate");
  container.appendChild(box);
  if (!(decoder instanceof MapDecoder)) {
    box.dataset.state = "off";
    box.textContent = `Decoding is off for this document: ${decoder.problem}.`;
    return () => box.remove();
  }
  box.dataset.state = "empty";
  const head = document.createElement("div");
  const units = document.createElement("select");
  units.className = "mm-decode-units";
  units.setAttribute("aria-label", "units of the decoded descriptors");
  for (const u of ["scaled", "original"]) units.add(new Option(u, u));
  const caption = document.createElement("span");
  caption.textContent = " Click empty map space to decode it.";
  const title = document.createElement("b");
  title.textContent = "Decode ";
  head.append(title, units, caption);
  const legend = document.createElement("div");
  legend.style.cssText = "display:flex;flex-wrap:wrap;margin:4px 0";
  const plots = document.createElement("div");
  plots.style.cssText = "display:flex;flex-wrap:wrap;gap:6px";
  const groups = descriptorGroups(decoder.blocks);
  const dpr = window.devicePixelRatio || 1;
  const canvases = groups.map((g) => {
    const c = document.createElement("canvas");
    c.className = "mm-decode-plot";
    c.dataset.group = `${g.branch}:${g.name}`;
    c.width = W * dpr;
    c.height = H * dpr;
    c.style.width = `${W}px`;
    c.style.height = `${H}px`;
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", `${g.name} descriptors, decoded and of the nearest materials`);
    plots.appendChild(c);
    return c;
  });
  box.append(head, legend, plots);

  const mapRoot = container.querySelector<HTMLElement>(".mm-root");
  const names = table ? table.columns.indexOf("formula") : -1;
  let clicked: { x: number; y: number; near: { index: number; distance: number }[]; rows: Float64Array[] } | null = null;

  const draw = () => {
    if (!clicked) return;
    // the notebook's default: the model's scaled units (each family within [0, 1])
    const original = units.value === "original";
    const dec = decoder.decodeScaled(clicked.x, clicked.y);
    const decoded = Float64Array.from([...dec.comp, ...dec.struct]);
    const rows = clicked.rows.map((r) => (original ? r : decoder.rescale(Float64Array.from(r))));
    if (original) decoder.unscale(decoded, 0);
    canvases.forEach((c, k) => {
      const g = groups[k];
      // groups index their branch; in these vectors the struct columns follow the comp ones
      const at = g.branch === "struct" ? decoder.nComp : 0;
      const part = (v: Float64Array) => v.subarray(at + g.start, at + g.stop);
      drawGroup(c, g, { decoded: part(decoded), inputs: rows.map(part) });
    });
    legend.replaceChildren(legendItem(DECODED, "decoded"), ...rows.map((_, j) => legendItem(NEIGHBOUR, `nearest ${j + 1}`)));
    const near = clicked.near
      .slice(0, rows.length)
      .map(({ index, distance }) => `${names >= 0 ? String(table!.data[index]?.[names] ?? index) : `#${index}`} (d=${distance.toFixed(2)})`);
    caption.textContent = ` decoded at (${clicked.x.toFixed(3)}, ${clicked.y.toFixed(3)}) (orange)${near.length ? `; nearest materials (grey): ${near.join(", ")}` : ""}`;
    box.dataset.state = "decoded";
    box.dataset.coord = `${clicked.x},${clicked.y}`;
    box.dataset.neighbours = String(rows.length);
  };

  const onClick = () => {
    const xy = model.get("clicked_coord") as number[] | null | undefined;
    if (!Array.isArray(xy) || xy.length !== 2 || !xy.every(Number.isFinite)) return;
    const [x, y] = xy;
    const coords = asTyped(model.get("coords"), Float32Array) ?? new Float32Array(0);
    const current = { x, y, near: nearestPoints(coords, x, y, N_NEIGHBOURS), rows: [] as Float64Array[] };
    clicked = current;
    draw();
    const note = predictionText(decoder, x, y);
    mapRoot?.dispatchEvent(new CustomEvent("mm-note", { detail: `clicked (${x.toFixed(2)}, ${y.toFixed(2)})${note ? ` → ${note}` : ""}` }));
    void decoder.pointDescriptors().then(
      (points) => {
        if (clicked !== current || !points) return;
        current.rows = current.near.filter((p) => points.has(p.index)).map((p) => points.row(p.index));
        draw();
      },
      () => undefined, // a damaged descriptor table: the decoded curve alone
    );
  };

  // the prediction under the pointer, in a corner of the plot
  const readout = document.createElement("div");
  readout.className = "mm-hover-prediction";
  readout.style.cssText =
    "position:absolute;top:4px;right:6px;padding:1px 5px;border-radius:3px;font-size:11px;" +
    "pointer-events:none;background:var(--mm-bg, #fff);color:var(--mm-fg, #222);opacity:0.9";
  readout.hidden = true;
  mapRoot?.querySelector(".mm-plot")?.appendChild(readout);
  const onPointer = (e: Event) => {
    const at = (e as CustomEvent<[number, number] | null>).detail;
    readout.hidden = !at || !decoder.target;
    if (readout.hidden || !at) return;
    readout.textContent = `(${at[0].toFixed(2)}, ${at[1].toFixed(2)}): ${predictionText(decoder, at[0], at[1])}`;
    readout.dataset.x = String(at[0]);
    readout.dataset.y = String(at[1]);
  };

  model.on("change:clicked_coord", onClick);
  units.addEventListener("change", draw);
  mapRoot?.addEventListener("mm-pointer", onPointer);
  for (const [k, c] of canvases.entries()) drawGroup(c, groups[k], null);
  return () => {
    model.off("change:clicked_coord", onClick);
    mapRoot?.removeEventListener("mm-pointer", onPointer);
    readout.remove();
    box.remove();
  };
}
