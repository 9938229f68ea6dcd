"""Early stopping on the synthetic validation CER, with its state kept in the checkpoint.

Its counters travel in the checkpoint's state (not its JSON sidecar), so a resumed run stops exactly
where an uninterrupted one would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class EarlyStopping:
    patience: int
    """Validations without a better CER before stopping; 0 never stops."""
    best: float = math.inf
    stale: int = 0

    def update(self, cer: float) -> bool:
        """Record a validation; whether it is the best so far."""
        improved = cer < self.best
        self.stale = 0 if improved else self.stale + 1
        self.best = min(self.best, cer)
        return improved

    @property
    def exhausted(self) -> bool:
        return bool(self.patience) and self.stale >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "stale": self.stale}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.stale = float(state["best"]), int(state["stale"])
