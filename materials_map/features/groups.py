"""Descriptor blocks grouped for drawing: consecutive blocks of one kind (``rdf[Li-O]``,
``rdf[Li-Li]`` ... -> ``rdf``) form one plot of the reconstruction panel and of Fig. 3."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    """Consecutive descriptor blocks drawn in one plot (e.g. all ``rdf[...]`` blocks)."""

    name: str
    branch: str
    start: int  # column span inside the branch
    stop: int
    offset: int  # index of the first column in the concatenated comp+struct vector (Fig. 3)
    sub_blocks: tuple[tuple[str, int, int], ...]  # (label, start, stop) inside the branch


def descriptor_groups(blocks, n_comp: int) -> list[Group]:
    """Group blocks by branch and by the part of their name before ``[`` (``rdf[Li-O]`` → rdf)."""
    groups: list[Group] = []
    current: list = []

    def flush() -> None:
        if not current:
            return
        b0 = current[0]
        name = b0.name.split("[")[0]
        subs = tuple(
            (b.name[len(name) :].strip("[]").replace("][", ":") or b.name, b.start, b.stop)
            for b in current
        )
        offset = (0 if b0.branch == "comp" else n_comp) + current[0].start
        groups.append(Group(name, b0.branch, current[0].start, current[-1].stop, offset, subs))

    for b in sorted(blocks, key=lambda b: (b.branch != "comp", b.start)):
        key = (b.branch, b.name.split("[")[0])
        if current and (current[-1].branch, current[-1].name.split("[")[0]) != key:
            flush()
            current = []
        current.append(b)
    flush()
    return groups
