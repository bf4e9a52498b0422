"""Subprocess that relaxes structures with CHGNet, one JSON line in, one JSON line out.

Started by :class:`materials_map.relaxation.runner.RelaxWorker` as
``python -m materials_map.relaxation._worker MEMORY_LIMIT_BYTES``. The address-space limit is set
before torch is imported; the parent enforces the time limit by killing us. The pretrained
CHGNet 0.3.0 weights are package data of ``chgnet``: nothing is downloaded.
"""

from __future__ import annotations

from materials_map._util.child import serve

MODEL_NAME = "0.3.0"
# a relaxation whose volume leaves this range (ratio to the input) is stopped as a runaway
VOLUME_RUNAWAY = (0.5, 2.0)


def load_model():
    """CHGNet 0.3.0 on the CPU, from the weights shipped inside the ``chgnet`` wheel."""
    from chgnet.model import CHGNet

    return CHGNet.load(model_name=MODEL_NAME, use_device="cpu", verbose=False)


def relax_one(structure_dict: dict, fmax: float, steps: int, model, calc) -> dict:
    """Relax positions and cell (FIRE on ASE's FrechetCellFilter); return the result record."""
    import numpy as np
    from ase.filters import FrechetCellFilter
    from ase.optimize import FIRE
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    from materials_map.prototypes import structure_type

    structure = Structure.from_dict(structure_dict)
    if not structure.is_ordered:
        return {
            "reason": "disordered structure: CHGNet needs one species per site",
            "kind": "refused",
        }
    initial_type = structure_type(structure)
    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.calc = calc
    n = len(atoms)
    e0 = float(atoms.get_potential_energy()) / n
    opt = FIRE(FrechetCellFilter(atoms), logfile=None)
    v0 = atoms.get_volume()
    converged = runaway = False
    # step by step, so that a cell collapsing or blowing up (its neighbour graph, and memory,
    # grow without bound) is stopped and recorded instead of running into the limits
    for done in opt.irun(fmax=fmax, steps=steps):
        converged = done
        if not VOLUME_RUNAWAY[0] < atoms.get_volume() / v0 < VOLUME_RUNAWAY[1]:
            runaway = True
            break
    converged = bool(converged) and not runaway
    energy = float(atoms.get_potential_energy()) / n
    if not np.isfinite(energy):
        return {"reason": "CHGNet energy is not finite", "kind": "error"}
    final = AseAtomsAdaptor.get_structure(atoms)
    # keep the input's species objects (oxidation states) and site properties
    final = Structure(
        final.lattice,
        [site.species for site in structure],
        final.frac_coords,
        site_properties=structure.site_properties or None,
    )
    return {
        "kind": "ok",
        "reason": "",
        "converged": converged,
        "steps": int(opt.nsteps),
        "runaway": runaway,
        "energy_per_atom": energy,
        "initial_energy_per_atom": e0,
        "volume_change": float(final.volume / structure.volume - 1.0),
        "structure_type_initial": initial_type,
        "structure_type_relaxed": structure_type(final),
        "lattice": final.lattice.matrix.tolist(),
        "frac_coords": final.frac_coords.tolist(),
    }


def _setup() -> tuple:
    import torch

    torch.set_num_threads(1)  # parallelism comes from workers, not threads
    from chgnet.model.dynamics import CHGNetCalculator

    model = load_model()
    calc = CHGNetCalculator(model=model, use_device="cpu")
    import materials_map.prototypes  # noqa: F401

    return model, calc


def _handle(req: dict, state: tuple, limit: int) -> dict:
    model, calc = state
    return relax_one(req["structure"], req["fmax"], req["steps"], model, calc)


def main() -> None:
    """Serve requests on stdin until it closes (protocol: :func:`materials_map._util.child.serve`);
    chgnet missing or broken is said once, in the ready line."""
    serve(_setup, _handle, load_error="CHGNet failed to load")


if __name__ == "__main__":
    main()
