"""A loaded session: the validated spec plus where things live, and plugin construction from it."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.core.interfaces import BuildContext
from lfhtr.errors import SpecError
from lfhtr.text.charset import Charset


class Session:
    def __init__(self, spec: specs.SessionSpec, base_dir: Path, source: str = "spec") -> None:
        self.spec = spec
        self.base_dir = base_dir
        self.source = source
        try:
            self.charset = Charset(spec.charset)
        except ValueError as exc:
            raise SpecError(f"{source}: charset: {exc}.") from None

    @classmethod
    def load(cls, path: Path, overrides: list[str] | None = None) -> Session:
        return cls(specs.load(path, overrides), path.resolve().parent, str(path))

    def resolve(self, path: str | Path) -> Path:
        return self.base_dir / Path(path).expanduser()

    @cached_property
    def output(self) -> Path:
        return self.resolve(self.spec.output)

    @property
    def cache_dir(self) -> Path:
        return self.output / "cache"

    def context(self) -> BuildContext:
        return BuildContext(self.charset, self.cache_dir, self.spec.seed, self.base_dir)

    def build(self, family: str, component: Any) -> Any:
        """Instantiate the plugin a spec component names, with its options re-validated by the plugin."""
        return plugins.build(family, component.kind, component.model_dump(exclude={"kind"}))

    def provenance(self) -> dict[str, str]:
        """Which plugin, from which distribution and version, fills each slot of the spec."""
        found: dict[str, str] = {}
        for slot, (family, _default, many) in specs.SLOTS.items():
            components = getattr(self.spec, slot)
            for index, component in enumerate(components if many else [components]):
                where = f"{slot}[{index}]" if many else slot
                origin = plugins.info(family, component.kind).origin
                found[where] = f"{component.kind} ({origin})"
        return found

    def spec_hash(self) -> str:
        import hashlib

        blob = json.dumps(specs.dump(self.spec), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
