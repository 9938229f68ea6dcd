"""TSV rows that stay rows: a TAB or line break inside a file name or a text is written escaped.

File names may hold any character but '/' and NUL, and a label file may carry stray TABs; written as
they are, they would shift every later column or split a row in two.
"""

from __future__ import annotations

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def field(value: object) -> str:
    return str(value).translate(_ESCAPES)


def row(*values: object) -> str:
    return "\t".join(field(v) for v in values) + "\n"
