"""The methodology page: docs/methodology.md's section in the reader's language, as
HTML with a stable anchor on every numbered section, so that each figure of the
dashboard can link to how it was computed (``method_url("ket-luan")``)."""
from __future__ import annotations

import functools
import re

from markupsafe import Markup

from ..resources import methodology_path

#: Anchor → the section number it names (the same in both languages).
ANCHORS = {"chi-so": "1", "phan-hoi": "2", "tang-gia-quyen": "3", "phan-to": "4",
           "khoang-tin-cay": "5", "ket-luan": "6", "mau-nho": "7", "ty-le-phan-hoi": "8",
           "gioi-han": "9", "co-so-du-lieu": "10", "do-tin-cay": "11", "pheu": "12",
           "xu-huong": "13", "co-mau": "14"}
_BY_NUMBER = {number: anchor for anchor, number in ANCHORS.items()}
_SECTION = re.compile(r"^(\d+)[a-z]?\.")


def _language_part(text: str, locale: str) -> str:
    """The lines under ``## Tiếng Việt`` (vi) or ``## English`` (en), up to the next
    second-level heading."""
    heading = "## English" if locale == "en" else "## Tiếng Việt"
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line.strip() == heading
            continue
        if inside:
            lines.append(line)
    return "\n".join(lines)


@functools.lru_cache(maxsize=4)
def _render(locale: str, mtime: float) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(_language_part(methodology_path().read_text("utf-8"), locale))
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h3":
            match = _SECTION.match(tokens[i + 1].content)
            if match:
                number = match.group(1) + ("a" if tokens[i + 1].content[
                    len(match.group(1))] == "a" else "")
                token.attrSet("id", _BY_NUMBER.get(number, "muc-" + number))
        if token.type == "heading_open":  # one level down: the page has its own h1
            token.tag = {"h3": "h2", "h4": "h3"}.get(token.tag, token.tag)
        if token.type == "heading_close":
            token.tag = {"h3": "h2", "h4": "h3"}.get(token.tag, token.tag)
    return md.renderer.render(tokens, md.options, {})


def methodology_html(locale: str) -> Markup:
    """The methodology in ``locale`` ("vi" or "en") as safe HTML (no raw HTML allowed)."""
    path = methodology_path()
    return Markup(_render("en" if locale == "en" else "vi", path.stat().st_mtime))
