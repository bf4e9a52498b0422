// The WebGL point layer: regl-scatterplot set up for this map (box / lasso / click are ours,
// see brush.ts) and typed against its shipped types.

import createScatterplot from "regl-scatterplot";
import { hoverColor } from "./dom";
import { probe } from "./probe";
import type { LinearScale } from "./scales";

export const ACTIVE_COLOR = "#ff00aa";

export type Scatterplot = ReturnType<typeof createScatterplot>;
type Properties = NonNullable<Parameters<typeof createScatterplot>[0]>;
type Settable = Parameters<Scatterplot["set"]>[0];
type Color = NonNullable<Settable["pointColorActive"]>;

// regl-scatterplot 1.16 accepts more than its types.d.ts declares: per-colour active / hover
// lists (matched to pointColor by index), opacity by point density, and `actionKeyMap`, which
// replaced the deprecated `keyMap` in the code but not in the types. The only widenings.
interface Untyped {
  pointColorActive?: Color | Color[];
  pointColorHover?: Color | Color[];
  opacityBy?: Settable["opacityBy"] | "density";
  actionKeyMap?: Partial<Record<"alt" | "cmd" | "ctrl" | "meta" | "shift", "lasso" | "rotate" | "merge">>;
}
// (xScale / yScale are d3-scale types there; without @types/d3-scale installed they are open,
// and our LinearScale is the subset of d3's linear scale that regl-scatterplot calls.)
type Options = Omit<Properties, keyof Untyped> & Untyped;
type Settings = Omit<Settable, keyof Untyped> & Untyped;

export interface PointStyle {
  pointSize: number;
  opacity: number;
}

export class PointLayer {
  readonly scatter: Scatterplot;
  /** length of the colour list drawn last: per-colour hover lists must match it */
  private nColors = 1;

  constructor(canvas: HTMLCanvasElement, xScale: LinearScale, yScale: LinearScale, style: PointStyle) {
    const options: Options = {
      canvas,
      width: 1,
      height: 1,
      xScale,
      yScale,
      backgroundColor: [0, 0, 0, 0],
      pointSize: style.pointSize,
      opacity: style.opacity,
      pointColorActive: ACTIVE_COLOR,
      pointColorHover: hoverColor(),
      pointOutlineWidth: 2,
      pointSizeSelected: 2,
      opacityInactiveScale: 0.6,
      actionKeyMap: {}, // box / lasso are ours (exact, pointer-event based)
      deselectOnDblClick: false,
      deselectOnEscape: false,
      lassoInitiator: false,
    };
    this.scatter = createScatterplot(options as Properties);
    // regl draws in a later animation frame than the change that asks for it: count the
    // frames on the map root so a test can wait for the picture to settle, not sleep
    let frames = 0;
    this.scatter.subscribe("drawing", () => {
      const root = canvas.closest<HTMLElement>(".mm-root");
      if (root) probe(root, "frames", ++frames);
    });
  }

  set(settings: Settings): Promise<void> {
    return this.scatter.set(settings as Settable);
  }

  setScales(xScale: LinearScale, yScale: LinearScale): void {
    void this.set({ xScale, yScale });
  }

  /** Draw all points with colour codes into `colors`; reuse the kd-tree when only colours changed. */
  async draw(x: Float32Array, y: Float32Array, codes: Float32Array, colors: string[], reuseIndex: boolean): Promise<void> {
    // regl-scatterplot uses per-colour active/hover lists only when their lengths match
    this.nColors = colors.length;
    void this.set({
      pointColor: colors,
      pointColorActive: colors.map(() => ACTIVE_COLOR),
      pointColorHover: colors.map(() => hoverColor()),
      colorBy: "valueA",
    });
    const index = reuseIndex ? this.scatter.get("spatialIndex") : undefined;
    await this.scatter.draw({ x, y, valueA: codes }, index ? { zDataType: "categorical", spatialIndex: index } : { zDataType: "categorical" });
  }

  get drawn(): boolean {
    return this.scatter.get("isPointsDrawn");
  }

  opacity(opacity: number, byDensity: boolean): void {
    void this.set({ opacity, opacityBy: byDensity ? "density" : null });
  }

  /** Show only `keep` (null: every point). */
  filter(keep: number[] | null): void {
    if (keep) void this.scatter.filter(keep, { preventEvent: true });
    else void this.scatter.unfilter({ preventEvent: true });
  }

  highlight(indices: number[]): void {
    if (indices.length) this.scatter.select(indices, { preventEvent: true });
    else this.scatter.deselect({ preventEvent: true });
  }

  /** The hover outline follows the theme. */
  theme(): void {
    void this.set({ pointColorHover: new Array<string>(this.nColors).fill(hoverColor()) });
  }

  destroy(): void {
    this.scatter.destroy();
  }
}
