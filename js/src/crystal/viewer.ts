// One 3Dmol.js viewer drawing one crystal: atoms coloured by element, partially occupied sites
// as sphere sectors, Li sites ringed, coordination polyhedra, unit-cell edges and the Li
// pathway isosurface. 3Dmol (BSD-3) is bundled from npm; nothing is fetched at run time.

import { CAP, createViewer, Matrix4, VolumeData, type CustomShapeSpec, type GLViewer } from "3dmol";

import { atomicRadius, elementColor } from "./elements";
import { cart, cellEdges, drawRadius, polyhedra, replicate, sectorMesh, towardViewer, type Atom, type Vec3 } from "./geometry";
import type { Crystal } from "./types";
import { dimensionAt, levelCode, levelOf, tiledVolume, DIM_COLORS, type Barrier, type Pathway } from "./volume";

export interface Theme {
  background: string;
  foreground: string;
  dark: boolean;
}

export interface DrawOptions {
  supercell: Vec3;
  polyhedra: boolean;
  highlightLi: boolean;
  pathway: Pathway | null;
  showPathway: boolean;
  barrier: Barrier;
  margin: number;
  theme: Theme;
}

/** What was drawn, read back from the 3Dmol model and shapes (published as data-* attributes). */
export interface DrawnState {
  id: string;
  sites: number;
  atoms: number;
  /** element -> [atoms drawn in the model, colour of their spheres] */
  elements: Record<string, [number, string]>;
  partial: number;
  edges: number;
  polyhedra: number;
  cell: "structure" | "label";
  pathway: "off" | "none" | "no-path" | "drawn";
  dim: number;
  level: number | null;
  ms: number;
  /** the 8 corners of the unit cell on screen, CSS px from the canvas's top-left */
  corners: [number, number][];
  foreground: string;
}

const LI_RING = "#2b8a3e";
/** The default camera's tilt, applied in this order (degrees about 3Dmol's x and y axes). */
const HOME_TILT: [number, "x" | "y"][] = [
  [-65, "x"],
  [25, "y"],
];

let software: boolean | null = null;

/**
 * Whether WebGL runs on a CPU rasteriser (SwiftShader, llvmpipe): there 3Dmol's antialiasing
 * (2x supersampling) makes each frame of a 200-atom cell take seconds, so it is turned off.
 */
