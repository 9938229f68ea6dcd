"""An unlabelled set as the spec describes it: a folder of images, or the word or line regions of pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lfhtr.core.settings import UnlabelledSet
from lfhtr.imaging.folder import ImageSet, load_folder
from lfhtr.pages.cut import load_page_regions
from lfhtr.pages.parse import Unit

PageSource = Callable[[Path, str, list[str], "int | None"], "Path | list[Path]"]
"""(images folder, the set's ``pages``, include, limit) → the page folder, or the page files of
``pages: auto`` (``Session.page_source``)."""


def load_unlabelled(
    unlabelled: UnlabelledSet,
    resolve: Callable[[str], Path],
    height: int,
    page_source: PageSource,
    unit: Unit = "word",
) -> ImageSet:
    """The set's images (from pages: regions of ``unit``); page XML is read for its regions only, never
    for any text it holds."""
    folder = resolve(unlabelled.images)
    if unlabelled.pages is None:
        return load_folder(folder, height, unlabelled.include, unlabelled.limit)
    pages = page_source(folder, unlabelled.pages, unlabelled.include, unlabelled.limit)
    return load_page_regions(folder, pages, height, unlabelled.include, unlabelled.limit, unit).found
