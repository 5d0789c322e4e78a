"""The shares of a dataset split, checked in one place: by the settings before torch is imported, and by the split
itself."""

from __future__ import annotations

from nasbox.errors import NasboxError


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Refuse shares that leave no part to train on or none to validate on."""
    if not 0 < val_fraction < 1:
        raise NasboxError(f"--val-fraction: must be between 0 and 1 (exclusive), got {val_fraction}; use e.g. 0.15")
    if not 0 <= test_fraction < 1:
        raise NasboxError(f"--test-fraction: must be at least 0 and below 1, got {test_fraction}; use e.g. 0.15")
    if val_fraction + test_fraction >= 1:
        raise NasboxError(f"--val-fraction {val_fraction} and --test-fraction {test_fraction} leave nothing to "
                          "train on; keep their sum below 1, e.g. 0.15 and 0.15")
