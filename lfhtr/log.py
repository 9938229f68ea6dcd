"""Messages through the standard ``logging`` module: the console shows them, a log file keeps them.

Stages log to the ``lfhtr`` logger. ``configure`` (called by the CLI) shows INFO and up on stderr
(WARNING and up with ``quiet``, DEBUG with ``verbose``) and can copy every message, timestamped, to a
file: cluster jobs and CI keep a record without parsing progress bars. Embedding code that never calls
it gets Python's usual behaviour (warnings only).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from rich.markup import escape

from lfhtr import progress
from lfhtr.errors import LfhtrError

log = logging.getLogger("lfhtr")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OneLine(logging.Filter):
    """Every message is one line: a newline or other control character inside it (file names can hold
    them) is shown escaped, so a name cannot forge or hide a line of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), record.msg)
        return True


log.addFilter(OneLine())


class ConsoleHandler(logging.Handler):
    """One plain line per message on the progress bars' console, warnings marked and in colour."""

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if record.levelno >= logging.ERROR:
            progress.console.print(f"[red]error:[/] {escape(text)}", soft_wrap=True, highlight=False)
        elif record.levelno >= logging.WARNING:
            progress.console.print(f"warning: {text}", style="yellow", markup=False, highlight=False)
        else:
            progress.console.print(text, markup=False, highlight=False)


def configure(quiet: bool = False, verbose: bool = False, log_file: Path | None = None) -> None:
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    console = ConsoleHandler(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    log.addHandler(console)
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            record = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise LfhtrError(f"--log-file {log_file}: cannot write it ({exc.strerror or exc}).") from None
        record.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        record.setLevel(logging.DEBUG if verbose else logging.INFO)
        log.addHandler(record)
    log.setLevel(min(h.level for h in log.handlers))
    log.propagate = False
    progress.show_bars = not quiet
