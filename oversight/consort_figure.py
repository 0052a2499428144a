"""The CONSORT diagram drawn from a flow: one layout, written as SVG (each count a link to
the list behind it) and as PNG with matplotlib (Agg: the worker has no screen).

The layout is computed once, in pixels, and both writers draw the same boxes, lines and
arrows, so the two files cannot disagree. Blinded, the allocation, follow-up and analysis
boxes are one pooled column; unblinded, one column per arm.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import matplotlib

matplotlib.use("Agg")  # headless: the worker has no screen
import matplotlib.pyplot as plt
from django.utils.translation import gettext as _
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

import protocol
from oversight.consort import (
    ALLOCATION,
    ANALYSIS,
    ARMS,
    BOXES,
    BOXES_BY_KEY,
    ENROLMENT,
    FOLLOW_UP,
    ConsortFlow,
)

if TYPE_CHECKING:
    # A label may be lazily translated (gettext_lazy): read in the reader's language.
    from django_stubs_ext import StrOrPromise

WIDTH = 1120
LINE_HEIGHT = 19
PADDING = 8
FONT_SIZE = 13  # px
INK, FRAME, LINK, STAGE_FILL = "#14314f", "#14314f", "#1f5fa8", "#dde7f5"
CONTENT_LEFT, CONTENT_RIGHT = 150, WIDTH - 10

# A list's address for a box (and arm), given by the caller: the figure knows no URLs.
LinkMaker = Callable[[str, str | None], str]


@dataclass(frozen=True)
class Line:
    text: str
    href: str
    indent: int = 0
    bold: bool = False


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    lines: tuple[Line, ...]

    @property
    def height(self) -> float:
        return len(self.lines) * LINE_HEIGHT + 2 * PADDING

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Stage:
    label: str
    top: float
    bottom: float


@dataclass(frozen=True)
class Layout:
    title: str
    height: float
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[float, float, float, float], ...]  # x1, y1, x2, y2 (head at 2)
    joins: tuple[tuple[float, float, float, float], ...]  # lines without a head
    stages: tuple[Stage, ...]


def _lines(flow: ConsortFlow, keys: list[str], arm: str | None, link: LinkMaker) -> list[Line]:
    lines = []
    for key in keys:
        box = BOXES_BY_KEY[key]
        depth, parent = 0, box.parent
        while parent:
            depth, parent = depth + 1, BOXES_BY_KEY[parent].parent
        shown_arm = arm if box.per_arm else None
        lines.append(
            Line(
                _("%(label)s (n=%(n)s)")
                % {"label": box.label_for(shown_arm), "n": flow.count(key, shown_arm)},
                link(key, shown_arm),
                indent=depth,
                bold=not box.parent,
            )
        )
    return lines


def _keys(stage: StrOrPromise) -> list[str]:
    return [b.key for b in BOXES if b.stage == stage]


def consort_layout(flow: ConsortFlow, *, by_arm: bool, link: LinkMaker) -> Layout:
    """Return where every box, line and arrow goes, for one column per arm or one pooled."""
    content_centre = (CONTENT_LEFT + CONTENT_RIGHT) / 2
    boxes: list[Box] = []
    arrows: list[tuple[float, float, float, float]] = []
    joins: list[tuple[float, float, float, float]] = []
    stages: list[Stage] = []
    y = 50.0

    assessed = Box(content_centre - 330, y, 300, tuple(_lines(flow, ["assessed"], None, link)))
    excluded_keys = ["excluded", "excluded-criteria", "excluded-declined", "excluded-other"]
    excluded = Box(
        content_centre + 30,
        assessed.bottom + 15,
        370,
        tuple(_lines(flow, excluded_keys, None, link)),
    )
    randomized = Box(
        assessed.x, excluded.bottom + 20, 300, tuple(_lines(flow, ["randomized"], None, link))
    )
    boxes += [assessed, excluded, randomized]
    middle = excluded.y + excluded.height / 2
    joins.append((assessed.centre, assessed.bottom, assessed.centre, middle))
    arrows.append((assessed.centre, middle, excluded.x, middle))
    arrows.append((assessed.centre, middle, assessed.centre, randomized.y))
    stages.append(Stage(str(ENROLMENT), assessed.y, randomized.bottom))

    columns: list[tuple[str | None, float, float]]  # arm, x, width
    if by_arm:
        width = (CONTENT_RIGHT - CONTENT_LEFT - 30) / 2
        columns = [(arm, CONTENT_LEFT + 10 + i * (width + 10), width) for i, arm in enumerate(ARMS)]
    else:
        columns = [(None, randomized.centre - 230, 460)]  # straight under "Randomized"
    y = randomized.bottom + 40
    if by_arm:
        split = randomized.bottom + 20
        joins.append((randomized.centre, randomized.bottom, randomized.centre, split))
        centres = [x + w / 2 for _, x, w in columns]
        joins.append((min(centres), split, max(centres), split))
        for centre in centres:
            arrows.append((centre, split, centre, y))
    else:
        arrows.append((randomized.centre, randomized.bottom, randomized.centre, y))

    previous: list[Box] = []
    for stage in (ALLOCATION, FOLLOW_UP, ANALYSIS):
        row = [
            Box(x, y, width, tuple(_lines(flow, _keys(stage), arm, link)))
            for arm, x, width in columns
        ]
        if previous:
            for above, below in zip(previous, row, strict=True):
                arrows.append((above.centre, above.bottom, below.centre, below.y))
        boxes += row
        bottom = max(b.bottom for b in row)
        stages.append(Stage(str(stage), y, bottom))
        previous = row
        y = bottom + 35
    title = (
        _("CONSORT flow · %(study)s · data cut-off %(cutoff)s · by arm")
        if by_arm
        else _("CONSORT flow · %(study)s · data cut-off %(cutoff)s · pooled (allocation masked)")
    ) % {"study": protocol.STUDY_ID, "cutoff": f"{flow.cutoff:%d/%m/%Y}"}
    return Layout(title, y, tuple(boxes), tuple(arrows), tuple(joins), tuple(stages))


def _arrow_head(x1: float, y1: float, x2: float, y2: float) -> str:
    size = 6
    if x1 == x2:  # vertical, pointing down
        points = [(x2, y2), (x2 - size, y2 - size * 1.4), (x2 + size, y2 - size * 1.4)]
    else:  # horizontal, pointing right
        points = [(x2, y2), (x2 - size * 1.4, y2 - size), (x2 - size * 1.4, y2 + size)]
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)


def consort_svg(layout: Layout) -> str:
    """Return the diagram as SVG: presentation attributes only (no style attribute, so the
    page may inline it under its Content-Security-Policy), each count an <a href>.

    A group, not an image: an image's contents are hidden from assistive technology, and the
    counts' links must stay reachable."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {WIDTH} {layout.height:.0f}" width="{WIDTH}" '
        f'height="{layout.height:.0f}" role="group" aria-labelledby="consort-title" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="consort-title">{escape(layout.title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{layout.height:.0f}" fill="#ffffff"/>',
        f'<text x="{WIDTH / 2:.0f}" y="26" text-anchor="middle" font-weight="bold" '
        f'fill="{INK}">{escape(layout.title)}</text>',
    ]
    for stage in layout.stages:
        out.append(
            f'<rect x="10" y="{stage.top:.1f}" width="120" '
            f'height="{stage.bottom - stage.top:.1f}" rx="6" fill="{STAGE_FILL}"/>'
            f'<text x="70" y="{(stage.top + stage.bottom) / 2 + 5:.1f}" text-anchor="middle" '
            f'font-weight="bold" fill="{INK}">{escape(stage.label)}</text>'
        )
    for x1, y1, x2, y2 in layout.joins:
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}"/>'
        )
    for x1, y1, x2, y2 in layout.arrows:
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}"/>'
            f'<polygon points="{_arrow_head(x1, y1, x2, y2)}" fill="{INK}"/>'
        )
    for box in layout.boxes:
        out.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" fill="#ffffff" stroke="{FRAME}" stroke-width="1.2"/>'
        )
        for i, line in enumerate(box.lines):
            x = box.x + PADDING + 16 * line.indent
            y = box.y + PADDING + (i + 1) * LINE_HEIGHT - 5
            prefix = "• " if line.indent == 1 else ("– " if line.indent == 2 else "")
            weight = ' font-weight="bold"' if line.bold else ""
            out.append(
                f"<a href={quoteattr(line.href)} xlink:href={quoteattr(line.href)}>"
                f'<text x="{x:.1f}" y="{y:.1f}" fill="{LINK}" text-decoration="underline"'
                f"{weight}>{escape(prefix + line.text)}</text></a>"
            )
    out.append("</svg>")
    return "\n".join(out)