export function softwareRenderer(): boolean {
  if (software !== null) return software;
  software = false;
  try {
    const gl = document.createElement("canvas").getContext("webgl");
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    const name = info ? String(gl!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
    software = /swiftshader|llvmpipe|software/i.test(name);
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
  } catch {
    software = false;
  }
  return software;
}

export class CrystalView {
  readonly el: HTMLElement;
  private viewer: GLViewer;
  private tip: HTMLDivElement;
  private drawnId: string | null = null;
  private identity: number[];
  /** model-space direction toward the camera in the default view: partial sites face it */
  private toViewer: Vec3;

  constructor(host: HTMLElement, className = "mmc-view") {
    this.el = document.createElement("div");
    this.el.className = className;
    host.appendChild(this.el);
    const canvasBox = document.createElement("div");
    canvasBox.className = "mmc-canvas";
    this.el.appendChild(canvasBox);
    this.tip = document.createElement("div");
    this.tip.className = "mmc-tip";
    this.tip.hidden = true;
    this.el.appendChild(this.tip);
    const aa = !softwareRenderer();
    this.viewer = createViewer(canvasBox, { backgroundColor: "white", antialias: aa, orthographic: true, hoverDuration: 60 })!;
    this.identity = this.viewer.getView(); // rotations accumulate: home() starts from here
    this.toViewer = towardViewer(this.identity.slice(4, 8) as [number, number, number, number], HOME_TILT);
    // (3Dmol watches its container's size itself: no ResizeObserver here)
  }

  /** Draw ``crystal`` (or the pathway's label cell while the pathway layer is on). */
  draw(crystal: Crystal, opts: DrawOptions): DrawnState {
    const t0 = performance.now();
    const v = this.viewer;
    const p = opts.showPathway ? opts.pathway : null;
    const shown = p ? p.cell : crystal;
    const keepCamera = this.drawnId === `${crystal.id}/${shown === crystal ? "s" : "l"}`;
    const view = keepCamera ? v.getView() : null;
    v.clear();
    v.setBackgroundColor(opts.theme.background, 1);

    const atoms = replicate(shown, opts.supercell);
    // the Li sites sit inside their channels: smaller atoms while the pathway layer is drawn
    const shrink = (el: string) => (p ? (el === "Li" ? 0.45 : 0.75) : 1);
    const ordered = atoms.filter((a) => a.site.ordered);
    const elements: Record<string, [number, string]> = {};
    const model = v.addModel();
    model.addAtoms(
      ordered.map((a, i) => {
        const el = a.site.major;
        const color = elementColor(el);
        return {
          elem: el,
          x: a.pos[0],
          y: a.pos[1],
          z: a.pos[2],
          serial: i,
          color,
          style: { sphere: { radius: drawRadius(atomicRadius(el)) * shrink(el), color } },
          properties: { site: a.site.index },
        };
      }),
    );
    for (const atom of model.selectedAtoms({})) {
      const el = String(atom.elem);
      const col = String((atom.style as { sphere?: { color?: string } }).sphere?.color ?? "");
      const e = (elements[el] ??= [0, col]);
      e[0] += 1;
    }
    v.setHoverable(
      {},
      true,
      (atom: { properties: { site: number }; x: number; y: number; z: number }) =>
        this.showTip(shown, shown.sites[atom.properties.site], [atom.x, atom.y, atom.z]),
      () => this.hideTip(),
    );

    const partial = atoms.filter((a) => !a.site.ordered);
    for (const a of partial) this.drawPartial(shown, a);
    if (opts.highlightLi && !p) this.ringLi(atoms);
    // one shape per layer: a few draw calls whatever the number of polyhedra and edges
    const polys = opts.polyhedra ? polyhedra(shown, atoms) : [];
    if (polys.length) {
      // one mesh for all of them: 3Dmol recomputes a shape's bounds over all its vertices
      // on every addCustom, so one call per polyhedron would be quadratic
      const mesh = flatMesh(polys.flatMap((q) => q.faces.map((f) => f.map((i) => q.vertices[i]) as [Vec3, Vec3, Vec3])));
      const colors = polys.flatMap((q) => new Array<string>(q.faces.length * 3).fill(elementColor(q.center.site.major)));
      v.addCustom({ ...mesh, color: colors, opacity: 0.55 });
    }
    const edges = cellEdges(shown.lattice, opts.supercell);
    const frame = v.addShape({ color: opts.theme.foreground });
    for (const [a, b] of edges) {
      frame.addCylinder({
        start: { x: a[0], y: a[1], z: a[2] },
        end: { x: b[0], y: b[1], z: b[2] },
        radius: 0.035,
        color: opts.theme.foreground,
        fromCap: CAP.FLAT,
        toCap: CAP.FLAT,
      });
    }

    let pathway: DrawnState["pathway"] = opts.showPathway ? "none" : "off";
    let dim = 0;
    let level: number | null = null;
    if (p) {
      level = levelOf(p, opts.barrier, opts.margin);
      if (level === null) pathway = "no-path";
      else {
        dim = dimensionAt(p, level);
        this.addSurface(p, level, opts.supercell, DIM_COLORS[dim]);
        pathway = "drawn";
      }
    }
    if (view) v.setView(view);
    else this.home();
    v.render();
    this.drawnId = `${crystal.id}/${shown === crystal ? "s" : "l"}`;
    const box = v.getCanvas().getBoundingClientRect();
    const corners = [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].map((k) => cart(shown.lattice, [i, j, k]))));
    const screen = v.modelToScreen(corners.map(([x, y, z]) => ({ x, y, z }))) as unknown as { x: number; y: number }[];
    return {
      corners: screen.map((q) => [q.x - box.left - window.scrollX, q.y - box.top - window.scrollY]),
      foreground: opts.theme.foreground,
      id: crystal.id,
      sites: shown.sites.length,
      atoms: ordered.length + partial.length,
      elements,
      partial: partial.length,
      edges: edges.length,
      polyhedra: polys.length,
      cell: shown === crystal ? "structure" : "label",
      pathway,
      dim,
      level,
      ms: performance.now() - t0,
    };
  }

  private drawPartial(crystal: Crystal, a: Atom): void {
    const r = drawRadius(atomicRadius(a.site.major));
    const mesh = sectorMesh(
      a.pos,
      r,
      a.site.occupants.map((o) => ({ occ: o.occ, color: elementColor(o.element) })),
      12,
      this.toViewer,
    );
    const spec: CustomShapeSpec = {
      vertexArr: mesh.vertices.map(([x, y, z]) => ({ x, y, z })),
      normalArr: mesh.normals.map(([x, y, z]) => ({ x, y, z })),
      faceArr: mesh.faces,
      color: mesh.colors,
      // 3Dmol builds a custom shape's pick triangles only for clickable shapes: without
      // this the sectors could never be hovered (no click callback: clicks do nothing)
      clickable: true,
      hoverable: true,
      hover_callback: () => this.showTip(crystal, a.site, a.pos),
      unhover_callback: () => this.hideTip(),
    };
    this.viewer.addCustom(spec);
  }

  /** Translucent shells around Li sites: a second model, so they cost one draw call. */
  private ringLi(atoms: Atom[]): void {
    const li = atoms.filter((a) => a.site.occupants.some((o) => o.element === "Li"));
    if (!li.length) return;
    const r = drawRadius(atomicRadius("Li")) * 1.45;
    const shells = this.viewer.addModel();
    shells.addAtoms(
      li.map((a, i) => ({
        elem: "Li",
        x: a.pos[0],
        y: a.pos[1],
        z: a.pos[2],
        serial: i,
        style: { sphere: { radius: r, color: LI_RING, opacity: 0.3 } },
        properties: { site: a.site.index },
      })),
    );
  }

  private addSurface(p: Pathway, level: number, supercell: Vec3, color: string): void {
    const { data, size } = tiledVolume(p, supercell);
    const vol = new VolumeData("", "none");
    vol.size = { x: size[0], y: size[1], z: size[2] };
    vol.data = data;
    vol.origin = { x: 0, y: 0, z: 0 };
    vol.unit = { x: 1, y: 1, z: 1 };
    const L = p.cell.lattice;
    const [na, nb, nc] = p.shape;
    // voxel (x, y, z) -> x/na a + y/nb b + z/nc c (3Dmol's cube convention: axes as columns)
    vol.matrix = new Matrix4(
      L[0][0] / na, L[1][0] / nb, L[2][0] / nc, 0,
      L[0][1] / na, L[1][1] / nb, L[2][1] / nc, 0,
      L[0][2] / na, L[1][2] / nb, L[2][2] / nc, 0,
      0, 0, 0, 1,
    );
    this.viewer.addIsosurface(vol, { isoval: levelCode(p, level), color, opacity: 0.72, smoothness: 2 });
  }

  private showTip(crystal: Crystal, site: Crystal["sites"][number], pos: number[]): void {
    const occ = site.occupants.map((o) => `${o.species} ${fmtOcc(o.occ)}`).join(" + ");
    const vac = site.occupancy < 0.999 ? ` (vacant ${fmtOcc(1 - site.occupancy)})` : "";
    const f = site.frac.map((x) => x.toFixed(3)).join(", ");
    this.tip.textContent = `${site.label} · site ${site.index + 1} of ${crystal.sites.length}\n${occ}${vac}\nfrac (${f})`;
    // modelToScreen answers in page coordinates; the tip is placed inside this view
    const xy = this.viewer.modelToScreen({ x: pos[0], y: pos[1], z: pos[2] }) as unknown as { x: number; y: number };
    const box = this.el.getBoundingClientRect();
    this.tip.style.left = `${Math.round(xy.x - box.left - window.scrollX + 12)}px`;
    this.tip.style.top = `${Math.round(xy.y - box.top - window.scrollY + 12)}px`;
    this.tip.hidden = false;
    this.el.dataset.hover = site.label;
  }

  private hideTip(): void {
    this.tip.hidden = true;
    delete this.el.dataset.hover;
  }

  /** The default camera: a tilted view (polyhedra and channels read in 3-D), whole cell in frame. */
  private home(): void {
    const v = this.viewer;
    v.setView(this.identity);
    v.zoomTo();
    for (const [angle, axis] of HOME_TILT) v.rotate(angle, axis);
    v.zoomTo();
  }

  reset(): void {
    this.home();
    this.viewer.render();
  }

  png(): string {
    return this.viewer.pngURI();
  }

  destroy(): void {
    // 3Dmol draws every viewer with one shared offscreen WebGL context: clearing is enough
    this.viewer.clear();
    this.el.remove();
  }
}

/** Flat-shaded triangles: three vertices per triangle carrying its normal (3Dmol's custom arrays). */
function flatMesh(triangles: [Vec3, Vec3, Vec3][]): Required<Pick<CustomShapeSpec, "vertexArr" | "normalArr" | "faceArr">> {
  const vertexArr: { x: number; y: number; z: number }[] = [];
  const normalArr: { x: number; y: number; z: number }[] = [];
  const faceArr: number[] = [];
  for (const [a, b, c] of triangles) {
    const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    const n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]];
    const len = Math.hypot(n[0], n[1], n[2]) || 1;
    for (const q of [a, b, c]) {
      faceArr.push(vertexArr.length);
      vertexArr.push({ x: q[0], y: q[1], z: q[2] });
      normalArr.push({ x: n[0] / len, y: n[1] / len, z: n[2] / len });
    }
  }
  return { vertexArr, normalArr, faceArr };
}

function fmtOcc(v: number): string {
  return v >= 0.9995 ? "1" : v.toFixed(3).replace(/0+$/, "");
}
