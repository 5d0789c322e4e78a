"""Proxy training: a target spec scaled down, trained for a few epochs, scored by validation accuracy
(and, for the networks a search reports, by test accuracy on the held-out part that nothing trains or selects on).

`evaluate(spec, config, data)` is the one entry every search backend calls. torch is imported when the training
parts are first used, so that reading a `ProxyConfig` (the CLI's quick answers) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from nasbox.proxy.config import ProxyConfig

_LAZY = {"ProxyData": "nasbox.proxy.data", "HeldOut": "nasbox.proxy.data", "prepare_data": "nasbox.proxy.data",
         "prepare_test": "nasbox.proxy.data", "ProxyResult": "nasbox.proxy.train", "TrialFailed": "nasbox.proxy.train",
         "evaluate": "nasbox.proxy.train", "held_out_accuracy": "nasbox.proxy.train"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nasbox.proxy' has no attribute {name!r}")


__all__ = ["HeldOut", "ProxyConfig", "ProxyData", "ProxyResult", "TrialFailed", "evaluate", "held_out_accuracy",
           "prepare_data", "prepare_test"]
