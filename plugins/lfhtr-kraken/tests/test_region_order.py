"""How kraken's records become lfhtr regions; runs without kraken (records as kraken 4's dicts)."""

from __future__ import annotations

from lfhtr_kraken import _regions

from lfhtr.core.layout import TextLine, page_box


def _box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _line(name: str, y: float) -> TextLine:
    return TextLine(name, ((20.0, y), (180.0, y)), tuple(_box(20, y - 15, 180, y + 5)))


def test_the_page_reads_in_krakens_line_order_whatever_the_order_of_its_regions() -> None:
    # kraken lists a page's lower block first among its regions, its lines top to bottom
    found = {"text": [{"boundary": _box(10, 300, 190, 500)}, {"boundary": _box(10, 10, 190, 200)}]}
    lines = [_line("top1", 50), _line("top2", 100), _line("stray", 250), _line("low1", 350)]
    regions = _regions(found, lines, 200, 600)
    assert [[line.id for line in region.lines] for region in regions] == [
        ["top1", "top2"],
        ["stray"],
        ["low1"],
    ]
    assert regions[0].boundary == tuple(_box(10, 10, 190, 200))
    assert regions[1].boundary == page_box(200, 600)
    assert [region.id for region in regions] == ["r1", "r2", "r3"]
