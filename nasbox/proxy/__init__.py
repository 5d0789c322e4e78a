"""Proxy training: a target spec scaled down, trained for a few epochs, scored by validation accuracy.

`evaluate(spec, config, data)` is the one entry every search backend calls.
"""

from nasbox.proxy.config import ProxyConfig
from nasbox.proxy.data import ProxyData, prepare_data
from nasbox.proxy.train import ProxyResult, TrialFailed, evaluate, select_device

__all__ = ["ProxyConfig", "ProxyData", "ProxyResult", "TrialFailed", "evaluate", "prepare_data", "select_device"]
