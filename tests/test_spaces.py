"""The named search spaces: their baselines are points, and every sample is a valid network that builds and runs
at the target shape and at a small proxy shape."""

from __future__ import annotations

import random
from pathlib import Path

import optuna
import pytest
import torch

import nasbox
from nasbox.arch.transform import proxy_spec
from nasbox.space import Space, load_space, space_names
from nasbox.space.budget import Budget, suggest_within

SPACES = space_names()
SAMPLES_PER_SPACE = 500
CHUNK = 50
TARGET_EVERY = 5
PROXY = {"width_mult": 0.25, "resolution": 32, "num_classes": 10}


def test_the_five_spaces_exist() -> None:
    assert {"inception_resnet", "resnet", "mobilenet", "vgg", "inception"} <= set(SPACES)


@pytest.mark.parametrize("name", SPACES)
def test_file_header_says_where_genes_come_from_and_which_zoo_nets_it_holds(name: str) -> None:
    space = load_space(name)
    header = Path(space.source).read_text().split("\nname:")[0]
    assert "Where each gene comes from" in header
    assert "Zoo networks that are points of this space" in header
    for zoo_name in space.contains:
        assert zoo_name in header
    for gene in {n.split(".")[-1] for n in space.gene_names()} - {"depth", "width_multiplier"}:
        assert gene in header, f"{name}: gene {gene!r} is not explained in the header comment"


BASELINES = [(space, zoo_name) for space in SPACES for zoo_name in load_space(space).contains]


@pytest.mark.parametrize(("name", "zoo_name"), BASELINES)
def test_baseline_is_a_point_whose_genes_render_the_zoo_spec(name: str, zoo_name: str) -> None:
    space, reference = load_space(name), nasbox.zoo.get(zoo_name)
    genes = space.encode(reference)
    rendered = space.render(genes)
    assert rendered.replace(name=reference.name) == reference
    assert nasbox.cost(rendered) == nasbox.cost(reference)


def test_required_baselines_are_points() -> None:
    held = {(name, zoo_name) for name, zoo_name in BASELINES}
    assert {("resnet", "resnet18"), ("resnet", "resnet34"), ("resnet", "resnet50"), ("mobilenet", "mobilenet_v1"),
            ("mobilenet", "mobilenet_v2"), ("vgg", "vgg11"), ("vgg", "vgg16"), ("vgg", "vgg19"),
            ("inception", "googlenet")} <= held


REAL_RUN_LIMIT = nasbox.Cost(macs=10**9, params=20 * 10**6, activations=0, peak_activations=0)


def _run_at_target(spec: nasbox.ArchSpec, cost: nasbox.Cost) -> tuple[int, ...]:
    """Build the target network and run a forward pass at batch 1: on the CPU when that is cheap (and then check
    the output is finite), else on the meta device, which checks every shape without memory or arithmetic."""
    if cost.macs <= REAL_RUN_LIMIT.macs and cost.params <= REAL_RUN_LIMIT.params:
        module = nasbox.build(spec).eval()
        with torch.inference_mode():
            out = module(torch.randn(1, *spec.input))
        assert torch.isfinite(out).all()
        return tuple(out.shape)
    with torch.device("meta"):
        module = nasbox.build(spec).eval()
    with torch.inference_mode():
        out = module(torch.empty(1, *spec.input, device="meta"))
    return tuple(out.shape)


def _run_proxy(spec: nasbox.ArchSpec) -> torch.Tensor:
    proxy = proxy_spec(spec, **PROXY)
    module = nasbox.build(proxy).eval()
    with torch.inference_mode():
        return module(torch.randn(2, *proxy.input))


@pytest.mark.slow
@pytest.mark.parametrize("start", range(0, SAMPLES_PER_SPACE, CHUNK))
@pytest.mark.parametrize("name", SPACES)
def test_every_sample_is_valid_and_runs_at_target_and_proxy_shapes(name: str, start: int) -> None:
    """Every sample renders, costs and runs as a proxy on the CPU; one in five also runs at the target shape, the
    slow part (a network over 1 GMAC runs on the meta device, whose batch norm is decomposed in Python)."""
    space = load_space(name)
    for seed in range(start, start + CHUNK):
        genes, spec = space.sample(random.Random(seed))
        candidate = space.candidate(genes, spec)
        assert candidate.cost.macs > 0
        assert space.render(genes) == spec
        if seed % TARGET_EVERY == 0:
            assert _run_at_target(spec, candidate.cost) == (1, space.num_classes), (name, seed)
        out = _run_proxy(spec)
        assert out.shape == (2, PROXY["num_classes"]) and torch.isfinite(out).all(), (name, seed)


@pytest.mark.parametrize("name", SPACES)
def test_same_genes_give_the_same_spec_and_encode_inverts_sampling(name: str) -> None:
    space = load_space(name)
    for seed in range(30):
        genes, spec = space.sample(random.Random(seed))
        assert space.sample(random.Random(seed)) == (genes, spec)
        assert space.render(space.encode(spec)).layers == spec.layers


def _study(space: Space, sampler: optuna.samplers.BaseSampler, budget: Budget, trials: int) -> optuna.Study:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        candidate = suggest_within(space, trial, budget).candidate
        return float(candidate.cost.macs), float(candidate.cost.params)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=trials)
    return study


@pytest.mark.parametrize("name", SPACES)
def test_optuna_samples_every_space_and_its_params_render_the_same_spec(name: str) -> None:
    space = load_space(name)
    study = _study(space, optuna.samplers.TPESampler(seed=0, n_startup_trials=4), Budget(macs=10**12), 8)
    for trial in study.trials:
        spec = space.render(trial.params)
        assert float(nasbox.cost(spec).macs) == trial.values[0]


@pytest.mark.parametrize(("name", "zoo_name"), [("mobilenet", "mobilenet_v2"), ("resnet", "resnet50"),
                                                ("inception", "googlenet")])
def test_encoded_baseline_enqueued_in_optuna_is_the_first_trial(name: str, zoo_name: str) -> None:
    space, reference = load_space(name), nasbox.zoo.get(zoo_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.enqueue_trial(space.encode(reference))
    trial = study.ask()
    genes, spec = space.suggest(trial)
    assert spec.layers == reference.layers
    assert trial.params == genes
