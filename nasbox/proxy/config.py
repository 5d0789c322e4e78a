"""The proxy's settings: how a target spec is scaled down and trained. Every field is part of a run's identity."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from nasbox.errors import NasboxError

OPTIMIZERS = ("sgd", "adamw")
BATCH_NORMS = ("added", "as-designed")


@dataclass(frozen=True)
class ProxyConfig:
    """Width multiplier and input resolution of the proxy, and its training recipe: a linear learning-rate warm-up
    over `warmup_epochs`, then a cosine decay to zero; gradients clipped to `clip_norm` (L2) when given; seeded.
    With `batch_norm` "added" (the default) the proxy has batch norm after every conv that has none (see
    `nasbox.arch.transform.with_batch_norm`): without it, networks designed before batch norm, such as SqueezeNet,
    do not learn in a proxy's few steps; "as-designed" trains the network's own normalisation. `relax_strides`
    runs the network's first N downsampling layers at stride 1 (see `nasbox.arch.transform.relax_strides`), so that
    at a cut resolution its late stages keep more of the target's spatial schedule."""

    width_mult: float = 0.5  # chosen by the proxy-fidelity study (README): the best τ, beyond width 0.25's
    resolution: int = 32
    epochs: int = 2
    batch_size: int = 64
    optimizer: str = "sgd"
    lr: float | None = None
    weight_decay: float | None = None
    warmup_epochs: float = 0.0
    clip_norm: float | None = None
    batch_norm: str = "added"
    relax_strides: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.width_mult <= 4:
            raise NasboxError(f"--width-mult: must be in (0, 4], got {self.width_mult}")
        if not 8 <= self.resolution <= 1024:
            raise NasboxError(f"--resolution: must be between 8 and 1024 pixels, got {self.resolution}")
        if self.epochs < 1:
            raise NasboxError(f"--epochs: must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise NasboxError(f"--batch-size: must be at least 1, got {self.batch_size}")
        if self.optimizer not in OPTIMIZERS:
            raise NasboxError(f"--optimizer: unknown optimizer {self.optimizer!r}; choose {' or '.join(OPTIMIZERS)}")
        if not 0 <= self.warmup_epochs < self.epochs:
            raise NasboxError(f"--warmup-epochs: must be at least 0 and less than --epochs ({self.epochs}), "
                              f"got {self.warmup_epochs}")
        if self.batch_norm not in BATCH_NORMS:
            raise NasboxError(f"--batch-norm: unknown choice {self.batch_norm!r}; choose {' or '.join(BATCH_NORMS)}")
        if self.relax_strides < 0:
            raise NasboxError(f"--relax-strides: must be 0 or more, got {self.relax_strides}")
        if self.clip_norm is not None and not 0 < self.clip_norm < math.inf:
            raise NasboxError(f"--clip-norm: must be a finite number > 0, got {self.clip_norm}")
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < math.inf:
                raise NasboxError(f"--{name.replace('_', '-')}: must be a finite number ≥ 0, got {value}")

    @property
    def learning_rate(self) -> float:
        """The peak learning rate: the given one, or the usual default of the optimizer."""
        if self.lr is not None:
            return self.lr
        return 0.05 if self.optimizer == "sgd" else 1e-3

    @property
    def decay(self) -> float:
        if self.weight_decay is not None:
            return self.weight_decay
        return 5e-4 if self.optimizer == "sgd" else 0.05

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProxyConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
