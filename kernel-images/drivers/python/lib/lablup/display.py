"""Show rich output in the Backend.AI client.

Each function sends one ``media`` record whose payload is ``[mime_type, data]``:

* ``display_svg(svg)`` sends ``["image/svg+xml", svg_text]``;
* ``display_png(png)`` sends ``["image/png", base64_text]``;
* ``display_html(html)`` sends ``["text/html", html_text]``;
* ``display(obj)`` picks one of them for matplotlib figures and for objects with the
  ``_repr_html_``, ``_repr_svg_`` or ``_repr_png_`` methods of IPython's display protocol,
  and prints ``repr(obj)`` for anything else.

The record follows the output printed before the call. The functions raise RuntimeError
outside a query-mode kernel and ValueError for an item larger than one record may be.
"""

import base64
import io

from lablup import _channel

__all__ = ["display", "display_html", "display_png", "display_svg"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _as_text(data, name):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data).decode("utf-8", "replace")
    if isinstance(data, str):
        return data
    raise TypeError("%s must be str or bytes, not %s" % (name, type(data).__name__))


def display_svg(svg):
    """Show an SVG image given as text or UTF-8 bytes."""
    _channel.emit("image/svg+xml", _as_text(svg, "svg"))


def display_png(png):
    """Show a PNG image given as bytes, or as base64 text of those bytes."""
    if isinstance(png, (bytes, bytearray, memoryview)):
        data = bytes(png)
        if not data.startswith(PNG_SIGNATURE):
            raise ValueError("png does not start with the PNG signature; pass the file's bytes")
        text = base64.b64encode(data).decode("ascii")
    elif isinstance(png, str):
        text = png
    else:
        raise TypeError("png must be bytes or base64 str, not %s" % type(png).__name__)
    _channel.emit("image/png", text)


def display_html(html):
    """Show an HTML fragment given as text or UTF-8 bytes."""
    _channel.emit("text/html", _as_text(html, "html"))


def display_figure(figure):
    """Show a matplotlib figure as SVG, or as PNG if the SVG is too large for one record."""
    svg = io.BytesIO()
    figure.savefig(svg, format="svg")
    try:
        display_svg(svg.getvalue())
        return
    except ValueError:
        pass
    png = io.BytesIO()
    figure.savefig(png, format="png")
    display_png(png.getvalue())


def display(obj):
    """Show obj as rich output if it supports it, else print its repr."""
    if hasattr(obj, "savefig") and hasattr(obj, "canvas"):
        display_figure(obj)
        return
    for method, show in (
        ("_repr_html_", display_html),
        ("_repr_svg_", display_svg),
        ("_repr_png_", display_png),
    ):
        render = getattr(obj, method, None)
        if callable(render):
            data = render()
            if data is not None:
                show(data)
                return
    print(repr(obj))