def consort_png(layout: Layout) -> bytes:
    """Return the same diagram as PNG (no links in a picture: the SVG keeps them)."""
    dpi = 100
    figure = plt.figure(figsize=(WIDTH / dpi, layout.height / dpi), dpi=dpi)
    axis = figure.add_axes((0, 0, 1, 1))
    axis.set_xlim(0, WIDTH)
    axis.set_ylim(layout.height, 0)
    axis.axis("off")
    points = FONT_SIZE * 72 / dpi
    axis.text(
        WIDTH / 2,
        26,
        layout.title,
        ha="center",
        va="baseline",
        fontsize=points,
        fontweight="bold",
        color=INK,
    )
    for stage in layout.stages:
        axis.add_patch(
            FancyBboxPatch(
                (10, stage.top),
                120,
                stage.bottom - stage.top,
                boxstyle="round,pad=0,rounding_size=6",
                facecolor=STAGE_FILL,
                edgecolor="none",
            )
        )
        axis.text(
            70,
            (stage.top + stage.bottom) / 2,
            stage.label,
            ha="center",
            va="center",
            fontsize=points,
            fontweight="bold",
            color=INK,
        )
    for x1, y1, x2, y2 in layout.joins:
        axis.plot([x1, x2], [y1, y2], color=INK, linewidth=1)
    for x1, y1, x2, y2 in layout.arrows:
        axis.add_patch(
            FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=12, color=INK)
        )
    for box in layout.boxes:
        axis.add_patch(
            Rectangle(
                (box.x, box.y),
                box.width,
                box.height,
                facecolor="#ffffff",
                edgecolor=FRAME,
                linewidth=1.2,
            )
        )
        for i, line in enumerate(box.lines):
            prefix = "• " if line.indent == 1 else ("– " if line.indent == 2 else "")
            axis.text(
                box.x + PADDING + 16 * line.indent,
                box.y + PADDING + (i + 1) * LINE_HEIGHT - 5,
                prefix + line.text,
                ha="left",
                va="baseline",
                fontsize=points,
                fontweight="bold" if line.bold else "normal",
                color=INK,
            )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=2 * dpi)
    plt.close(figure)
    return buffer.getvalue()
