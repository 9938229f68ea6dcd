"""The kraken segmenter through lfhtr's contract; skipped where kraken is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("kraken")

from lfhtr.core import plugins  # noqa: E402
from lfhtr.pages.segment import segment_scan  # noqa: E402

GW = Path(__file__).resolve().parents[4] / "shared" / "data" / "gw-pages" / "276.jpg"


@pytest.mark.skipif(not GW.is_file(), reason="../shared/data/gw-pages is not beside the repository")
def test_kraken_finds_the_lines_of_a_page_and_the_core_accepts_them() -> None:
    layout = segment_scan(plugins.build("segmenter", "kraken", {}), GW)
    assert len(layout.lines()) >= 25
    assert all(line.orientation in (0.0, 90.0, 180.0, 270.0) for line in layout.lines())
