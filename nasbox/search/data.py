"""The run's proxy data: its dataset, split with the run's seed and resized to the proxy resolution, on the
run's device; and apart from it, the held-out test part that only the publisher reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasbox.data import ImageDataset
    from nasbox.proxy import HeldOut, ProxyData
    from nasbox.search.config import SearchConfig


def load_proxy_data(config: SearchConfig, dataset: ImageDataset | None = None) -> ProxyData:
    """The proxy data of the run `config` describes (from `dataset` when it is already loaded)."""
    from nasbox.data import load_dataset
    from nasbox.devices import select_device
    from nasbox.proxy import prepare_data

    dataset = dataset if dataset is not None else load_dataset(config.dataset, config.data_dir)
    return prepare_data(dataset, config.proxy.resolution, val_fraction=config.val_fraction,
                        test_fraction=config.test_fraction, seed=config.seed, subset=config.subset,
                        device=select_device(config.device))


def load_held_out(config: SearchConfig, data: ProxyData, dataset: ImageDataset | None = None) -> HeldOut:
    """The run's held-out test images, prepared like `data` (its `load_proxy_data`)."""
    from nasbox.data import load_dataset
    from nasbox.proxy import prepare_test

    dataset = dataset if dataset is not None else load_dataset(config.dataset, config.data_dir)
    return prepare_test(dataset, data, val_fraction=config.val_fraction, test_fraction=config.test_fraction,
                        seed=config.seed, subset=config.subset)
