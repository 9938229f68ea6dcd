"""Do other tools read the PAGE-XML that `lfhtr run transcribe` writes as lfhtr meant it?

Run: python scripts/page_consumers.py RUN_FOLDER GROUND_TRUTH_FOLDER --dinglehopper PATH
                                      [--kraken-python PATH]

RUN_FOLDER is a line model's run folder after `lfhtr run evaluate` and `lfhtr run transcribe` on the
same pages (docs/pages.md); GROUND_TRUTH_FOLDER holds those pages' PAGE-XML with the true text.

- dinglehopper (OCR-D's evaluation tool) compares each written page with its ground truth at line level.
  Its CER of a page counts the line breaks between the page's lines as characters (always right), so its
  figure is a little lower than lfhtr's line CER; the check compares its error count, over lfhtr's
  characters, with lfhtr's CER of the same lines (evaluate's results.tsv), within 0.005.
- kraken's PAGE/ALTO parser (run with the Python that has kraken installed) reads every written page;
  each line's text must equal lfhtr's reading of it (transcribe's transcriptions.tsv).

Each tool runs in its own environment, since neither shares lfhtr's dependencies. Exit status 1 when a
check fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from lfhtr import tsv

TOLERANCE = 0.005

KRAKEN_LINES = """
import json, sys
from kraken.lib.xml import XMLPage
print(json.dumps({p: {k: l.text for k, l in XMLPage(p).lines.items()} for p in sys.argv[1:]}))
"""


def rows(table: Path) -> list[list[str]]:
    """The rows below the header of a TSV that lfhtr wrote, its escapes undone."""
    return [tsv.parse_row(line) for line in table.read_text("utf-8").split("\n")[1:] if line]


def lfhtr_errors(results: Path) -> tuple[Counter[str], Counter[str]]:
    """Per page: edits and characters of evaluate's line readings (``page/line`` keys)."""
    edits: Counter[str] = Counter()
    characters: Counter[str] = Counter()
    for key, truth, _reading, _confidence, edit in rows(results):
        page = key.split("/")[0]
        edits[page] += int(edit)
        characters[page] += len(truth)
    return edits, characters


def dinglehopper_errors(exe: str, truth: Path, written: Path) -> tuple[float, int]:
    """dinglehopper's line-level CER of one page and the number of characters it counted."""
    with tempfile.TemporaryDirectory() as reports:
        subprocess.run(
            [exe, "--textequiv-level", "line", str(truth), str(written), "report", reports],
            check=True,
            capture_output=True,
        )
        report = json.loads((Path(reports) / "report.json").read_text("utf-8"))
    return float(report["cer"]), int(report["n_characters"])


def check_dinglehopper(exe: str, run: Path, truth_folder: Path) -> bool:
    edits, characters = lfhtr_errors(run / "evaluate" / "results.tsv")
    columns = ["page", "lines' characters", "lfhtr errors", "lfhtr CER", "dinglehopper CER"]
    print("| " + " | ".join([*columns, "its characters", "its errors"]) + " |")
    print("|---" * (len(columns) + 2) + "|")
    theirs_errors = theirs_characters = 0.0
    for page in sorted(edits):
        written = run / "transcribe" / "pages" / f"{page}.xml"
        cer, counted = dinglehopper_errors(exe, truth_folder / f"{page}.xml", written)
        errors = cer * counted
        theirs_errors += errors
        theirs_characters += counted
        mine = f"{characters[page]} | {edits[page]} | {edits[page] / characters[page]:.4f}"
        print(f"| {page} | {mine} | {cer:.4f} | {counted} | {errors:.0f} |")
    ours = sum(edits.values()) / sum(characters.values())
    theirs = theirs_errors / sum(characters.values())
    print(
        f"\nlfhtr line CER {ours:.4f}; dinglehopper {theirs_errors / theirs_characters:.4f} as it reports it "
        f"(line breaks counted), {theirs:.4f} over the lines' characters: difference {abs(theirs - ours):.4f}"
    )
    return abs(theirs - ours) <= TOLERANCE


def check_kraken(python: str, run: Path) -> bool:
    written = sorted((run / "transcribe" / "pages").glob("*.xml"))
    out = subprocess.run(
        [python, "-c", KRAKEN_LINES, *map(str, written)], check=True, capture_output=True, text=True
    )
    parsed = json.loads(out.stdout)
    ours = {key: text for key, text, _confidence in rows(run / "transcribe" / "transcriptions.tsv")}
    theirs = {
        f"{Path(page).stem}/{key}": text for page, lines in parsed.items() for key, text in lines.items()
    }
    differ = sorted(key for key in ours if theirs.get(key) != ours[key])
    print(f"kraken read {len(theirs)} lines from {len(written)} pages; {len(differ)} differ from lfhtr's")
    for key in differ[:5]:
        print(f"  {key}: lfhtr {ours[key]!r}, kraken {theirs.get(key)!r}")
    return not differ and len(theirs) == len(ours)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--dinglehopper", required=True)
    parser.add_argument("--kraken-python")
    args = parser.parse_args()
    passed = check_dinglehopper(args.dinglehopper, args.run, args.truth)
    if args.kraken_python:
        passed = check_kraken(args.kraken_python, args.run) and passed
    print("passed" if passed else "FAILED")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
