"""Build tooling for the embedded datasets (generator, chemistry rules, report), kept out of
the runtime path: ``materials-map datasets build li-o`` runs it."""
