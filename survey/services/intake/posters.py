"""Print-ready HTML: QR posters (A4, or A5 for table stands) and receipt-slip sheets.

The documents are self-contained (inline CSS and SVG, no scripts, no external
resources), so they print the same from any browser or from a file on a USB stick.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ...models import ReceiptCode, Service, Unit, UnitKind
from ...io import qr
from ...timeutil import local_date

SIZES = ("a4", "a5")
SLIPS_PER_PAGE = 10


@dataclass
class Poster:
    """One printed page: a unit (usually a counter) and its survey link."""

    unit: Unit
    #: Names above the unit, from its centre down (e.g. centre, branch).
    places: list[str]
    url: str
    display_url: str
    qr_svg: str


@dataclass
class Slip:
    """One cut-out slip with a receipt code."""

    code: str
    spaced_code: str
    url: str
    display_url: str
    qr_svg: str
    expires_on: str


def poster_units(session: Session, unit: Unit) -> list[Unit]:
    """Active counters below ``unit`` (any depth, by code); the unit itself if none."""
    units = list(session.scalars(sa.select(Unit).filter_by(active=True).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    for item in units:
        children.setdefault(item.parent_id, []).append(item)
    found, stack = [], [unit.id]
    while stack:
        for child in children.get(stack.pop(), []):
            stack.append(child.id)
            if child.kind is UnitKind.counter:
                found.append(child)
    return sorted(found, key=lambda u: u.code) or [unit]


def _places(unit: Unit, locale: str) -> list[str]:
    """Names of the ancestors from the nearest centre down to the unit's parent."""
    names: list[str] = []
    node = unit.parent
    while node is not None:
        names.insert(0, node.name(locale))
        if node.kind in (UnitKind.centre, UnitKind.province):
            break
        node = node.parent
    return names


def build_posters(units: list[Unit], public_url: str, service: Optional[Service] = None,
                  locale: str = "vi") -> list[Poster]:
    """One :class:`Poster` per unit, with an absolute URL and its QR code."""
    posters = []
    for unit in units:
        url = qr.survey_url(public_url, unit, service.code if service else None)
        posters.append(Poster(unit, _places(unit, locale), url, qr.display_url(url),
                              qr.qr_svg(url, label=url)))
    return posters


def render_posters(units: list[Unit], public_url: str, service: Optional[Service] = None,
                   size: str = "a4", locale: str = "vi") -> str:
    """The HTML document: one page per unit, A4 or A5. Needs an app context."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    with force_locale(locale):
        return render_template("print/posters.html", size=size, service=service, locale=locale,
                               posters=build_posters(units, public_url, service, locale))


def build_slips(codes: list[ReceiptCode], public_url: str) -> list[Slip]:
    slips = []
    for row in codes:
        url = qr.receipt_url(public_url, row.code)
        slips.append(Slip(row.code, f"{row.code[:4]} {row.code[4:]}", url, qr.display_url(url),
                          qr.qr_svg(url, label=url),
                          local_date(row.expires_at).strftime("%d/%m/%Y")))
    return slips


def render_receipt_sheet(codes: list[ReceiptCode], public_url: str,
                         locale: str = "vi") -> str:
    """A4 sheets of cut-out slips, ten per page, for centres without integration."""
    slips = build_slips(codes, public_url)
    pages = [slips[i:i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    first = codes[0] if codes else None
    with force_locale(locale):
        return render_template("print/slips.html", pages=pages, locale=locale,
                               count=len(slips), unit=first.unit if first else None,
                               service=first.service if first else None)
