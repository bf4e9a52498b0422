"""`Prototype` and `Site`: a structure family written as crystallographic facts (space group,
lattice, symmetry-independent Wyckoff sites), and its expansion into a pymatgen Structure.
The entries themselves are in :mod:`.library` and :mod:`.library_extra`."""

from __future__ import annotations

from dataclasses import dataclass, field

from pymatgen.core import Lattice, Structure

ROLES = ("Li", "cation", "anion")


@dataclass(frozen=True)
class Site:
    """One symmetry-independent site of a prototype.

    ``role`` is "Li" (the mobile ion), "cation" (framework cation) or "anion";
    ``cn`` is the coordination number used to pick Shannon radii when decorating.
    """

    label: str
    element: str
    wyckoff: str
    coords: tuple[float, float, float]
    role: str
    cn: int
    occupancy: float = 1.0


@dataclass(frozen=True)
class Prototype:
    """A structure family archetype: space group, lattice, Wyckoff sites and a reference.

    ``family`` is the structure-type name reported by :func:`materials_map.structure_type`
    (equal to ``name`` for every entry of ``PROTOTYPES``).
    """

    name: str
    formula: str
    spacegroup: int
    lattice: tuple[float, float, float, float, float, float]
    sites: tuple[Site, ...]
    reference: str
    description: str
    family: str = ""
    setting: str = ""  # pymatgen symbol for a non-default origin choice, e.g. "Fd-3m:2"
    aliases: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.name)
        labels = [s.label for s in self.sites]
        if len(set(labels)) != len(labels):
            raise ValueError(f"prototype {self.name!r}: duplicate site labels {labels}")
        for s in self.sites:
            if s.role not in ROLES:
                raise ValueError(f"prototype {self.name!r}: site {s.label} has role {s.role!r}")

    @property
    def li_sites(self) -> tuple[Site, ...]:
        """Sites whose role is "Li"."""
        return tuple(s for s in self.sites if s.role == "Li")

    def structure(
        self, species: dict[str, str] | None = None, volume_scale: float = 1.0
    ) -> Structure:
        """Expand the archetype into a pymatgen Structure (conventional cell, standard setting).

        Args:
            species: site label -> element symbol to decorate the archetype (default: the
                archetype's own element on every site). Unknown labels raise ``KeyError``.
            volume_scale: multiply the cell volume by this factor (fractional coordinates kept).

        Every site carries the properties ``label``, ``role``, ``wyckoff`` and ``cn``.
        """
        species = dict(species or {})
        unknown = set(species) - {s.label for s in self.sites}
        if unknown:
            raise KeyError(
                f"prototype {self.name!r} has no site(s) {sorted(unknown)}; "
                f"sites are {[s.label for s in self.sites]}"
            )
        if volume_scale <= 0:
            raise ValueError(f"volume_scale must be positive, got {volume_scale}")
        lattice = Lattice.from_parameters(*self.lattice)
        if volume_scale != 1.0:
            lattice = lattice.scale(lattice.volume * volume_scale)
        sp = []
        for s in self.sites:
            el = species.get(s.label, s.element)
            sp.append({el: s.occupancy} if s.occupancy < 1 else el)
        props = {
            "label": [s.label for s in self.sites],
            "role": [s.role for s in self.sites],
            "wyckoff": [s.wyckoff for s in self.sites],
            "cn": [s.cn for s in self.sites],
        }
        return Structure.from_spacegroup(
            self.setting or self.spacegroup,
            lattice,
            sp,
            [s.coords for s in self.sites],
            site_properties=props,
        )


def entry(name, formula, sg, lattice, sites, reference="", description="", **kw) -> Prototype:
    """A :class:`Prototype` from plain tuples: ``sites`` as ``(label, element, wyckoff,
    coords, role, cn[, occupancy])`` (how the library files write their entries)."""
    return Prototype(
        name,
        formula,
        sg,
        tuple(float(x) for x in lattice),
        tuple(Site(*s) for s in sites),
        reference,
        description,
        **kw,
    )
