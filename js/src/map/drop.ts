// Files dropped on the map go to the kernel to be placed (materials_map/widgets/explorer/
// placing.py): one custom message {type: "drop", request, files: [{name, size}]} with one
// binary buffer per file. The kernel answers {type: "drop", request, added, refused:
// [{name, reason}]}; each refused file is listed under the map with its reason. Without a
// kernel (standalone page, .mmap viewer: the model shim has no widget manager) a drop only
// says that placing needs one.

import { el } from "./dom";
import type { MapModel } from "./model";
import { probe } from "./probe";

/** Largest file sent (the kernel's reader refuses more: datasets/cif_text.py MAX_BYTES). */
export const MAX_FILE_BYTES = 64 * 2 ** 20;
/** Largest drop sent in one message. */
export const MAX_DROP_BYTES = 256 * 2 ** 20;
export const NEEDS_KERNEL = "Placing materials needs a running kernel: open the map in Jupyter (Explorer.add).";

export interface Refusal {
  name: string;
  reason: string;
}

export interface DropAnswer {
  request?: unknown;
  added?: string[];
  refused?: Refusal[];
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Which dropped files to send (indices, in order) and which to refuse here for their size. */
export function triage(files: { name: string; size: number }[], maxFile = MAX_FILE_BYTES, maxTotal = MAX_DROP_BYTES): { send: number[]; refused: Refusal[] } {
  const send: number[] = [];
  const refused: Refusal[] = [];
  let total = 0;
  files.forEach((f, i) => {
    if (f.size > maxFile) refused.push({ name: f.name, reason: `file too large: ${mib(f.size)} is over the ${mib(maxFile)} limit` });
    else if (total + f.size > maxTotal) refused.push({ name: f.name, reason: `drop too large: over ${mib(maxTotal)} in one drop; drop fewer files` });
    else {
      total += f.size;
      send.push(i);
    }
  });
  return { send, refused };
}

/** A live kernel's model: anywidget hands render() one with a widget manager. */
export function hasKernel(model: MapModel): boolean {
  return (model as { widget_manager?: unknown }).widget_manager != null;
}

/** The headline of an answer: "2 placed · 1 refused". */
export function summary(added: number, refused: number): string {
  return [added ? `${added} placed` : "", refused ? `${refused} refused` : ""].filter(Boolean).join(" · ") || "nothing placed";
}

/** Whether a drag carries files (not text or a notebook cell). */
function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes("Files");
}

export class DropZone {
  /** notes under the map: what happened to the last drop */
  readonly notes = el("div", "mm-drop-notes", { "aria-live": "polite" });
  private pending = "";
  private early: Refusal[] = [];
  private cleanups: (() => void)[] = [];

  constructor(
    private model: MapModel,
    private root: HTMLElement,
  ) {
    this.notes.hidden = true;
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      root.addEventListener(type, fn as EventListener);
      this.cleanups.push(() => root.removeEventListener(type, fn as EventListener));
    };
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault(); // allows the drop
      e.stopPropagation(); // JupyterLab's own file drop handlers stay out of it
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      root.classList.add("mm-drop-over");
    };
    on("dragenter", over);
    on("dragover", over);
    on("dragleave", (e) => {
      if (!root.contains(e.relatedTarget as Node | null)) root.classList.remove("mm-drop-over");
    });
    on("drop", (e) => {
      root.classList.remove("mm-drop-over");
      if (!carriesFiles(e)) return;
      e.preventDefault();
      e.stopPropagation();
      void this.send(Array.from(e.dataTransfer?.files ?? []));
    });
    const answer = (msg: unknown) => {
      const m = msg as { type?: string } & DropAnswer;
      if (m && m.type === "drop" && m.request === this.pending) this.answered(m);
    };
    model.on("msg:custom", answer);
    this.cleanups.push(() => model.off("msg:custom", answer));
  }

  /** Send the files to the kernel (those within the size limits). */
  async send(files: File[]): Promise<void> {
    if (!files.length) return;
    if (!hasKernel(this.model)) {
      this.show("no-kernel", NEEDS_KERNEL, []);
      return;
    }
    const { send, refused } = triage(files);
    this.early = refused;
    if (!send.length) {
      this.show("done", summary(0, refused.length), refused);
      return;
    }
    const chosen = send.map((i) => files[i]);
    const buffers = await Promise.all(chosen.map((f) => f.arrayBuffer()));
    this.pending = `drop-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    this.show("placing", `placing ${chosen.length} file${chosen.length > 1 ? "s" : ""}…`, refused);
    this.model.send({ type: "drop", request: this.pending, files: chosen.map((f) => ({ name: f.name, size: f.size })) }, undefined, buffers);
  }

  private answered(m: DropAnswer): void {
    this.pending = "";
    const refused = [...this.early, ...(m.refused ?? [])];
    this.show("done", summary((m.added ?? []).length, refused.length), refused);
  }

  private show(state: "placing" | "done" | "no-kernel", headline: string, refused: Refusal[]): void {
    const head = el("div", "mm-drop-head");
    head.textContent = headline;
    const close = el("button", "mm-drop-close", { type: "button", "aria-label": "Dismiss" });
    close.textContent = "×";
    close.addEventListener("click", () => (this.notes.hidden = true));
    head.appendChild(close);
    const list = el("ul", "mm-drop-refused");
    for (const r of refused) {
      const li = el("li");
      const name = el("b");
      name.textContent = r.name;
      li.append(name, document.createTextNode(`: ${r.reason}`));
      li.dataset.file = r.name;
      list.appendChild(li);
    }
    this.notes.replaceChildren(head, ...(refused.length ? [list] : []));
    this.notes.hidden = false;
    probe(this.root, "drop", state);
  }

  destroy(): void {
    for (const c of this.cleanups) c();
  }
}
