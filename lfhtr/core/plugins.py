"""Plugin discovery through entry points, one path for built-in and third-party code.

Discovery lists entry points without importing them (cheap: `lfhtr --help` stays fast); a plugin is
imported only when a session uses it or `lfhtr plugins` asks. A plugin that fails to import is reported
with its distribution and version and never takes the other plugins down with it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from pydantic import ValidationError

from lfhtr.core.interfaces import (
    AdaptationOptions,
    AdaptationStrategy,
    Augmenter,
    ModelArchitecture,
    Plugin,
    PluginOptions,
    Renderer,
    Segmenter,
    TextSampler,
)
from lfhtr.errors import PluginError


@dataclass(frozen=True)
class Family:
    """A kind of plugin: the spec's name for it, its entry-point group, the base class it must extend and
    the base its ``Options`` must extend (the core reads those shared fields)."""

    name: str
    group: str
    base: type
    options_base: type = PluginOptions


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("sampler", "lfhtr.samplers", TextSampler),
        Family("renderer", "lfhtr.renderers", Renderer),
        Family("augmenter", "lfhtr.augmenters", Augmenter),
        Family("model", "lfhtr.models", ModelArchitecture),
        Family("adapter", "lfhtr.adapters", AdaptationStrategy, AdaptationOptions),
        Family("segmenter", "lfhtr.segmenters", Segmenter),
    )
}


@dataclass(frozen=True)
class PluginInfo:
    family: str
    name: str
    target: str
    distribution: str
    version: str

    @property
    def origin(self) -> str:
        return f"{self.distribution} {self.version}"


def _info(family: str, ep: EntryPoint) -> PluginInfo:
    dist = ep.dist
    return PluginInfo(
        family=family,
        name=ep.name,
        target=ep.value,
        distribution=dist.metadata["Name"] if dist is not None else "?",
        version=dist.version if dist is not None else "?",
    )


@cache
def _entry_points(family: str) -> dict[str, list[EntryPoint]]:
    found: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=FAMILIES[family].group):
        same = found.setdefault(ep.name, [])
        # the same distribution can be visible twice (e.g. an editable install plus a build dir)
        if all(_info(family, other).distribution != _info(family, ep).distribution for other in same):
            same.append(ep)
    return found


def clear_cache() -> None:
    """Forget discovered plugins, e.g. after installing a distribution at run time (tests do)."""
    _entry_points.cache_clear()
    load.cache_clear()


def available(family: str) -> list[PluginInfo]:
    """Every plugin of a family that is installed, whether or not it imports."""
    return [_info(family, ep) for eps in _entry_points(family).values() for ep in eps]


def names(family: str) -> list[str]:
    return sorted(_entry_points(family))


def unknown_kind_message(family: str, kind: str) -> str:
    known = names(family)
    hint = difflib.get_close_matches(kind, known, n=1)
    did_you_mean = f" Did you mean '{hint[0]}'?" if hint else ""
    return f"unknown {family} kind '{kind}'; installed: {', '.join(known) or 'none'}.{did_you_mean}"


@cache
def load(family: str, name: str) -> type[Plugin]:
    """Import one plugin class, turning every failure into a PluginError naming its distribution."""
    candidates = _entry_points(family).get(name)
    if not candidates:
        raise PluginError(unknown_kind_message(family, name))
    if len(candidates) > 1:
        origins = " and ".join(_info(family, ep).origin for ep in candidates)
        raise PluginError(f"{family} '{name}' is registered twice, by {origins}; uninstall one of them.")
    ep = candidates[0]
    info = _info(family, ep)
    try:
        cls = ep.load()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # any failure, sys.exit() included: report it, never end the CLI
        raise PluginError(
            f"{family} plugin '{name}' ({info.target}) from {info.origin} failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    base, options_base = FAMILIES[family].base, FAMILIES[family].options_base
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise PluginError(
            f"{family} plugin '{name}' from {info.origin} is not a subclass of lfhtr {base.__name__}."
        )
    if not issubclass(cls.Options, options_base):  # type: ignore[attr-defined]
        raise PluginError(
            f"{family} plugin '{name}' from {info.origin}: its Options must derive from lfhtr "
            f"{options_base.__name__}."
        )
    return cast(type[Plugin], cls)


def info(family: str, name: str) -> PluginInfo:
    """Where an installed plugin comes from (distribution and version), for checkpoints to record."""
    candidates = _entry_points(family).get(name)
    if not candidates:
        raise PluginError(unknown_kind_message(family, name))
    return _info(family, candidates[0])


def build(family: str, kind: str, options: Mapping[str, Any]) -> Plugin:
    """The one way any plugin is constructed: load its class, validate its options, record its kind.

    Sessions build from their validated spec and checkpoints rebuild their model from stored metadata
    through this same door, so a plugin never sees options its own model did not validate.
    """
    cls = load(family, kind)
    try:
        validated = cls.Options.model_validate(dict(options))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(options)"
        raise PluginError(f"{family} '{kind}': {where}: {first['msg']}.") from None
    plugin = cls(validated)
    plugin.kind = kind
    return plugin


def loadable(family: str) -> tuple[dict[str, type[Plugin]], list[PluginError]]:
    """All plugins of a family that import, plus the errors of those that do not."""
    good: dict[str, type[Plugin]] = {}
    broken: list[PluginError] = []
    for name in names(family):
        try:
            good[name] = load(family, name)
        except PluginError as exc:
            broken.append(exc)
    return good, broken
