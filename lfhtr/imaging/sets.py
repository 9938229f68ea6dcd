"""An unlabelled set as the spec describes it: a folder of word images, or word regions of pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lfhtr.core.settings import UnlabelledSet
from lfhtr.imaging.folder import ImageSet, load_folder
from lfhtr.imaging.pages import load_page_words


def load_unlabelled(unlabelled: UnlabelledSet, resolve: Callable[[str], Path], height: int) -> ImageSet:
    """The set's images; page XML is read for its regions only, never for any text it holds."""
    folder = resolve(unlabelled.images)
    if unlabelled.pages is None:
        return load_folder(folder, height, unlabelled.include, unlabelled.limit)
    return load_page_words(
        folder, resolve(unlabelled.pages), height, unlabelled.include, unlabelled.limit
    ).found
