// The map's one debug hook. What browser tests, benchmarks and people with devtools need to
// see from outside (view transform, readiness, counts, the last brushed shape, timings) is
// published here, as data-* attributes on the map's root element, and nowhere else: no
// globals, no properties stuck on elements. tests/browser and tests/benchmarks read these.

export interface ProbeValues {
  /** "true" once every point is drawn (data-ready) */
  ready: "true" | "false";
  /** points in the data (data-points) */
  points: number;
  /** points not hidden through the legend (data-visible-points) */
  visiblePoints: number;
  /** size of the selection (data-selected) */
  selected: number;
  /** "x0,x1,y0,y1": the view in data coordinates, exact doubles (data-view) */
  view: string;
  /** "w,h": plot size in CSS px (data-size) */
  size: string;
  /** index of the point under the pointer (data-hovered) */
  hovered: number;
  /** JSON {kind, screen, data, view, size} of the last box / lasso (data-last-shape) */
  lastShape: string;
  /** ms from receiving coordinates to the first frame with every point (data-render-ms) */
  renderMs: number;
  /** ms of the last brush: "geometry,merge+send" (data-select-ms) */
  selectMs: string;
  /** ms of the last selection change: "merge,send" (data-set-selection-ms) */
  setSelectionMs: string;
  /** ms the last selection highlight took on the main thread (data-highlight-ms) */
  highlightMs: number;
  /** family names drawn on the map (data-category-labels; 0 when off): catlabels.ts */
  categoryLabels: number;
  /** candidate markers drawn (data-candidates; 0 when the layer is hidden) */
  candidates: number;
  /** the last file drop: "placing", "done" (the kernel answered) or "no-kernel" (data-drop) */
  drop: "placing" | "done" | "no-kernel";
  /** WebGL frames drawn so far (data-frames): tests wait until it stops changing */
  frames: number;
  /** draws of the 2-D layer canvas (background, contours, halos) so far (data-layers) */
  layers: number;
}

export function probe<K extends keyof ProbeValues>(root: HTMLElement, key: K, value: ProbeValues[K]): void {
  root.dataset[key] = String(value);
}
