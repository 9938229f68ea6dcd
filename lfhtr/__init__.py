"""lfhtr: label-free handwritten text recognition.

Train a word recogniser on synthetic handwriting, then adapt it to real unlabelled word images by
self-training. The CLI (`lfhtr`) is the main entry; the package is importable for embedding.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lfhtr")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
