// Search by formula or id. Rule (the kernel-side search in map.py follows it too): a point
// matches when any search column equals the query ignoring case; if nothing matches exactly,
// points whose value contains the query (ignoring case) match.

export function searchTable(
  table: Record<string, unknown[]>,
  columns: string[],
  query: string,
  n: number,
): Uint32Array {
  const q = query.trim().toLowerCase();
  const cols = (columns.length ? columns : Object.keys(table)).filter((c) => Array.isArray(table[c]));
  if (!q || cols.length === 0) return new Uint32Array(0);
  const exact: number[] = [];
  const partial: number[] = [];
  for (let i = 0; i < n; i++) {
    let e = false;
    let p = false;
    for (const c of cols) {
      const v = table[c][i];
      if (v === null || v === undefined) continue;
      const s = String(v).toLowerCase();
      if (s === q) e = true;
      else if (s.includes(q)) p = true;
    }
    if (e) exact.push(i);
    else if (p) partial.push(i);
  }
  return Uint32Array.from(exact.length ? exact : partial);
}
