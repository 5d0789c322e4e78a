"""Early stopping as a policy: after each epoch of a searched trial, every executor (local workers, Ray) asks the
run's policy whether the trial goes on, from its scores at the rung and those of the trials recorded there before
it. `none` trains every trial to the end; `asha` ranks by accuracy (single-objective searches); `mo-asha` by
non-dominated sorting of accuracy and the cost objectives. A new policy is a subclass of `StoppingPolicy`
registered in `POLICIES`."""

from __future__ import annotations

from nasbox.errors import NasboxError
from nasbox.stopping.asha import Asha
from nasbox.stopping.mo_asha import MoAsha
from nasbox.stopping.policy import Entry, StoppingPolicy, rungs

NONE = "none"
POLICIES: dict[str, type[StoppingPolicy]] = {Asha.name: Asha, MoAsha.name: MoAsha}


def make_policy(name: str, epochs: int) -> StoppingPolicy | None:
    """The policy called `name` for trials of `epochs` epochs; None for `none`."""
    if name == NONE:
        return None
    if name not in POLICIES:
        raise NasboxError(f"--early-stopping: unknown policy {name!r}; choose one of {', '.join([NONE, *POLICIES])}")
    return POLICIES[name](epochs)


__all__ = ["NONE", "POLICIES", "Entry", "StoppingPolicy", "make_policy", "rungs"]
