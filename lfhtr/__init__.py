"""lfhtr: label-free handwritten text recognition.

Train a word recogniser on synthetic handwriting, then adapt it to real unlabelled word images by
self-training. The CLI (`lfhtr`) is the main entry; from Python:

    from lfhtr import Reader, Session
    Reader.load("en").read(["word.png"])          # a shipped model, no spec needed
    Session.load(Path("work/session.json")).adapt()

Only ``Reader`` and ``Session`` (and the plugin API in ``lfhtr.core``) are public; they are imported on
first use, so `import lfhtr` and the CLI's start stay quick. This module is the top of the package order
(docs/architecture.md): nothing inside lfhtr imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lfhtr.version import __version__

if TYPE_CHECKING:
    from lfhtr.api import Session
    from lfhtr.reading.reader import Reader

__all__ = ["Reader", "Session", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Reader":
        from lfhtr.reading.reader import Reader

        return Reader
    if name == "Session":
        from lfhtr.api import Session

        return Session
    raise AttributeError(f"module 'lfhtr' has no attribute {name!r}")
