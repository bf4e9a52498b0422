"""Careful CIF reading: bytes -> text -> data blocks -> checked pymatgen Structures.

What users bring is messy. Every file is read under a size limit and a time limit; the bytes
may be gzip / bzip2 / xz compressed (read transparently), UTF-8 (with or without BOM),
UTF-16 / UTF-32 with a BOM, or Latin-1, with LF, CRLF or CR line ends. Anything that is not
CIF text (empty, binary, an HTML error page) is refused with a reason. Each data block with
atom sites is one candidate structure; by default the first one is read (``blocks="first"``),
``blocks="all"`` reads each. Cell parameters are checked as written, before pymatgen turns
them into a lattice (it silently reads a = -5 as 5 and 200° as 160°); rows repeated verbatim
are dropped; symmetry copies of one fully occupied atom closer than ``MERGE_DISTANCE`` are
merged; the result goes through :func:`materials_map._util.validate.structure_problem` and a
check of the declared ``_chemical_formula_sum``. Every refusal is a :class:`CifRefused` whose
text is ``"<kind>: <detail>"``. Limits and rules: ``docs/reliability.md``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from pymatgen.core import Structure

from .._util.deadline import TimeLimitExceeded, deadline
from .._util.validate import cell_problem, structure_problem
from .cif_p1 import p1_structure
from .cif_text import MAX_BYTES, CifRefused, decode, read_bytes

#: seconds allowed to read and check one file (see _util.deadline)
TIME_LIMIT = 60.0
#: largest accepted (atom rows x symmetry operations) of one block: symmetry expansion beyond it
#: would take minutes and gigabytes
MAX_EXPANDED_SITES = 200_000
#: symmetry copies of one fully occupied atom site closer than this (Å) are one atom
MERGE_DISTANCE = 0.2
#: site occupancy totals up to this are rounding and scaled to 1 (pymatgen's occupancy_tolerance)
OCCUPANCY_ROUNDING = 1.05

_CELL_KEYS = (
    "_cell_length_a",
    "_cell_length_b",
    "_cell_length_c",
    "_cell_angle_alpha",
    "_cell_angle_beta",
    "_cell_angle_gamma",
)
_SYMOP_KEYS = (
    "_symmetry_equiv_pos_as_xyz",
    "_space_group_symop_operation_xyz",
    "_symmetry_equiv_pos_as_xyz_",
    "_space_group_symop.operation_xyz",
)


@dataclass
class CifEntry:
    """One structure read from a CIF file."""

    block: str
    structure: Structure
    notes: list[str] = field(default_factory=list)


# -- one data block ----------------------------------------------------------------------------
def _number(block, key: str) -> float:
    from pymatgen.io.cif import str2float

    raw = block.data.get(key)
    if raw is None:
        raise CifRefused(f"missing cell parameter: {key}")
    if isinstance(raw, list):
        raw = raw[0] if len(raw) == 1 else raw
    if not isinstance(raw, str) or raw.strip() in ("?", "."):
        raise CifRefused(f"missing cell parameter: {key} = {raw!r}")
    try:
        return float(str2float(raw))
    except (TypeError, ValueError):
        raise CifRefused(f"unreadable cell parameter: {key} = {raw!r}") from None


def _rows(block) -> tuple[list[str], list[tuple[str, ...]]]:
    """(atom_site keys of the coordinate loop, rows as tuples of text)."""
    for loop in block.loops:
        if "_atom_site_fract_x" in loop:
            columns = [block.data[k] for k in loop]
            return loop, list(zip(*columns, strict=True))
    return [], []


def _float(text: str) -> float:
    from pymatgen.io.cif import str2float

    try:
        return float(str2float(text))
    except (TypeError, ValueError):
        return math.nan


def _check_rows(block, keys: list[str], rows: list[tuple[str, ...]]) -> list[str]:
    """Refuse NaN / unreadable coordinates and occupancies; drop rows repeated verbatim."""
    notes = []
    col = {k: i for i, k in enumerate(keys)}
    label = col.get("_atom_site_label", col.get("_atom_site_type_symbol"))
    for row in rows:
        name = row[label] if label is not None else "?"
        for axis in "xyz":
            v = _float(row[col[f"_atom_site_fract_{axis}"]])
            if not math.isfinite(v):
                raise CifRefused(
                    f"non-finite coordinates: site {name} has fract_{axis} = "
                    f"{row[col[f'_atom_site_fract_{axis}']]!r}"
                )
        if "_atom_site_occupancy" in col:
            text = row[col["_atom_site_occupancy"]]
            occ = 1.0 if text.strip() in ("?", ".") else _float(text)
            if not math.isfinite(occ) or occ < 0:
                raise CifRefused(f"bad occupancy: site {name} has occupancy {text!r}")
            if occ > OCCUPANCY_ROUNDING:
                raise CifRefused(f"occupancy above 1: site {name} has {text}")
    unique = list(dict.fromkeys(rows))
    if len(unique) < len(rows):
        for i, k in enumerate(keys):
            block.data[k] = [r[i] for r in unique]
        notes.append(f"dropped {len(rows) - len(unique)} atom row(s) repeated verbatim")
    return notes


def _n_symops(block) -> int:
    for key in _SYMOP_KEYS:
        ops = block.data.get(key)
        if ops:
            return len(ops) if isinstance(ops, list) else 1
    return 192  # a space-group symbol alone: at most 192 operations


def _merge_symmetry_copies(s: Structure) -> int:
    """Merge fully occupied sites of one CIF row (same label and species) closer than
    ``MERGE_DISTANCE``: an atom written slightly off a special position. Returns the count."""
    if len(s) < 2:
        return 0
    centers, points, _, dists = s.get_neighbor_list(MERGE_DISTANCE)
    drop: set[int] = set()
    for i, j, _d in zip(centers, points, dists, strict=True):
        i, j = int(i), int(j)
        if i >= j or i in drop or j in drop:
            continue
        a, b = s[i], s[j]
        if a.label == b.label and a.species == b.species and sum(a.species.values()) > 1 - 1e-3:
            drop.add(j)
    if drop:
        s.remove_sites(sorted(drop))
    return len(drop)


def _formula_problem(parser, s: Structure) -> tuple[str | None, str | None]:
    """(refusal, note) from comparing the declared formula with the atom sites."""
    try:
        msg = parser.check(s)
    except (TimeLimitExceeded, MemoryError):  # the file's limits, not the formula's fault
        raise
    except Exception as exc:  # noqa: BLE001 - a formula pymatgen cannot read is only a note
        return None, f"declared formula not checked ({type(exc).__name__}: {exc})"
    if not msg:
        return None, None
    msg = " ".join(msg.split())
    if msg.startswith("Cannot determine chemical composition"):
        return None, f"declared formula unreadable ({msg})"
    missing = re.match(r"Missing elements (.+) from PMG structure composition", msg)
    if missing and {e.strip() for e in missing.group(1).split(",")} <= {"H", "D"}:
        # X-ray structures often leave hydrogen out: the file is incomplete but honest
        return None, f"declared formula has {missing.group(1)} without atom sites"
    return f"declared formula disagrees with the atom sites: {msg}", None


def read_block(block, text: str | None, check_formula: bool = True) -> CifEntry:
    """Read one pymatgen ``CifBlock`` (``text``: the block's own text when unchanged)."""
    from pymatgen.io.cif import CifParser

    params = [_number(block, k) for k in _CELL_KEYS]
    reason = cell_problem(*params)
    if reason:
        raise CifRefused(reason)
    keys, rows = _rows(block)
    if not rows:
        raise CifRefused("no atom sites: the block has no _atom_site_fract_x loop")
    notes = _check_rows(block, keys, rows)
    n_rows = len(block.data[keys[0]])
    if n_rows * _n_symops(block) > MAX_EXPANDED_SITES:
        raise CifRefused(
            f"too many sites: {n_rows} atom rows x {_n_symops(block)} symmetry operations "
            f"exceed the {MAX_EXPANDED_SITES} limit"
        )
    source = text if (text is not None and not notes) else str(block)
    try:  # a large P1 block: linear-time reader (pymatgen's is quadratic in the rows)
        fast = p1_structure(block, params, OCCUPANCY_ROUNDING)
    except ValueError as exc:
        raise CifRefused(str(exc)) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parser = CifParser.from_str(source, occupancy_tolerance=OCCUPANCY_ROUNDING, check_cif=False)
        try:
            structures = (
                [fast]
                if fast is not None
                else parser.parse_structures(primitive=False, on_error="raise")
            )
        except (TimeLimitExceeded, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - pymatgen's reason becomes ours
            raise CifRefused(_pymatgen_reason(exc)) from None
    s = structures[0]
    for w in caught:
        first = str(w.message).splitlines()[0] if str(w.message) else ""
        if "fractional coordinates rounded" in first or "rounded" in first:
            notes.append(first.replace("Issues encountered while parsing CIF: ", ""))
    merged = _merge_symmetry_copies(s)
    if merged:
        notes.append(f"merged {merged} symmetry copies closer than {MERGE_DISTANCE} Å")
    reason = structure_problem(s)
    if reason:
        raise CifRefused(reason)
    if check_formula:
        refusal, note = _formula_problem(parser, s)
        if refusal:
            raise CifRefused(refusal)
        if note:
            notes.append(note)
    return CifEntry(block=str(block.header), structure=s, notes=notes)


def _pymatgen_reason(exc: Exception) -> str:
    msg = str(exc).replace("No structure parsed for section 1 in CIF.\n", "").strip()
    msg = " ".join(msg.split())
    occ = re.match(r"Occupancy ([\d.eE+-]+) exceeded tolerance", msg)
    if occ:
        return f"occupancy above 1: atoms at one position add up to {occ.group(1)}"
    if "thickness" in msg:
        return f"angles make no cell: the cell is flat ({msg})"
    return f"unreadable CIF: {type(exc).__name__}: {msg}"


# -- one file -------------------------------------------------------------------------------------
def _split_blocks(text: str) -> list[str]:
    starts = [m.start() for m in re.finditer(r"(?im)^[ \t]*data_", text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def read_cif(
    path: str | os.PathLike,
    *,
    blocks: str = "first",
    max_bytes: int = MAX_BYTES,
    time_limit: float | None = TIME_LIMIT,
    check_formula: bool = True,
) -> list[CifEntry]:
    """The structures of one CIF file, checked; raises :class:`CifRefused` with the reason.

    ``blocks="first"`` returns the first data block with atom sites that reads (other blocks
    with atoms are named in its notes); ``"all"`` returns every block that reads and refuses
    the file only when none does.
    """
    if blocks not in ("first", "all"):
        raise ValueError(f"blocks must be 'first' or 'all', got {blocks!r}")
    path = Path(path)
    try:
        with deadline(time_limit, f"reading {path.name}"):
            return _read(path, blocks, max_bytes, check_formula)
    except TimeLimitExceeded as exc:
        raise CifRefused(str(exc)) from None
    except MemoryError:
        raise CifRefused("out of memory: reading the file exhausted memory") from None
    except (OSError, UnicodeError) as exc:
        raise CifRefused(f"unreadable file: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise CifRefused("unreadable CIF: nesting too deep") from None


def _read(path: Path, blocks: str, max_bytes: int, check_formula: bool) -> list[CifEntry]:
    from pymatgen.io.cif import CifFile

    data, notes = read_bytes(path, max_bytes)
    text, more = decode(data)
    notes += more
    pieces = _split_blocks(text)
    parsed = []
    for piece in pieces:
        try:
            cif = CifFile.from_str(piece)
        except (TimeLimitExceeded, MemoryError):  # the read's limit fired in this block
            raise
        except Exception as exc:  # noqa: BLE001 - a syntax error in this block
            parsed.append((None, piece, f"unreadable CIF: {type(exc).__name__}: {exc}"))
            continue
        for block in cif.data.values():
            parsed.append((block, piece if len(cif.data) == 1 else None, None))
    with_atoms = [p for p in parsed if p[0] is None or _rows(p[0])[1]]
    if not with_atoms:
        raise CifRefused("no atom sites: no data block holds an _atom_site_fract_x loop")
    entries, reasons = [], []
    for block, piece, error in with_atoms:
        name = "?" if block is None else str(block.header)
        if error is not None:
            reasons.append((name, error))
            continue
        try:
            entry = read_block(block, piece, check_formula)
        except CifRefused as exc:
            reasons.append((name, str(exc)))
            continue
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # a block malformed in a way none of the checks above names (a missing column)
            reasons.append((name, f"unreadable CIF: {type(exc).__name__}: {exc}"))
            continue
        entry.notes[:0] = notes
        entries.append(entry)
        if blocks == "first":
            break
    if not entries:
        if len(reasons) == 1:
            raise CifRefused(reasons[0][1])
        detail = "; ".join(f"block {n}: {r}" for n, r in reasons[:3])
        raise CifRefused(f"{reasons[0][1].split(': ', 1)[0]}: no block reads ({detail})")
    if blocks == "first" and len(with_atoms) > 1:
        entries[0].notes.append(
            f"{len(with_atoms)} data blocks with atoms; read the first that reads "
            f"({entries[0].block}); blocks='all' reads each"
        )
    elif reasons:
        entries[0].notes.append("skipped blocks: " + "; ".join(f"{n}: {r}" for n, r in reasons[:3]))
    return entries


def parse_cif_text(text: str, check_formula: bool = True) -> Structure:
    """The first readable structure of CIF ``text`` (a DataFrame cell, say), checked."""
    from pymatgen.io.cif import CifFile

    for piece in _split_blocks(text.replace("\r\n", "\n")):
        cif = CifFile.from_str(piece)
        for block in cif.data.values():
            if _rows(block)[1]:
                return read_block(
                    block, piece if len(cif.data) == 1 else None, check_formula
                ).structure
    raise CifRefused("no atom sites: no data block holds an _atom_site_fract_x loop")


__all__ = [
    "MAX_BYTES",
    "MAX_EXPANDED_SITES",
    "MERGE_DISTANCE",
    "OCCUPANCY_ROUNDING",
    "TIME_LIMIT",
    "CifEntry",
    "CifRefused",
    "decode",
    "parse_cif_text",
    "read_block",
    "read_bytes",
    "read_cif",
]
