"""Proxy training: a tiny network learns a synthetic dataset, seeded runs repeat, divergence is a TrialFailed,
the recipe's settings are checked, the data is split, resized and normalised, and the target spec is left alone."""

from __future__ import annotations

import math

import pytest
import torch

import nasbox
from nasbox import NasboxError
from nasbox.arch import ArchSpec
from nasbox.data import ImageDataset, split_dataset, synthetic_dataset
from nasbox.proxy import ProxyConfig, ProxyData, TrialFailed, evaluate, prepare_data, prepare_test
from nasbox.proxy.train import make_proxy

CLASSES = 4


def tiny_spec() -> ArchSpec:
    """A small conv net at an ImageNet-like target shape; the proxy rescales it to the data."""
    return nasbox.load_spec({
        "name": "tiny",
        "input": [3, 64, 64],
        "num_classes": 10,
        "layers": [
            {"type": "conv", "out": 32, "stride": 2},
            {"type": "conv", "out": 64, "stride": 2},
            {"type": "global_pool"},
            {"type": "linear", "out": 10},
        ],
    })


def quick_config(**changes: object) -> ProxyConfig:
    settings: dict[str, object] = {"width_mult": 0.5, "resolution": 16, "epochs": 3, "batch_size": 32}
    settings.update(changes)
    return ProxyConfig(**settings)


@pytest.fixture(scope="module")
def data() -> ProxyData:
    return prepare_data(synthetic_dataset(400, CLASSES, (1, 16, 16)), resolution=16)


# ------------------------------------------------------------------------------------------------- evaluate


def test_evaluate_learns_the_synthetic_dataset_well_above_chance(data: ProxyData) -> None:
    result = evaluate(tiny_spec(), quick_config(), data, seed=0)
    assert result.accuracy >= 0.6  # chance is 1 / CLASSES = 0.25
    assert result.curve[-1]["train_loss"] < result.curve[0]["train_loss"]


def test_evaluate_curve_has_one_entry_per_epoch_with_its_figures(data: ProxyData) -> None:
    seen: list[dict[str, float]] = []
    result = evaluate(tiny_spec(), quick_config(), data, seed=0, on_epoch=seen.append)
    assert [point["epoch"] for point in result.curve] == [1, 2, 3]
    for point in result.curve:
        assert set(point) == {"epoch", "train_loss", "val_accuracy", "seconds"}
        assert math.isfinite(point["train_loss"]) and point["train_loss"] > 0
        assert 0.0 <= point["val_accuracy"] <= 1.0
        assert point["val_accuracy"] * len(data.val_labels) == pytest.approx(
            round(point["val_accuracy"] * len(data.val_labels)))  # a share of the validation images
    seconds = [point["seconds"] for point in result.curve]
    assert seconds == sorted(seconds) and seconds[0] > 0
    assert result.seconds >= seconds[-1]
    assert result.accuracy == result.curve[-1]["val_accuracy"]
    assert seen == result.curve


def test_evaluate_reports_the_figures_of_the_proxy_it_trained(data: ProxyData) -> None:
    spec, config = tiny_spec(), quick_config(epochs=1)
    proxy = make_proxy(spec, config, data)
    assert proxy.input == (1, 16, 16)
    assert proxy.num_classes == CLASSES
    figures = nasbox.cost(proxy)
    result = evaluate(spec, config, data)
    assert (result.proxy_macs, result.proxy_params) == (figures.macs, figures.params)
    assert result.proxy_macs < nasbox.cost(spec).macs


def test_evaluate_leaves_the_target_spec_and_its_figures_unchanged(data: ProxyData) -> None:
    spec = tiny_spec()
    before_dict, before_cost = spec.to_dict(), nasbox.cost(spec)
    evaluate(spec, quick_config(epochs=1), data)
    assert spec.to_dict() == before_dict
    assert nasbox.cost(spec) == before_cost
    assert spec == tiny_spec()


