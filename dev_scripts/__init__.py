"""Maintainers' build tooling, outside the installed package (run from a source checkout):
the embedded datasets (``python -m dev_scripts.generate li-o``: generation, chemistry rules,
relaxation, real rows; ``real``, ``relaxed``, ``report``, ``disorder_check``), their shipped
artefacts (``python -m dev_scripts.pretrain li-o``) and the front end's colour tables
(``python -m dev_scripts.colormaps``). ``materials_map`` never imports this folder."""
