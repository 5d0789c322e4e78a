"""A search's settings: flag strings and config-file values parsed into a SearchConfig, flags over the file, the
run's identity, its default run directory, and one clear line naming the flag for every bad value."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from nasbox import NasboxError
from nasbox.cli.main import make_parser
from nasbox.cli.search import settings_from
from nasbox.proxy import ProxyConfig
from nasbox.search.config import SearchConfig, make_config, read_config_file

M = 10**6


def search_args(*argv: str) -> argparse.Namespace:
    return make_parser().parse_args(["search", *argv])


# ------------------------------------------------------------------------------------------------- parsing


def test_make_config_parses_flag_strings_to_their_types() -> None:
    config = make_config({
        "space": "inception_resnet", "budget_macs": "600M", "budget_params": "5.5M",
        "objectives": "accuracy, macs,params", "timeout": "10m", "width_mult": "0.5", "epochs": "3",
        "resolution": "24", "batch_size": "16", "optimizer": "adamw", "lr": "0.002", "weight_decay": "0",
        "seed": "4", "subset": "500", "val_fraction": "0.1", "trials": "12", "jobs": "2", "threads": "1",
        "sampler": "nsga2", "baselines": "resnet18, mobilenet_v2", "device": "cpu", "dataset": "digits",
    })
    assert config.space == "inception_resnet"
    assert config.budget_macs == 600 * M and isinstance(config.budget_macs, int)
    assert config.budget_params == 5_500_000 and isinstance(config.budget_params, int)
    assert config.objectives == ("accuracy", "macs", "params")
    assert config.timeout == 600.0
    assert config.proxy == ProxyConfig(width_mult=0.5, resolution=24, epochs=3, batch_size=16, optimizer="adamw",
                                       lr=0.002, weight_decay=0.0)
    assert isinstance(config.proxy.epochs, int) and isinstance(config.proxy.width_mult, float)
    assert (config.seed, config.subset, config.trials, config.jobs, config.threads) == (4, 500, 12, 2, 1)
    assert all(isinstance(v, int) for v in (config.seed, config.subset, config.trials, config.jobs, config.threads))
    assert config.val_fraction == 0.1
    assert (config.sampler, config.baselines, config.device, config.dataset) == (
        "nsga2", "resnet18,mobilenet_v2", "cpu", "digits")
    assert config.budget.limits() == {"macs": 600 * M, "params": 5_500_000}


def test_make_config_defaults_when_only_the_space_is_given() -> None:
    config = make_config({"space": "mobilenet"})
    assert config == SearchConfig(space="mobilenet")
    assert config.proxy == ProxyConfig()
    assert config.budget.limits() == {}


def test_make_config_resolves_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = make_config({"space": "mobilenet", "data_dir": "cifar"})
    assert config.data_dir == str(tmp_path.resolve() / "cifar")


def test_config_file_keys_take_dashes_or_underscores(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text("space: mobilenet\nbudget-macs: 300M\nbudget_params: 4000000\nwidth-mult: 0.5\n"
                    "objectives: [accuracy, params]\ntrials: 10\nseed:\n")
    settings = read_config_file(str(path))
    assert settings == {"space": "mobilenet", "budget_macs": "300M", "budget_params": 4_000_000, "width_mult": 0.5,
                        "objectives": ["accuracy", "params"], "trials": 10}  # an empty value is no setting
    config = make_config(settings)
    assert (config.budget_macs, config.budget_params) == (300 * M, 4 * M)
    assert config.objectives == ("accuracy", "params")
    assert (config.proxy.width_mult, config.trials, config.seed) == (0.5, 10, 0)


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text("space: mobilenet\nbudget-macs: 300M\nepochs: 3\nwidth_mult: 0.5\nsampler: nsga2\ntrials: 10\n")
    config = make_config(settings_from(search_args("--config", str(path), "--epochs", "5", "--budget-macs", "600M",
                                                   "--space", "inception_resnet")))
    assert config.space == "inception_resnet"
    assert config.budget_macs == 600 * M
    assert config.proxy.epochs == 5
    assert config.proxy.width_mult == 0.5  # from the file, no flag given
    assert (config.sampler, config.trials) == ("nsga2", 10)


def test_flags_alone_without_a_config_file() -> None:
    config = make_config(settings_from(search_args("--space", "mobilenet", "--objectives", "accuracy,params",
                                                   "--timeout", "1.5h", "--lr", "0.1")))
    assert config.objectives == ("accuracy", "params")
    assert config.timeout == 5400.0
    assert config.proxy.lr == 0.1


def test_empty_config_file_has_no_settings(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert read_config_file(str(path)) == {}


# ------------------------------------------------------------------------------------------------- identity


BASE = {"space": "inception_resnet", "budget_macs": "600M"}


@pytest.mark.parametrize("change", [
    {"space": "mobilenet"}, {"budget_macs": "300M"}, {"budget_params": "5M"}, {"objectives": "accuracy,params"},
    {"dataset": "digits"}, {"data_dir": "/data/digits"}, {"subset": "100"}, {"val_fraction": "0.3"}, {"seed": "1"},
    {"epochs": "3"}, {"width_mult": "0.75"}, {"resolution": "16"}, {"batch_size": "32"}, {"optimizer": "adamw"},
    {"lr": "0.1"}, {"weight_decay": "0.001"}, {"batch_norm": "as-designed"}, {"relax_strides": "1"},
])
def test_identity_changes_with_what_decides_a_result(change: dict[str, str]) -> None:
    assert make_config({**BASE, **change}).identity() != make_config(BASE).identity()


@pytest.mark.parametrize("change", [
    {"trials": "99"}, {"timeout": "1h"}, {"jobs": "2"}, {"sampler": "random"}, {"baselines": "none"},
    {"device": "cpu"}, {"threads": "3"}, {"run_dir": "elsewhere"},
])
def test_identity_ignores_what_steers_one_invocation(change: dict[str, str]) -> None:
    config = make_config({**BASE, **change})
    assert config != make_config(BASE)  # the setting was taken…
    assert config.identity() == make_config(BASE).identity()  # …but is not part of the identity


def test_identity_is_plain_data() -> None:
    identity = make_config(BASE).identity()
    assert identity["proxy"] == ProxyConfig().to_dict()
    assert identity["objectives"] == ["accuracy", "macs"]


# ------------------------------------------------------------------------------------------------- run directory


def test_default_run_dir_names_space_and_budget() -> None:
    assert make_config(BASE).default_run_dir() == Path("runs") / "inception_resnet-600M"
    assert make_config(settings_from(search_args("--space", "inception_resnet", "--budget-macs", "600M"))) \
        .default_run_dir() == Path("runs/inception_resnet-600M")


def test_default_run_dir_with_a_params_budget_and_without_a_budget() -> None:
    both = make_config({**BASE, "budget_params": "5M"})
    assert both.default_run_dir() == Path("runs/inception_resnet-600M-5M-params")
    assert make_config({"space": "search_spaces/mobilenet.yaml"}).default_run_dir() == Path("runs/mobilenet-unbounded")


# ------------------------------------------------------------------------------------------------- bad values


def assert_one_line_error(settings: dict[str, Any], *words: str) -> str:
    with pytest.raises(NasboxError) as info:
        make_config(settings)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


@pytest.mark.parametrize(("name", "value"), [
    ("objectives", "macs,params"),
    ("objectives", "accuracy,speed"),
    ("objectives", "macs"),
    ("objectives", "accuracy,macs,macs"),
    ("objectives", 5),
    ("sampler", "cmaes"),
    ("timeout", "10x"),
    ("timeout", "0"),
    ("timeout", "-5m"),
    ("trials", "0"),
    ("trials", "--5"),
    ("trials", "2.5"),
    ("trials", True),
    ("jobs", "two"),
    ("seed", "-1"),
    ("subset", "1"),
    ("val_fraction", "1.5"),
    ("baselines", "nosuchnet"),
    ("baselines", "resnet18,nosuchnet"),
    ("budget_macs", "600Q"),
    ("width_mult", "wide"),
    ("width_mult", "0"),
    ("resolution", "4"),
    ("epochs", "0"),
    ("optimizer", "adam"),
    ("lr", "-1"),
])
def test_bad_value_is_one_line_naming_its_flag(name: str, value: Any) -> None:
    message = assert_one_line_error({"space": "mobilenet", name: value})
    assert message.startswith("--" + name.replace("_", "-") + ": ")


def test_missing_space_is_refused() -> None:
    assert_one_line_error({"budget_macs": "600M"}, "--space")
    with pytest.raises(NasboxError, match="--space"):
        make_config(settings_from(search_args("--budget-macs", "600M")))


def test_unknown_config_file_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text("space: mobilenet\n# a comment\nbudjet-macs: 600M\nepochs: 2\n")
    with pytest.raises(NasboxError) as info:
        read_config_file(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}:3: ")
    assert "'budjet-macs'" in message and "\n" not in message


def test_malformed_config_file_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text("space: mobilenet\nepochs: [2\n")
    with pytest.raises(NasboxError) as info:
        settings_from(search_args("--config", str(path)))
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert "malformed YAML" in message and "\n" not in message


@pytest.mark.parametrize("text", ["- space: mobilenet\n", "just text\n"])
def test_config_file_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "search.yaml"
    path.write_text(text)
    with pytest.raises(NasboxError, match="mapping"):
        read_config_file(str(path))


def test_search_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_config(BASE).seed = 3  # type: ignore[misc]


@pytest.mark.parametrize("path", sorted(Path(__file__).parent.parent.glob("experiments/*.yaml")))
def test_every_experiment_config_is_a_valid_search_config(path: Path) -> None:
    settings = read_config_file(str(path))
    config = make_config({"data_dir": str(path.parent), **settings} if settings.get("dataset") == "cifar10"
                         else settings)
    assert config.space and config.trials >= 1
