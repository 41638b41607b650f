"""Matplotlib backend that shows figures in the Backend.AI client.

The Python driver selects it with ``MPLBACKEND=module://lablup.matplotlib_backend`` unless
the environment selects another backend. Figures are drawn by Agg, so ``savefig`` works as
usual. ``show()`` sends every open figure as an ``image/svg+xml`` media record (PNG if the
SVG is too large for one record) and then closes them.

Outside a query-mode kernel, for example in a child process of the driver, ``show()``
warns and closes the figures, as a non-interactive backend would.
"""

import warnings

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lablup import _channel
from lablup.display import display_figure

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase


def show(*args, **kwargs):
    """Send all open figures as media, then close them. Arguments such as block are ignored."""
    managers = Gcf.get_all_fig_managers()
    try:
        if not _channel.is_available():
            if managers:
                warnings.warn(
                    "lablup.matplotlib_backend shows figures only in the query mode of a "
                    "Backend.AI kernel; use savefig() to keep them.",
                    stacklevel=2,
                )
            return
        for manager in managers:
            display_figure(manager.canvas.figure)
    finally:
        Gcf.destroy_all()
