"""Migration-energy labels: guarded BVSE percolation barriers (bvlain) for Li compounds."""

from .bvse import migration_energy
from .guards import LabelRefused, assign_oxidation_states, standard_cell

__all__ = ["migration_energy", "LabelRefused", "assign_oxidation_states", "standard_cell"]
