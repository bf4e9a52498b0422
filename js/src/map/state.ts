// The data one map shows, shared by its modules (read by all, written by view.ts).

export class MapState {
  /** interleaved float32 (x, y) */
  coords = new Float32Array(0);
  n = 0;
  categories: Uint8Array | Uint16Array | null = null;
  /** marker (outline shape) code per point, or null (markers.ts) */
  markers: Uint8Array | null = null;
  /** 1 per visible point while some categories or marker groups are hidden, else null */
  visible: Uint8Array | null = null;
  /** sorted unique point indices */
  selection: Uint32Array = new Uint32Array(0);
  /** plot size in CSS px */
  width = 1;
  height = 1;
  ready = false;
  disposed = false;

  isVisible = (i: number): boolean => !this.visible || this.visible[i] === 1;

  /** The visibility test for selection geometry, or undefined when every point is visible. */
  visibleFilter(): ((i: number) => boolean) | undefined {
    return this.visible ? this.isVisible : undefined;
  }
}
