"""A corpus of malformed and odd CIF files, made at test time from the real OBELiX CIFs.

Nothing here is committed data: every file is derived from ``../shared/data/obelix`` by a
named mutation. Each category says what a careful reader must do with it:

* ``keep``   — valid but odd (encodings, compression, unusual chemistry): must be loaded;
* ``refuse`` — physically impossible or not a CIF: must be refused, with a reason;
* ``either`` — damage whose effect depends on where it lands (truncation, bit flips): loaded
  or refused with a reason, never a crash, a hang or a silent loss.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KEEP, REFUSE, EITHER = "keep", "refuse", "either"


@dataclass(frozen=True)
class CorpusFile:
    """One generated file."""

    path: Path
    category: str
    expect: str
    source: str  # the OBELiX id it was made from ("" when none)


@dataclass(frozen=True)
class Cif:
    """A pymatgen-written CIF split into the parts the mutations edit."""

    name: str
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def atom_rows(self) -> tuple[list[str], list[int]]:
        """(header keys of the atom loop, indices of its row lines)."""
        lines = self.lines
        for i, line in enumerate(lines):
            if line.strip() != "loop_":
                continue
            keys, j = [], i + 1
            while j < len(lines) and lines[j].strip().startswith("_"):
                keys.append(lines[j].strip())
                j += 1
            if "_atom_site_fract_x" not in keys:
                continue
            rows = []
            while (
                j < len(lines)
                and lines[j].strip()
                and not lines[j].strip().startswith(("loop_", "_", "data_"))
            ):
                rows.append(j)
                j += 1
            return keys, rows
        raise ValueError(f"{self.name}: no atom loop")

    def fields(self, i: int) -> list[str]:
        return self.lines[i].split()

    def elements(self) -> list[str]:
        keys, rows = self.atom_rows()
        k = keys.index("_atom_site_type_symbol")
        return [re.sub(r"[\d+-]+$", "", self.fields(r)[k]) for r in rows]


def _set_rows(cif: Cif, new: dict[int, str | None], extra: list[str] | None = None) -> str:
    """Replace (str) or delete (None) row lines; append ``extra`` rows after the last one."""
    lines = cif.lines
    _, rows = cif.atom_rows()
    out = []
    for i, line in enumerate(lines):
        if i in new:
            if new[i] is not None:
                out.append(new[i])
        else:
            out.append(line)
        if extra and i == rows[-1]:
            out.extend(extra)
    return "\n".join(out)


def _row(fields: list[str]) -> str:
    return "  " + "  ".join(fields)


def _drop_formula(text: str) -> str:
    return "\n".join(
        line for line in text.split("\n") if not line.startswith(("_chemical_formula_",))
    )


def _set_cell(text: str, key: str, value: str) -> str:
    return re.sub(rf"(?m)^({re.escape(key)}\s+)\S+", lambda m: m.group(1) + value, text)


def _cell(text: str, key: str) -> float:
    m = re.search(rf"(?m)^{re.escape(key)}\s+(\S+)", text)
    return float(m.group(1)) if m else float("nan")


# -- mutations: (Cif, rng, k) -> bytes ----------------------------------------------------------
Mutation = Callable[[Cif, np.random.Generator, int], bytes]


def _enc(text: str) -> bytes:
    return text.encode("utf-8")


def m_control(c, rng, k):
    return _enc(c.text)


def m_crlf(c, rng, k):
    return _enc(c.text.replace("\n", "\r\n"))


def m_latin1(c, rng, k):
    text = "# Ångström units; prepared by J. Müller (Señor lab), 25 °C\n" + c.text
    return text.encode("latin-1")


def m_utf16(c, rng, k):
    text = "# prepared by J. Müller, 25 °C\n" + c.text
    if k % 2:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return b"\xfe\xff" + text.encode("utf-16-be")


def m_gzip(c, rng, k):
    return gzip.compress(_enc(c.text), mtime=0)


def m_two_blocks(c, rng, k, other: Cif | None = None):
    second = (other or c).text.replace("data_", "data_second_", 1)
    return _enc(c.text + "\n" + second)


def m_duplicated_atoms(c, rng, k):
    _, rows = c.atom_rows()
    r = rows[int(rng.integers(len(rows)))]
    return _enc(_set_rows(c, {r: c.lines[r] + "\n" + c.lines[r]}))


def m_no_li(c, rng, k):
    keys, rows = c.atom_rows()
    els = c.elements()
    new = {r: None for r, e in zip(rows, els, strict=True) if e == "Li"}
    return _enc(_drop_formula(_set_rows(c, new)))


def _substitute(c: Cif, old: str, new_el: str) -> str:
    keys, rows = c.atom_rows()
    t, lab = keys.index("_atom_site_type_symbol"), keys.index("_atom_site_label")
    new = {}
    for r, e in zip(rows, c.elements(), strict=True):
        if e == old:
            f = c.fields(r)
            f[t] = new_el
            f[lab] = new_el + f[lab][len(old) :]
            new[r] = _row(f)
    return _drop_formula(_set_rows(c, new))


def _cation(c: Cif, rng) -> str:
    others = sorted(set(c.elements()) - {"Li", "O", "H"})
    return others[int(rng.integers(len(others)))] if others else "O"


def m_hydride(c, rng, k):
    return _enc(_substitute(c, "O", "H"))


def m_noble_gas(c, rng, k):
    return _enc(_substitute(c, _cation(c, rng), ["Xe", "Kr", "Ar", "Ne", "He"][k % 5]))


def m_actinide(c, rng, k):
    return _enc(_substitute(c, _cation(c, rng), ["U", "Th", "Np", "Pu", "Am"][k % 5]))


def m_zero_occupancy(c, rng, k):
    keys, rows = c.atom_rows()
    f = c.fields(rows[int(rng.integers(len(rows)))])
    lab = keys.index("_atom_site_label")
    f[lab] = f[lab] + "v"
    for axis in "xyz":
        f[keys.index(f"_atom_site_fract_{axis}")] = f"{rng.random():.6f}"
    if "_atom_site_occupancy" in keys:
        f[keys.index("_atom_site_occupancy")] = "0.0"
    return _enc(_set_rows(c, {}, extra=[_row(f)]))


def m_charge_labels(c, rng, k):
    keys, rows = c.atom_rows()
    t = keys.index("_atom_site_type_symbol")
    charges = {"Li": "Li1+", "O": "O2-", "F": "F1-", "S": "S2-", "Cl": "Cl1-", "N": "N3-"}
    new = {}
    for r in rows:
        f = c.fields(r)
        f[t] = charges.get(f[t], f[t])
        new[r] = _row(f)
    return _enc(_set_rows(c, new))


_SPECIAL = ("0.00000000", "0.50000000", "0.25000000", "0.75000000")


def _special_row(c: Cif) -> tuple[int, int] | None:
    """(row line, coordinate column) of a fully occupied atom on a special coordinate."""
    keys, rows = c.atom_rows()
    occ = keys.index("_atom_site_occupancy") if "_atom_site_occupancy" in keys else None
    for r in rows:
        f = c.fields(r)
        if occ is not None and float(f[occ]) < 1:
            continue
        for axis in "xyz":
            j = keys.index(f"_atom_site_fract_{axis}")
            if f[j] in _SPECIAL:
                return r, j
    return None


def m_symmetry_overlap(c, rng, k):
    """A fully occupied atom written 0.002 (fractional) off a special position: symmetry
    makes copies of it a few hundredths of an Å apart, which the reader merges."""
    r, j = _special_row(c)
    f = c.fields(r)
    f[j] = f"{float(f[j]) + 0.002:.8f}"
    return _enc(_set_rows(c, {r: _row(f)}))


def m_missing_length(c, rng, k):
    key = f"_cell_length_{'abc'[k % 3]}"
    return _enc("\n".join(line for line in c.lines if not line.startswith(key)))


def m_zero_length(c, rng, k):
    return _enc(
        _set_cell(c.text, f"_cell_length_{'abc'[k % 3]}", ["0", "0.0", "0.00000000"][k % 3])
    )


def m_negative_length(c, rng, k):
    key = f"_cell_length_{'abc'[k % 3]}"
    return _enc(_set_cell(c.text, key, f"-{_cell(c.text, key):.8f}"))


def m_nan_length(c, rng, k):
    return _enc(_set_cell(c.text, f"_cell_length_{'abc'[k % 3]}", ["nan", "NaN", "-nan"][k % 3]))


_BAD_ANGLES = [
    {"alpha": "200"},
    {"beta": "0"},
    {"gamma": "180"},
    {"alpha": "-90"},
    {"beta": "270"},
    {"alpha": "120", "beta": "120", "gamma": "120"},
    {"alpha": "130", "beta": "130", "gamma": "130"},
    {"alpha": "30", "beta": "30", "gamma": "90"},
    {"gamma": "nan"},
    {"alpha": "179.9999", "beta": "90", "gamma": "90"},
]


def m_impossible_angle(c, rng, k):
    text = c.text
    for name, v in _BAD_ANGLES[k % len(_BAD_ANGLES)].items():
        text = _set_cell(text, f"_cell_angle_{name}", v)
    return _enc(text)


def m_unknown_element(c, rng, k):
    bogus = ["Qq", "Zz", "Xy", "Jx", "Aa"][k % 5]
    return _enc(_substitute(c, _cation(c, rng), bogus))


def m_occupancy_above_1(c, rng, k):
    keys, rows = c.atom_rows()
    r = rows[int(rng.integers(len(rows)))]
    f = c.fields(r)
    f[keys.index("_atom_site_occupancy")] = ["1.5", "2.0", "3", "1.25"][k % 4]
    return _enc(_set_rows(c, {r: _row(f)}))


def m_nan_coordinates(c, rng, k):
    keys, rows = c.atom_rows()
    r = rows[int(rng.integers(len(rows)))]
    f = c.fields(r)
    f[keys.index(f"_atom_site_fract_{'xyz'[k % 3]}")] = ["nan", "NaN", "inf"][k % 3]
    return _enc(_set_rows(c, {r: _row(f)}))


def m_overlapping_atoms(c, rng, k):
    keys, rows = c.atom_rows()
    f = c.fields(rows[int(rng.integers(len(rows)))])
    lab = keys.index("_atom_site_label")
    f[lab] = f[lab] + "x"
    a = _cell(c.text, "_cell_length_a")
    shift = [0.005, 0.01, 0.05, 0.1, 0.3][k % 5] / a
    j = keys.index("_atom_site_fract_x")
    f[j] = f"{float(f[j]) + shift:.8f}"
    if "_atom_site_occupancy" in keys:
        f[keys.index("_atom_site_occupancy")] = "1.0"
    return _enc(_set_rows(c, {}, extra=[_row(f)]))


def m_shrunk_cell(c, rng, k):
    if k % 2:
        return _enc(_set_cell(c.text, "_cell_length_a", "0.3"))
    text = c.text
    for x in "abc":
        key = f"_cell_length_{x}"
        text = _set_cell(text, key, f"{_cell(c.text, key) * 0.1:.8f}")
    return _enc(text)


def m_huge_cell(c, rng, k):
    return _enc(_set_cell(c.text, f"_cell_length_{'abc'[k % 3]}", ["1e6", "1000000", "5e4"][k % 3]))


def m_truncated(c, rng, k):
    data = _enc(c.text)
    return data[: int(len(data) * rng.uniform(0.05, 0.98))]


def m_bit_flipped(c, rng, k):
    data = bytearray(_enc(c.text))
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(len(data)))
        data[i] ^= 1 << int(rng.integers(8))
    return bytes(data)


def m_empty(c, rng, k):
    return [b"", b"   \n\n", b"\n", b"\t \r\n"][k % 4]


def m_binary(c, rng, k):
    noise = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return [
        noise,
        b"\x89PNG\r\n\x1a\n" + noise,
        b"%PDF-1.4\n" + noise,
        b"\x00" * 2048,
        b"\x7fELF\x02\x01\x01" + noise,
    ][k % 5]


_HTML = [
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1>"
    "<p>The requested URL /cif/{name}.cif was not found on this server.</p></body></html>\n",
    "\n\n<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\n</body>\n</html>\n",
    "<!doctype html><html lang=en><meta charset=utf-8><title>Just a moment...</title>"
    "<script>window._cf_chl_opt={{cType: 'managed'}};</script></html>",
]


def m_html_error(c, rng, k):
    return _enc(_HTML[k % len(_HTML)].format(name=c.name))


# -- categories -------------------------------------------------------------------------------------
CATEGORIES: dict[str, tuple[str, Mutation]] = {
    "control": (KEEP, m_control),
    "crlf": (KEEP, m_crlf),
    "latin1": (KEEP, m_latin1),
    "utf16_bom": (KEEP, m_utf16),
    "gzip_as_cif": (KEEP, m_gzip),
    "two_data_blocks": (KEEP, m_two_blocks),
    "duplicated_atoms": (KEEP, m_duplicated_atoms),
    "no_li": (KEEP, m_no_li),
    "hydride": (KEEP, m_hydride),
    "noble_gas": (KEEP, m_noble_gas),
    "actinide": (KEEP, m_actinide),
    "zero_occupancy_site": (KEEP, m_zero_occupancy),
    "charge_labels": (KEEP, m_charge_labels),
    "symmetry_overlap": (KEEP, m_symmetry_overlap),
    "p1_6000_atoms": (KEEP, None),  # made from a Structure, see _p1_supercell
    "missing_length": (REFUSE, m_missing_length),
    "zero_length": (REFUSE, m_zero_length),
    "negative_length": (REFUSE, m_negative_length),
    "nan_length": (REFUSE, m_nan_length),
    "impossible_angle": (REFUSE, m_impossible_angle),
    "unknown_element": (REFUSE, m_unknown_element),
    "occupancy_above_1": (REFUSE, m_occupancy_above_1),
    "nan_coordinates": (REFUSE, m_nan_coordinates),
    "overlapping_atoms": (REFUSE, m_overlapping_atoms),
    "shrunk_cell": (REFUSE, m_shrunk_cell),
    "huge_cell": (REFUSE, m_huge_cell),
    "empty": (REFUSE, m_empty),
    "binary": (REFUSE, m_binary),
    "html_error_page": (REFUSE, m_html_error),
    "huge_file": (REFUSE, None),  # sparse file / gzip bomb over the size limit
    "truncated": (EITHER, m_truncated),
    "bit_flipped": (EITHER, m_bit_flipped),
}
#: categories whose files are costly to make or read: fewer of them
_FEW = {"p1_6000_atoms": 3, "huge_file": 4, "empty": 4, "binary": 5, "html_error_page": 3}


def _p1_supercell(src: Path, target_atoms: int = 6000) -> bytes:
    import warnings

    from pymatgen.core import Structure
    from pymatgen.io.cif import CifWriter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rounding notes; CifWriter's non-unique labels
        s = Structure.from_file(src)
        n = max(1, round((target_atoms / len(s)) ** (1 / 3)))
        best = min(
            ((i, j, k) for i in range(1, n + 3) for j in range(1, n + 3) for k in range(1, n + 3)),
            key=lambda m: abs(len(s) * m[0] * m[1] * m[2] - target_atoms),
        )
        return str(CifWriter(s * best)).encode()


def _huge_file(path: Path, k: int, max_bytes: int) -> None:
    """Over the size limit without using the disk: a sparse file or a gzip bomb."""
    if k % 2 == 0:
        with open(path, "wb") as fh:
            fh.write(b"data_huge\n# padding follows\n")
            fh.seek(max_bytes + 1024)
            fh.write(b"\n")
    else:
        line = b"# " + b"x" * 98 + b"\n"
        comp = gzip.compress(b"data_bomb\n" + line * (max_bytes // len(line) + 10), 9, mtime=0)
        path.write_bytes(comp)


def sources(obelix: Path) -> list[Path]:
    """The OBELiX CIFs, sorted by name."""
    return sorted((obelix / "all_randomized_cifs").glob("*.cif"))


def _suitable(category: str, cif: Cif) -> bool:
    try:
        keys, rows = cif.atom_rows()
    except ValueError:
        return False
    if category != "control" and any(len(cif.fields(r)) != len(keys) for r in rows):
        return False  # rows split over lines: the row edits below assume one row per line
    els = cif.elements()
    if category == "no_li":
        return any(e != "Li" for e in els) and "Li" in els
    if category == "hydride":
        return "O" in els
    if category in ("noble_gas", "actinide", "unknown_element"):
        return bool(set(els) - {"Li", "O", "H"})
    if category == "symmetry_overlap":
        return _special_row(cif) is not None
    if category in ("occupancy_above_1", "zero_occupancy_site", "overlapping_atoms"):
        return "_atom_site_occupancy" in keys
    return True


def build(
    obelix: Path,
    out: Path,
    per_category: int = 30,
    seed: int = 0,
    categories: list[str] | None = None,
    max_bytes: int | None = None,
) -> list[CorpusFile]:
    """Write the corpus under ``out/<category>/`` and return its files.

    ``per_category`` files per category (fewer for the costly ones, see ``_FEW``), each made
    from a different OBELiX CIF where the category needs one; deterministic for a ``seed``.
    ``max_bytes`` is the size limit the huge files must exceed (default: the reader's).
    """
    from materials_map.datasets.cif_reading import MAX_BYTES

    max_bytes = max_bytes or MAX_BYTES
    srcs = sources(obelix)
    texts = {p.stem: Cif(p.stem, p.read_text()) for p in srcs}
    ordered_small = [p for p in srcs if " 1.0\n" in texts[p.stem].text]
    files: list[CorpusFile] = []
    rng = np.random.default_rng(seed)
    for category in categories or list(CATEGORIES):
        expect, mutate = CATEGORIES[category]
        n = min(per_category, _FEW.get(category, per_category))
        folder = out / category
        folder.mkdir(parents=True, exist_ok=True)
        pool = [p for p in srcs if _suitable(category, texts[p.stem])]
        picks = [pool[int(i)] for i in rng.choice(len(pool), size=min(n, len(pool)), replace=False)]
        for k, src in enumerate(picks):
            path = folder / f"{category}-{k:03d}-{src.stem}.cif"
            if category == "huge_file":
                _huge_file(path, k, max_bytes)
            elif category == "p1_6000_atoms":
                path.write_bytes(
                    _p1_supercell((ordered_small or srcs)[k % len(ordered_small or srcs)])
                )
            elif category == "two_data_blocks":
                other = texts[picks[(k + 1) % len(picks)].stem]
                path.write_bytes(m_two_blocks(texts[src.stem], rng, k, other))
            else:
                path.write_bytes(mutate(texts[src.stem], rng, k))
            files.append(CorpusFile(path, category, expect, src.stem))
    return files


__all__ = ["CATEGORIES", "EITHER", "KEEP", "REFUSE", "CorpusFile", "build", "sources"]
