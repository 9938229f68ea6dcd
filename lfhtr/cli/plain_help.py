"""Help that names an option's value as people read it (PATH, INTEGER), not as a Python type.

Typer prints each parameter's annotation (``<list[Path]>``, ``<int range>``, ``<bool>`` on every
flag). A user reading ``lfhtr read --help`` needs to see which options take a value and what kind;
a flag takes none. The root command renames every parameter of the command it is about to run or
describe, once, before the help is drawn.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument

VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "Path": "PATH", "bool": ""}


def value_name(type_tag: str) -> str:
    """``<list[Path]>`` → ``PATH...``, ``<int range>`` → ``INTEGER``, ``<bool>`` → nothing; choices stay."""
    inner = type_tag.strip("<>").removesuffix(" range")
    repeated = inner.startswith("list[")
    inner = inner.removeprefix("list[").removesuffix("]")
    name = VALUE_NAMES.get(inner, inner.upper() if "|" not in inner else inner)
    return f"{name}..." if repeated and name else name


def name_values_plainly(command: Any, ctx: Any) -> None:
    """Give each parameter of ``command`` (and of its subcommands) a plain value name."""
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # its name says it
        elif param.metavar is None:
            param.metavar = "" if getattr(param, "is_flag", False) else value_name(param.display_type(ctx))
    for subcommand in getattr(command, "commands", {}).values():
        name_values_plainly(subcommand, ctx)
