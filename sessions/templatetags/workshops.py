"""Template filters shared by every page: the join QR code as inline SVG."""

import segno
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def qr_svg(url: str, title: str = "Join QR code") -> SafeString:
    """The URL as an inline, scalable SVG QR code (drawn by segno; no delegate text in it),
    named `title` for screen readers."""
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True, title=title)
    return mark_safe(svg)
