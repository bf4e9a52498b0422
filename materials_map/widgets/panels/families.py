"""Structure-type overlays (paper Fig. 6): per-family toggles linked to the map legend.

Each family (garnet, NASICON, perovskite, ...) gets a checkbox that shows or hides its points
on the map (the map's ``hidden_categories``; the map's own legend toggles stay in step) and a
button that selects all its materials. A switch colours the map by family instead of by
the target, which is Fig. 6 drawn over the ME background.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from . import style


class FamilyPanel:
    """Family toggles for a :class:`~materials_map.MapWidget` that has categories.

    Parameters
    ----------
    map_widget : the MapWidget (its ``categories`` / ``category_names`` define the families)

    Attributes
    ----------
    checkboxes : one Checkbox per category code (value True = shown)
    """

    def __init__(self, map_widget) -> None:
        self.map = map_widget
        names = list(map_widget.category_names)
        codes = map_widget.categories
        self.codes = (
            np.zeros(len(map_widget.coords), dtype=np.int64)
            if codes is None
            else codes.astype(np.int64)
        )
        counts = np.bincount(self.codes, minlength=len(names)) if names else np.zeros(0, int)
        self.checkboxes: list[ipw.Checkbox] = []
        self.select_buttons: list[ipw.Button] = []
        rows = []
        for code, name in enumerate(names):
            swatch = ipw.HTML(
                f"<span style='display:inline-block;width:12px;height:12px;border-radius:6px;"
                f"background:{style.family_colour(code, map_widget.category_palette, len(names))}'></span>",
                layout=ipw.Layout(width="18px"),
            )
            cb = ipw.Checkbox(
                value=code not in map_widget.hidden_categories,
                description=f"{name} ({counts[code]})",
                indent=False,
                layout=ipw.Layout(width="220px"),
            )
            cb.observe(lambda ch, code=code: self._on_toggle(code, ch["new"]), names="value")
            btn = ipw.Button(
                description="select",
                layout=ipw.Layout(width="70px"),
                tooltip=f"select every {name} material on the map",
            )
            btn.on_click(lambda _, code=code: self.select_family(code))
            self.checkboxes.append(cb)
            self.select_buttons.append(btn)
            rows.append(ipw.HBox([swatch, cb, btn]))
        self.colour_by_family = ipw.ToggleButtons(
            options=[("target", "value"), ("structure type", "category")],
            value=map_widget.color_by,
            description="colour by",
        )
        self.colour_by_family.observe(
            lambda ch: setattr(self.map, "color_by", ch["new"]), names="value"
        )
        self.show_all = ipw.Button(description="show all", layout=ipw.Layout(width="90px"))
        self.show_all.on_click(lambda _: setattr(self.map, "hidden_categories", []))
        map_widget.observe(self._on_hidden, names="hidden_categories")
        map_widget.observe(
            lambda ch: setattr(self.colour_by_family, "value", ch["new"]), names="color_by"
        )
        caption = style.note(
            "Structure families (Fig. 6). Untick to hide a family on the map; 'select' selects it."
            if names
            else "This map has no structure-type column."
        )
        self.widget = ipw.VBox([caption, self.colour_by_family, *rows, self.show_all])

    def family_indices(self, code: int) -> np.ndarray:
        """Map point indices of the family with category code ``code``."""
        return np.flatnonzero(self.codes == int(code))

    def select_family(self, code: int) -> None:
        """Select every material of one family on the map."""
        self.map.select(self.family_indices(code))

    def _on_toggle(self, code: int, shown: bool) -> None:
        hidden = set(self.map.hidden_categories)
        hidden = hidden - {code} if shown else hidden | {code}
        if hidden != set(self.map.hidden_categories):
            self.map.hidden_categories = sorted(hidden)

    def _on_hidden(self, change) -> None:
        hidden = set(change["new"])
        for code, cb in enumerate(self.checkboxes):
            if cb.value == (code in hidden):
                cb.value = code not in hidden
