"""The house style of the trial's figures, and their files (SVG, PNG, PDF).

One module so the figures read alike on a page, in a DMC report and in a manuscript, and stay
readable printed in black and white: each arm has its own line style, censor mark and band
hatching, not only its own colour. The Kaplan-Meier curves and the forest plot use it; the
CONSORT diagram (oversight) and the interim boundary chart (interim) may adopt it, since both
apps sit above endpoints in the layers (`with figure_style.drawing(): ...` and
`figure_style.figure_file(...)`).

Figures are built on `matplotlib.figure.Figure` directly, never through pyplot's global list
of figures, so a web process drawing a download needs no `plt.close`. Text stays text in the
SVG (`svg.fonttype: none`) and in the PDF (TrueType fonts embedded): the numbers can be read,
searched and checked, and a journal's editor can restyle them.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # headless: neither the worker nor the web process has a screen
from django.utils.translation import gettext_noop
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# The PDF backend subsets fonts with fontTools, which logs every glyph table at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Time axes in months: a month is a twelfth of a Julian year, as R's survminer ("d_m") counts.
MONTH_DAYS = 365.25 / 12

# The file formats a figure is served in, and their content types.
CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}
PNG_DPI = 200  # sharp enough for a slide or a printed page

INK = "#222222"  # text, axes and the reference line: near black, prints as black
FONT_SIZE = 9

RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text as <text>, not glyph paths
    "svg.hashsalt": "nct03765541",  # stable element ids: the same figure, the same file
    "pdf.fonttype": 42,  # TrueType embedded: the PDF's text is selectable
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": FONT_SIZE,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlesize": FONT_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "hatch.linewidth": 0.5,
    "legend.frameon": False,
}

# Files that do not change with the day they were written: no creation date in them.
_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None},
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Producer": None},
}


@dataclass(frozen=True)
class ArmStyle:
    """How one arm (or the pooled curve) is drawn: apart from the others without colour."""

    colour: str
    label: str
    linestyle: str
    censor_marker: str
    band_hatch: str


# The labels are English (a figure stored by the worker is); a figure drawn for a reader shows
# them in the reader's language (gettext at drawing time).
ARM_STYLES: dict[str, ArmStyle] = {
    "dex": ArmStyle("#1f5fa8", gettext_noop("Salvage + dexamethasone"), "-", "|", "////"),
    "control": ArmStyle("#a4262c", gettext_noop("Salvage alone"), "--", "+", "\\\\\\\\"),
    "pooled": ArmStyle("#14314f", gettext_noop("All randomized patients"), "-", "|", ""),
}

# rcParams are global to the process: figures drawn in threads take turns with the style
# (reentrant: a figure drawn in the style is saved in it too).
_STYLE_LOCK = threading.RLock()


@contextmanager
def drawing() -> Iterator[None]:
    """Draw (and save) figures in the house style; the previous style is restored after."""
    with _STYLE_LOCK, matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    """Return an empty figure of `width` × `height` inches, outside pyplot's registry."""
    return Figure(figsize=(width, height))


def figure_file(figure: Figure, file_format: str) -> bytes:
    """Return the figure as a file of `file_format` (svg, png or pdf), in the house style."""
    if file_format not in CONTENT_TYPES:
        raise ValueError(f"file_format must be one of {', '.join(CONTENT_TYPES)}")
    buffer = io.BytesIO()
    with drawing():
        figure.savefig(
            buffer,
            format=file_format,
            dpi=PNG_DPI if file_format == "png" else "figure",
            metadata=_METADATA[file_format],
        )
    return buffer.getvalue()
