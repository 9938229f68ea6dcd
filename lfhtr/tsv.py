"""TSV rows that stay rows: a TAB or line break inside a file name or a text is written escaped.

File names may hold any character but '/' and NUL, and a label file may carry stray TABs; written as
they are, they would shift every later column or split a row in two.
"""

from __future__ import annotations

import re

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ESCAPED = re.compile(r"\\(.)")
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def field(value: object) -> str:
    return str(value).translate(_ESCAPES)


def row(*values: object) -> str:
    return "\t".join(field(v) for v in values) + "\n"


def parse_row(line: str) -> list[str]:
    """The values ``row`` wrote into ``line`` (its line break already removed)."""
    return [_ESCAPED.sub(lambda m: _UNESCAPES.get(m[1], m[0]), value) for value in line.split("\t")]
