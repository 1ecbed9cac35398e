"""The design system's text colours meet WCAG AA contrast (4.5:1) on the backgrounds they sit on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "assets" / "app.css"
VAR = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b")

# (text, background) pairs as the stylesheet uses them.
PAIRS = [
    ("text", "surface"), ("text", "bg"), ("text-2", "surface"), ("text-3", "surface"), ("text-3", "bg"),
    ("text-3", "surface-2"), ("brand", "surface"), ("brand-ink", "brand-soft"), ("#ffffff", "brand"),
    ("#ffffff", "brand-hover"), ("danger", "surface"), ("danger", "danger-soft"), ("warn", "warn-soft"),
    ("ok", "ok-soft"), ("note-ink", "note"), ("nav-text", "nav-bg"), ("violet", "violet-soft"),
]  # fmt: skip


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize(("fg", "bg"), PAIRS)
def test_text_contrast_meets_aa(fg: str, bg: str) -> None:
    palette = dict(VAR.findall(CSS.read_text()))
    colour = {name: palette.get(name, name) for name in (fg, bg)}
    assert contrast(colour[fg], colour[bg]) >= 4.5, (fg, bg, round(contrast(colour[fg], colour[bg]), 2))
