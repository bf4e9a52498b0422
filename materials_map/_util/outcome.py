"""Kept / refused bookkeeping shared by every batch entry point.

A batch never stops because of one item: each item is kept or refused with a reason, and the
call ends with one summary line such as ``from_cifs: 343 of 675 CIF files kept; 332 of 675 CIF files
refused (30 cell length not positive, 30 unknown element symbol, ...)``. Reasons are written
``"<kind>: <detail>"``; the kind is what the summary groups by.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable

_EXC_PREFIX = re.compile(r"^[A-Z][A-Za-z]*(Error|Exception|Refused|Warning)\s*:\s*")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def reason_kind(reason: str) -> str:
    """The group of a reason: the text before its first ``": "`` (exception class names
    dropped); a longer free text (no kind) has its numbers masked; at most 60 characters."""
    text = _EXC_PREFIX.sub("", str(reason).strip()) or "unknown reason"
    head = text.split(": ", 1)[0].strip()
    if len(head) > 60:
        head = _NUMBER.sub("#", head)
    return head if len(head) <= 60 else head[:57] + "..."


def summary_line(what: str, unit: str, total: int, refused: Iterable[str]) -> str:
    """``"<what>: K of N <unit> kept; R of N <unit> refused (n kind, ...)"``."""
    reasons = list(refused)
    kept = total - len(reasons)
    line = f"{what}: {kept} of {total} {unit} kept"
    if reasons:
        groups = Counter(reason_kind(r) for r in reasons).most_common()
        shown = ", ".join(f"{n} {k}" for k, n in groups[:8])
        more = f", {len(groups) - 8} more kinds" if len(groups) > 8 else ""
        line += f"; {len(reasons)} of {total} {unit} refused ({shown}{more})"
    return line


def report(what: str, unit: str, total: int, refused: Iterable[str], where: str = "") -> str:
    """Build the summary line and, when anything was refused, issue it as a ``UserWarning``
    (``where`` says where the per-item reasons are, e.g. ``"see ds.failures"``)."""
    reasons = list(refused)
    line = summary_line(what, unit, total, reasons)
    if reasons:
        warnings.warn(line + (f" [{where}]" if where else ""), UserWarning, stacklevel=3)
    return line
