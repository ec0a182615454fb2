"""QR codes for posters and receipts: public URLs, SVG and PNG images.

Codes use error correction level Q (25 % of the symbol may be damaged or covered),
the ``qrcode`` package for encoding, and a compact SVG writer of our own: one path
of merged horizontal runs, no ids, so that many codes can be inlined in one page.
"""
from __future__ import annotations

import io
from html import escape
from typing import Optional

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

from ..models import Unit, UnitKind

#: Quiet zone in modules; the QR standard asks for 4.
BORDER = 4


def base_url(public_url: str) -> str:
    """The configured public base URL without a trailing slash."""
    return public_url.strip().rstrip("/")


def unit_path(unit: Unit) -> str:
    """``/s/NA-VINH/Q1`` for a counter whose code extends its parent's, else ``/s/<code>``."""
    parent = unit.parent
    if (unit.kind is UnitKind.counter and parent is not None
            and unit.code.startswith(parent.code + "-")):
        return f"/s/{parent.code}/{unit.code[len(parent.code) + 1:]}"
    return f"/s/{unit.code}"


def survey_url(public_url: str, unit: Unit, service_code: Optional[str] = None) -> str:
    """The absolute short survey URL of ``unit``, optionally with a preset service."""
    url = base_url(public_url) + unit_path(unit)
    return f"{url}?svc={service_code}" if service_code else url


def receipt_url(public_url: str, code: str) -> str:
    """The absolute URL of one receipt code."""
    return f"{base_url(public_url)}/r/{code}"


def display_url(url: str) -> str:
    """The URL as printed for typing by hand: ``https://`` is implied by browsers."""
    return url[len("https://"):] if url.startswith("https://") else url


def qr_matrix(data: str) -> list[list[bool]]:
    """Module matrix (True = dark) of ``data`` at error correction Q, with quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(data: str, label: Optional[str] = None, css_class: str = "qr") -> str:
    """An inline SVG (no XML prolog, no ids) of ``data``; it scales to its CSS box."""
    matrix = qr_matrix(data)
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    title = f"<title>{escape(label)}</title>" if label else ""
    role = 'role="img" ' if label else 'aria-hidden="true" '
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" {role}'
            f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">{title}'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A PNG image of ``data`` (``box_size`` pixels per module), via pure-Python PyPNG."""
    from qrcode.image.pure import PyPNGImage

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=BORDER, box_size=box_size,
                         image_factory=PyPNGImage)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
