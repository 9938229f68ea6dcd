"""One error hierarchy, so the CLI can print any expected failure as one line and exit non-zero.

Every message should name the file or field at fault and say how to fix it; a traceback is reserved for
real bugs.
"""

PATH_RULE = "paths in a spec are relative to the spec's folder, paths on the command line to the current one"
"""Said in every error about a missing file or folder, since either kind of path may have led there."""


class LfhtrError(Exception):
    """An expected failure whose message is fit to show the user as it is."""

    exit_code = 2


class SpecError(LfhtrError):
    """The session spec is unreadable or invalid."""


class PluginError(LfhtrError):
    """A plugin is unknown, duplicated, or failed to load."""


class DataError(LfhtrError):
    """Input data (images, labels, corpora, fonts) is missing or unusable."""


class UnreadableImage(DataError):
    """An image file that cannot be decoded: where images are read one by one, it is skipped with a
    warning rather than costing the others."""


class Interrupted(LfhtrError):
    """Ctrl-C during a long stage: state was saved and the message says how to resume."""

    exit_code = 130


class CheckpointError(LfhtrError):
    """A checkpoint is missing, truncated, or does not match the session."""
