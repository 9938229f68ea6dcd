"""Join a web font's Latin and Latin Extended subsets into one font file, in place.

Fontsource packages split each family by Unicode range; the Latin subset alone cannot draw Polish ł,
Czech ř or Romanian ș, and a word is drawn in one font file. Used by install-fonts.sh; a family whose
subsets cannot be joined keeps its Latin subset.
Usage: python join-font-subsets.py LATIN.woff2 LATIN_EXT.woff2
"""

import sys

from fontTools.merge import Merger, Options


def main(latin: str, extended: str) -> None:
    try:
        joined = Merger(options=Options(drop_tables=["vmtx", "vhea", "MATH"])).merge([latin, extended])
        joined.flavor = "woff2"
        joined.save(latin + ".joined")
    except Exception as exc:  # a font fontTools cannot merge keeps its Latin subset
        print(f"install-fonts: kept {latin} unjoined ({exc})", file=sys.stderr)
        return
    import os

    os.replace(latin + ".joined", latin)


if __name__ == "__main__":
    main(*sys.argv[1:3])
