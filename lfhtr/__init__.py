"""lfhtr: label-free handwritten text recognition.

Train a word recogniser on synthetic handwriting, then adapt it to real unlabelled word images by
self-training. The CLI (`lfhtr`) is the main entry; from Python:

    from lfhtr import Reader, Session
    Reader.load("en").read(["word.png"])          # a shipped model, no spec needed
    Session.load(Path("work/session.json")).adapt()

Only ``Reader`` and ``Session`` (and the plugin API in ``lfhtr.core``) are public; they are imported on
first use, so `import lfhtr` and the CLI's start stay quick.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lfhtr.session import Session
    from lfhtr.train.reader import Reader

try:
    __version__ = version("lfhtr")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["Reader", "Session", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Reader":
        from lfhtr.train.reader import Reader

        return Reader
    if name == "Session":
        from lfhtr.session import Session

        return Session
    raise AttributeError(f"module 'lfhtr' has no attribute {name!r}")
