// JupyterLab extension: opens saved `.mmap` map documents from the file browser in a
// read-only map view. No kernel: the document carries every trait the map needs, and the
// same render() as the notebook widget draws it through a model shim.

import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget } from "@jupyterlab/docregistry";
import { Widget } from "@lumino/widgets";

import mapWidget from "./widget";
import { mountDecodePanel } from "./decodepanel";
import { mountRatioPanels, type Table } from "./docpanels";
import { loadDecoder } from "./map/decoder";
import { mountCrystalPanel, type CrystalDocument } from "./crystal/link";
import { ShimModel } from "./shim";

const FILE_TYPE = "materials-map";

type ParsedDocument = { traits: Record<string, unknown>; table: Table | null; model: unknown } & CrystalDocument;

export function parseMapDocument(text: string): ParsedDocument {
  let doc: { format?: string; version?: number; traits?: Record<string, unknown>; table?: Table | null; model?: unknown } & CrystalDocument;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not a materials-map document: invalid JSON (${(err as Error).message})`);
  }
  if (doc.format !== "materials-map" || typeof doc.traits !== "object") {
    throw new Error("not a materials-map document: missing format marker or traits");
  }
  return {
    traits: doc.traits as Record<string, unknown>,
    table: doc.table ?? null,
    structures: doc.structures ?? null,
    pathways: doc.pathways ?? null,
    model: doc.model ?? null,
  };
}

class MapDocumentView extends Widget {
  private cleanups: (() => void)[] = [];

  constructor(private context: DocumentRegistry.Context) {
    super();
    this.addClass("mm-mmap-view");
    this.node.style.overflow = "auto";
    this.node.style.height = "100%";
    void context.ready.then(() => this.draw());
    context.model.contentChanged.connect(() => this.draw(), this);
  }

  private draw(): void {
    this.disposeViews();
    this.node.replaceChildren();
    try {
      const doc = parseMapDocument(this.context.model.toString());
      const model = new ShimModel(doc.traits);
      const el = document.createElement("div");
      this.node.appendChild(el);
      this.cleanups.push(mapWidget.render({ model, el }));
      this.cleanups.push(mountDecodePanel(this.node, model, doc.model === null ? null : loadDecoder(doc.model), doc.table));
      this.cleanups.push(mountCrystalPanel(this.node, model, doc));
      this.cleanups.push(mountRatioPanels(this.node, model, doc.table));
    } catch (err) {
      const msg = document.createElement("pre");
      msg.className = "mm-error";
      msg.textContent = `Cannot open ${this.context.path}: ${(err as Error).message}`;
      this.node.appendChild(msg);
    }
  }

  private disposeViews(): void {
    for (const c of this.cleanups.splice(0)) c();
  }

  dispose(): void {
    this.disposeViews();
    super.dispose();
  }
}

class MapDocumentFactory extends ABCWidgetFactory<DocumentWidget<MapDocumentView>> {
  protected createNewWidget(context: DocumentRegistry.Context): DocumentWidget<MapDocumentView> {
    return new DocumentWidget({ content: new MapDocumentView(context), context });
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "materials-map:mmap-viewer",
  description: "Opens .mmap materials-map documents in a read-only map view.",
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    app.docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: "Materials map",
      extensions: [".mmap"],
      mimeTypes: ["application/x-materials-map+json"],
      fileFormat: "text",
      contentType: "file",
    });
    const factory = new MapDocumentFactory({
      name: "Materials map viewer",
      fileTypes: [FILE_TYPE],
      defaultFor: [FILE_TYPE],
      readOnly: true,
    });
    app.docRegistry.addWidgetFactory(factory);
  },
};

export default plugin;
