"""Connection from lablup to the driver that runs the user's code.

The Python driver calls ``set_emitter`` at startup with a function that sends one
``["media", [mime_type, data]]`` record after the output written so far, and that raises
ValueError when the record would be too large. In the driver's child processes, which
get the package through PYTHONPATH, no emitter is set.
"""

_emitter = None


def set_emitter(emitter):
    """Set the function ``emitter(mime_type, data)`` that sends media, or None."""
    global _emitter
    _emitter = emitter


def is_available():
    """Return True if media can be sent, that is, inside the driver's process."""
    return _emitter is not None


def emit(mime_type, data):
    """Send one media item; data is text (SVG, HTML) or base64 text (PNG).

    Raises RuntimeError outside a query-mode kernel, and ValueError if the item is too
    large for one record.
    """
    if _emitter is None:
        raise RuntimeError(
            "lablup.display can show output only in the query mode of a Backend.AI Python "
            "kernel; in batch mode, save the output to a file instead."
        )
    _emitter(mime_type, data)