def test_same_seed_repeats_accuracy_and_curve_exactly(data: ProxyData) -> None:
    config = quick_config(epochs=2)
    first = evaluate(tiny_spec(), config, data, seed=7)
    second = evaluate(tiny_spec(), config, data, seed=7)
    assert first.accuracy == second.accuracy

    def without_time(curve: list[dict[str, float]]) -> list[dict[str, float]]:
        return [{k: v for k, v in point.items() if k != "seconds"} for point in curve]

    assert without_time(first.curve) == without_time(second.curve)


def test_different_seeds_give_different_losses(data: ProxyData) -> None:
    config = quick_config(epochs=1)
    first = evaluate(tiny_spec(), config, data, seed=1)
    second = evaluate(tiny_spec(), config, data, seed=2)
    assert first.curve[0]["train_loss"] != second.curve[0]["train_loss"]


def test_divergent_recipe_raises_trial_failed_saying_diverged(data: ProxyData) -> None:
    with pytest.raises(TrialFailed) as info:
        evaluate(tiny_spec(), quick_config(optimizer="sgd", lr=1e12), data)
    message = str(info.value)
    assert message.startswith("diverged")
    assert "\n" not in message


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_both_optimizers_train(data: ProxyData, optimizer: str) -> None:
    result = evaluate(tiny_spec(), quick_config(optimizer=optimizer, epochs=2), data)
    assert len(result.curve) == 2
    assert all(math.isfinite(point["train_loss"]) for point in result.curve)
    assert result.accuracy > 1 / CLASSES


# ------------------------------------------------------------------------------------------------- ProxyConfig


def test_proxy_config_defaults_depend_on_the_optimizer() -> None:
    assert ProxyConfig(optimizer="sgd").learning_rate == 0.05
    assert ProxyConfig(optimizer="adamw").learning_rate == 1e-3
    assert ProxyConfig(optimizer="adamw", lr=0.01).learning_rate == 0.01
    assert ProxyConfig(optimizer="sgd", weight_decay=0.0).decay == 0.0


def test_proxy_config_round_trips_through_a_dict_and_ignores_unknown_keys() -> None:
    config = ProxyConfig(width_mult=0.5, resolution=24, epochs=3, optimizer="adamw", lr=0.002)
    assert ProxyConfig.from_dict({**config.to_dict(), "not_a_field": 1}) == config


@pytest.mark.parametrize(("changes", "flag"), [
    ({"epochs": 0}, "--epochs"),
    ({"width_mult": 0.0}, "--width-mult"),
    ({"width_mult": 5.0}, "--width-mult"),
    ({"width_mult": float("nan")}, "--width-mult"),
    ({"resolution": 4}, "--resolution"),
    ({"resolution": 2048}, "--resolution"),
    ({"batch_size": 0}, "--batch-size"),
    ({"optimizer": "adam"}, "--optimizer"),
    ({"lr": -0.1}, "--lr"),
    ({"weight_decay": -1.0}, "--weight-decay"),
    ({"batch_norm": "yes"}, "--batch-norm"),
    ({"relax_strides": -1}, "--relax-strides"),
])
def test_proxy_config_rejects_bad_values_naming_the_flag(changes: dict[str, object], flag: str) -> None:
    with pytest.raises(NasboxError) as info:
        ProxyConfig(**changes)
    message = str(info.value)
    assert message.startswith(f"{flag}: ")
    assert "\n" not in message


# ------------------------------------------------------------------------------------------------- prepare_data


def test_prepare_data_resizes_to_the_resolution() -> None:
    dataset = synthetic_dataset(40, 2, (3, 20, 12))
    for resolution in (8, 32):
        prepared = prepare_data(dataset, resolution=resolution)
        assert prepared.train_images.shape[1:] == (3, resolution, resolution)
        assert prepared.val_images.shape[1:] == (3, resolution, resolution)
        assert (prepared.channels, prepared.resolution, prepared.num_classes) == (3, resolution, 2)
        assert prepared.train_images.dtype == torch.float32


