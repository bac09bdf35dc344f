"""Licences a release can carry: SPDX id, Hugging Face Hub id, name and the licence's URL.

A project's licence is stored as free text (older projects typed "CC BY 4.0" or "Etalab 2.0");
`licence_of` recognises the usual spellings so the card gets a valid Hub id and ClaimReview an
sdLicense URL, and anything else becomes the Hub's "other" with the text as its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    """One licence: `spdx` as stored on the project, `hub` as the dataset card's `license`."""

    spdx: str
    hub: str
    name: str
    url: str


LICENCES: tuple[Licence, ...] = (
    Licence("CC-BY-4.0", "cc-by-4.0", "Creative Commons Attribution 4.0",
            "https://creativecommons.org/licenses/by/4.0/"),
    Licence("CC-BY-SA-4.0", "cc-by-sa-4.0", "Creative Commons Attribution-ShareAlike 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/"),
    Licence("CC-BY-NC-4.0", "cc-by-nc-4.0", "Creative Commons Attribution-NonCommercial 4.0",
            "https://creativecommons.org/licenses/by-nc/4.0/"),
    Licence("CC-BY-NC-SA-4.0", "cc-by-nc-sa-4.0",
            "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    Licence("CC-BY-ND-4.0", "cc-by-nd-4.0", "Creative Commons Attribution-NoDerivatives 4.0",
            "https://creativecommons.org/licenses/by-nd/4.0/"),
    Licence("CC0-1.0", "cc0-1.0", "Creative Commons Zero 1.0 (public domain)",
            "https://creativecommons.org/publicdomain/zero/1.0/"),
    Licence("etalab-2.0", "etalab-2.0", "Licence Ouverte / Open Licence 2.0 (Etalab)",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    Licence("ODC-By-1.0", "odc-by", "Open Data Commons Attribution 1.0",
            "https://opendatacommons.org/licenses/by/1-0/"),
    Licence("ODbL-1.0", "odbl", "Open Data Commons Open Database Licence 1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/"),
    Licence("PDDL-1.0", "pddl", "Open Data Commons Public Domain Dedication and Licence 1.0",
            "https://opendatacommons.org/licenses/pddl/1-0/"),
)
OTHER = "other"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", text.lower()).replace("licence", "").replace("license", "")


_BY_KEY = {_key(lic.spdx): lic for lic in LICENCES} | {_key(lic.hub): lic for lic in LICENCES}
_BY_KEY |= {_key("Licence Ouverte 2.0"): _BY_KEY[_key("etalab-2.0")],
            _key("CC0"): _BY_KEY[_key("CC0-1.0")]}


def licence_of(text: str) -> Licence | None:
    """The known licence a project's licence text names ("CC BY 4.0" is CC-BY-4.0), else None."""
    return _BY_KEY.get(_key(text)) if text.strip() else None
