"""Build tooling, kept out of the runtime path: the embedded datasets (generator, chemistry
rules, report; ``materials-map datasets build li-o`` runs it) and the front end's colour
tables (``colormaps``)."""