def test_prepare_data_keeps_a_flat_image_flat_when_resizing() -> None:
    levels = torch.arange(20, dtype=torch.uint8) * 12
    images = levels.view(20, 1, 1, 1).expand(20, 1, 10, 10).clone()
    dataset = ImageDataset("flat", images, torch.arange(20) % 2, ("a", "b"))
    prepared = prepare_data(dataset, resolution=16)
    for part in (prepared.train_images, prepared.val_images):
        flat = part.flatten(1)
        assert torch.allclose(flat, flat[:, :1].expand_as(flat), atol=1e-5)


def test_prepare_data_normalises_each_channel_with_the_training_statistics() -> None:
    dataset = synthetic_dataset(200, 4, (3, 8, 8), seed=3)
    prepared = prepare_data(dataset, resolution=8, seed=5)
    per_channel = prepared.train_images.transpose(0, 1).flatten(1)
    assert torch.allclose(per_channel.mean(dim=1), torch.zeros(3), atol=1e-4)
    assert torch.allclose(per_channel.std(dim=1), torch.ones(3), atol=1e-3)
    # at the native size nothing is resampled, so the validation images are the raw ones in the train statistics
    parts = split_dataset(dataset, seed=5)
    raw_train = parts.train.images.double() / 255
    mean = raw_train.mean(dim=(0, 2, 3), keepdim=True)
    std = raw_train.std(dim=(0, 2, 3), keepdim=True)
    held_out = prepare_test(dataset, prepared, seed=5)
    for images, labels, part in ((prepared.val_images, prepared.val_labels, parts.val),
                                 (held_out.images, held_out.labels, parts.test)):
        expected = (part.images.double() / 255 - mean) / std
        assert torch.allclose(images.double(), expected, atol=1e-4)
        assert torch.equal(labels, part.labels)


@pytest.mark.parametrize(("val_fraction", "val_size"), [(0.2, 80), (0.25, 100), (0.5, 200)])
def test_prepare_data_split_sizes_follow_the_validation_fraction(val_fraction: float, val_size: int) -> None:
    dataset = synthetic_dataset(400, CLASSES, (1, 8, 8))
    prepared = prepare_data(dataset, resolution=8, val_fraction=val_fraction, test_fraction=0.1)
    assert len(prepared.val_labels) == len(prepared.val_images) == val_size
    assert len(prepared.train_labels) == len(prepared.train_images) == 400 - 40 - val_size
    held_out = prepare_test(dataset, prepared, val_fraction=val_fraction, test_fraction=0.1)
    assert len(held_out.labels) == len(held_out.images) == 40
    per_class = torch.bincount(prepared.val_labels, minlength=CLASSES)
    assert per_class.tolist() == [val_size // CLASSES] * CLASSES  # stratified: 100 images per class


def test_prepare_data_same_seed_same_split_other_seed_other_split() -> None:
    dataset = synthetic_dataset(200, CLASSES, (1, 8, 8))
    first, again = (prepare_data(dataset, resolution=8, seed=11) for _ in range(2))
    other = prepare_data(dataset, resolution=8, seed=12)
    for name in ("train_images", "train_labels", "val_images", "val_labels"):
        assert torch.equal(getattr(first, name), getattr(again, name))
    assert not torch.equal(first.val_images, other.val_images)


def test_prepare_data_subset_keeps_that_many_images() -> None:
    prepared = prepare_data(synthetic_dataset(400, CLASSES, (1, 8, 8)), resolution=8, subset=100)
    assert len(prepared.train_labels) + len(prepared.val_labels) == 100 - 16  # 15% of 25 per class held out
    assert len(prepared.val_labels) == 16


def test_the_proxy_data_holds_no_test_image() -> None:
    dataset = synthetic_dataset(200, CLASSES, (1, 8, 8), seed=4)
    prepared = prepare_data(dataset, resolution=8)
    held_out = prepare_test(dataset, prepared)
    seen = torch.cat([prepared.train_images, prepared.val_images]).flatten(1)
    assert len(seen) + len(held_out.labels) == 200 and len(held_out.labels) == 32  # 15% of 50 per class, rounded
    assert torch.cdist(held_out.images.flatten(1), seen).min() > 0  # no test image among those trained or scored
