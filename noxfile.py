"""Developer sessions. CI installs once (scripts/setup.sh --dev) and runs pytest directly; locally,
`nox --no-venv -s lint typecheck tests` reuses the same environment."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
SOURCES = ["lfhtr", "tests", "plugins", "bench", "noxfile.py"]


@nox.session
def lint(session: nox.Session) -> None:
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    session.run("mypy", "lfhtr")


@nox.session
def tests(session: nox.Session) -> None:
    session.run("pytest", *session.posargs)
