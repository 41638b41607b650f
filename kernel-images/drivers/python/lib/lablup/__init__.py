"""Helpers for user code in Backend.AI Python kernels.

``lablup.display`` shows SVG, PNG and HTML output in the client, and
``lablup.matplotlib_backend`` shows matplotlib figures on ``plt.show()``. Both send
``media`` records through the kernel's Python driver, so they work in query mode only.
The package uses the standard library only; the backend module also needs matplotlib.
"""
