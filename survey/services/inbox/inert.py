"""Claimants' text made harmless outside HTML: invisible and direction-changing
characters (which can disguise what a text says, e.g. ``gnp.exe`` shown as ``exe.png``)
taken out of what the inbox sends and publishes. HTML escaping is the templates' job."""
from __future__ import annotations

import re

#: Soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width and direction
#: marks, embeddings and overrides, word joiner and invisible operators, isolates, BOM.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       "\u2066-\u2069\ufeff]")


def plain(text: str) -> str:
    """``text`` without invisible or direction-changing characters."""
    return INVISIBLE.sub("", text)
