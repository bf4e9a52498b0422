// Category codes per point and the legend's hidden categories.

import { asTyped, type MapModel } from "./model";

/** The `categories` trait as uint8 / uint16 codes, or null when absent or of the wrong length. */
export function readCategories(model: MapModel, n: number): Uint8Array | Uint16Array | null {
  const dtype = model.get("categories_dtype") === "uint16" ? Uint16Array : Uint8Array;
  const c = asTyped(model.get("categories"), dtype as typeof Uint8Array);
  return c && c.length === n ? c : null;
}

export function hiddenCategories(model: MapModel): Set<number> {
  return new Set(((model.get("hidden_categories") as number[]) ?? []).map(Number));
}

/** Visible-point mask and indices with some categories (or marker groups: `markers`,
 * `hiddenMarkers`) hidden; null when all are shown. */
export function visibility(
  categories: ArrayLike<number> | null,
  hidden: Set<number>,
  markers: ArrayLike<number> | null = null,
  hiddenMarkers: Set<number> = new Set(),
): { mask: Uint8Array; keep: number[]; count: number } | null {
  const cats = categories && hidden.size > 0 ? categories : null;
  const marks = markers && hiddenMarkers.size > 0 ? markers : null;
  if (!cats && !marks) return null;
  const n = (cats ?? marks)!.length;
  const mask = new Uint8Array(n);
  const keep: number[] = [];
  for (let i = 0; i < n; i++)
    if (!(cats && hidden.has(cats[i])) && !(marks && hiddenMarkers.has(marks[i]))) {
      mask[i] = 1;
      keep.push(i);
    }
  return { mask, keep, count: keep.length };
}

/** Points per category code (codes beyond `size` are not counted). */
export function categoryCounts(categories: ArrayLike<number>, size: number): number[] {
  const counts = new Array(size).fill(0);
  for (let i = 0; i < categories.length; i++) if (categories[i] < size) counts[categories[i]]++;
  return counts;
}
