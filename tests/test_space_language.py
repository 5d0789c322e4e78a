"""The search-space language through the public API: errors, sampling, conditions, size, encoding and Optuna."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import optuna
import pytest

import nasbox
from nasbox import NasboxError
from nasbox.space import Space, SpaceError, load_space

HEAD = "input: [3, 32, 32]\nnum_classes: 10\n"
STEM = "  - {type: conv, out: 16, stride: 2}\n"
STAGE = """\
  - stage: s1
    depth: {int: [1, 2]}
    stride: 2
    genes: {width: [16, 32]}
    block:
      - {type: conv, out: $width, stride: $stride}
"""
CLASSIFIER = "  - {type: global_pool}\n  - {type: linear, out: 10}\n"
MARK = "# <-"

# Global genes with a condition, a stage whose stage and per-block genes are conditional, a depth that may be 0,
# and a second stage whose gene depends on the first stage's gene.
TINY = HEAD + """\
genes:
  wide: [true, false]
  width: {choices: [16, 32], when: {wide: true}}
layers:
  - {type: conv, out: 8, stride: 2}
  - when: {wide: true}
    then: [{type: conv, out: $width}]
  - stage: s1
    depth: {int: [0, 2]}
    stride: 2
    genes:
      kind: [plain, res]
      k: {choices: [3, 5], when: {kind: plain}}
    block_genes:
      e: {choices: [8, 16], when: {kind: res}}
    block:
      - switch: kind
        cases:
          plain: [{type: conv, out: 8, kernel: $k, stride: $stride}]
          res:
            - type: residual
              post_act: relu
              body: [{type: conv, out: $e, stride: $stride}, {type: conv, out: 8, act: none}]
  - stage: s2
    depth: 1
    genes:
      g: {choices: [1, 2], when: {s1.kind: [res]}}
    block:
      - when: {g: 2}
        then: [{type: conv, out: 24}]
        else: [{type: conv, out: 12}]
""" + CLASSIFIER
# wide: true → 2 widths, false → 1: 3. s1 at depth 0: 1; at depth d: plain (2 kernels, s2.g absent) + res (2**d
# per-block e, times 2 values of s2.g): d=1 → 2 + 4, d=2 → 2 + 8. Total 3 × (1 + 6 + 10).
TINY_SIZE = 51

# Per-block genes, one of them conditional on another, and a stage gene that exists only at the deepest depth.
BLOCKS = HEAD + """\
layers:
  - {type: conv, out: 8}
  - stage: s1
    depth: {int: [0, 3]}
    genes:
      w: [8, 16]
      big: {choices: [true, false], when: {depth: 3}}
    block_genes:
      a: [x, y]
      b: {choices: [1, 3], when: {a: x}}
    block:
      - switch: a
        cases:
          x: [{type: conv, out: $w, kernel: $b}]
          y: [{type: conv, out: $w}]
""" + CLASSIFIER

MULTIPLIED = HEAD + """\
width_multiplier: [0.5, 1.0]
genes:
  w: [16, 32, 48]
layers:
  - {type: conv, out: $w, stride: 2}
  - stage: s1
    depth: {int: [1, 2]}
    stride: 2
    genes: {c: [32, 64]}
    block: [{type: conv, out: $c, stride: $stride}]
""" + CLASSIFIER

ANCHORS = HEAD + """\
layers:
  - {type: conv, out: 16, stride: 2}
  - stage: s1
    depth: {int: [1, 2]}
    stride: 2
    genes: &stage_genes
      kind: [plain, wide]
      width: [8, 16]
    block: &block
      - switch: kind
        cases:
          plain: [{type: conv, out: $width, stride: $stride}]
          wide: [{type: conv, out: {product: [$width, 2]}, stride: $stride}]
  - stage: s2
    depth: {int: [1, 2]}
    stride: 2
    genes: {width: [32, 64], <<: *stage_genes}
    block: *block
  - stage: s3
    depth: 1
    genes:
      <<: *stage_genes
      width: [24]
    block: *block
""" + CLASSIFIER


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _write(tmp_path: Path, text: str, name: str = "space") -> Path:
    """Write `text` as `<name>.yaml` under `tmp_path` and return its resolved path (as errors name it)."""
    path = tmp_path.resolve() / f"{name}.yaml"
    path.write_text(text)
    return path


def _load(tmp_path: Path, text: str, name: str = "space") -> Space:
    return load_space(_write(tmp_path, text, name))


def _marked_line(text: str) -> int:
    """The 1-based number of the one line of `text` that carries the `# <-` marker."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if MARK in line]
    assert len(lines) == 1, text
    return lines[0]


def _samples(space: Space, count: int) -> list[dict[str, Any]]:
    return [space.sample(random.Random(seed))[0] for seed in range(count)]


# ------------------------------------------------------------------------------------------------- bad input

BAD_SPACES = [
    pytest.param(HEAD + "genes:\n  k: {categorical: [1, 2]}  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["gene 'k'", "unknown type 'categorical'", "choices, int or float"], id="unknown-gene-type"),
    pytest.param(HEAD + "genes:\n  k: []  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["gene 'k'", "empty choice list"], id="empty-choices"),
    pytest.param(HEAD + "genes:\n  k: {choices: [3, 5], when: {nope: 3}}  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["gene 'k'", "condition on 'nope'", "not a declared gene"], id="when-undeclared"),
    pytest.param(HEAD + "genes:\n  k: {choices: [3, 5], when: {later: 1}}  # <-\n  later: [1, 2]\nlayers:\n"
                 + STEM + CLASSIFIER,
                 ["gene 'k'", "condition on 'later'", "not a declared gene", "declare it before"],
                 id="when-declared-after"),
    pytest.param(HEAD + "layers:\n" + STEM + "  - {type: transformer, out: 16}  # <-\n" + CLASSIFIER,
                 ["unknown primitive 'transformer'", "conv"], id="unknown-primitive"),
    pytest.param(HEAD + "layers:\n  - {type: conv, out: 16, kernal: 3}  # <-\n" + CLASSIFIER,
                 ["conv", "unknown field 'kernal'", "kernel"], id="unknown-field"),
    pytest.param(HEAD + "layers:\n  - {type: conv, out: $nope}  # <-\n" + CLASSIFIER,
                 ["conv.out", "$nope", "not a declared gene"], id="undeclared-ref"),
    pytest.param(HEAD + "genes:\n  k: [0, 3]\nlayers:\n  - {type: conv, out: 16, kernel: $k}  # <-\n" + CLASSIFIER,
                 ["gene 'k'", "value 0", "conv.kernel"], id="kernel-0"),
    pytest.param(HEAD + "genes:\n  w: [16, wide]\nlayers:\n  - {type: conv, out: $w}  # <-\n" + CLASSIFIER,
                 ["gene 'w'", "'wide'", "conv.out", "integer"], id="string-width"),
    pytest.param(HEAD + "genes:\n  b: [x, y, z]\nlayers:\n  - switch: b  # <-\n    cases:\n"
                 "      x: [{type: conv, out: 8}]\n      y: [{type: conv, out: 16}]\n" + CLASSIFIER,
                 ["switch on 'b'", "no case for 'z'"], id="switch-missing-case"),
    pytest.param(HEAD + "layers:\n  - {type: conv, out: 16, stride: $stride}  # <-\n" + CLASSIFIER,
                 ["conv.stride", "$stride", "stage"], id="stride-outside-stage"),
    pytest.param(HEAD + "genes:\n  n: {int: [5, 1]}  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["gene 'n'", "low 5 is above high 1"], id="int-low-above-high"),
    pytest.param(HEAD + "genes:\n  n: {int: [1, 8], log: true, step: 2}  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["gene 'n'", "log range", "no step"], id="int-log-with-step"),
    pytest.param(HEAD + "genes:\n  r: {float: [0.1, 1.0], log: true, step: 0.1}  # <-\nlayers:\n" + STEM
                 + CLASSIFIER, ["gene 'r'", "log range", "no step"], id="float-log-with-step"),
    pytest.param(HEAD + "layers:\n  - {zoo: resnet18, layers: 'a:b'}  # <-\n" + CLASSIFIER,
                 ["zoo layers 'a:b'", "slice"], id="bad-zoo-slice"),
    pytest.param(HEAD + "layers:\n  - {zoo: resnet18, layers: '5:5'}  # <-\n" + CLASSIFIER,
                 ["resnet18[5:5]", "empty"], id="empty-zoo-slice"),
    pytest.param(HEAD + "layers:\n  - {zoo: resnet99, layers: '0:2'}  # <-\n" + CLASSIFIER,
                 ["unknown zoo network 'resnet99'", "resnet18"], id="unknown-zoo-name"),
    pytest.param("colour: red  # <-\n" + HEAD + "layers:\n" + STEM + CLASSIFIER,
                 ["unknown key 'colour'", "num_classes"], id="unknown-top-level-key-first"),
    pytest.param(HEAD + "colour: red  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["unknown key 'colour'", "num_classes"], id="unknown-top-level-key-later"),
]


MALFORMED_YAML = [
    pytest.param(HEAD + "genes:\n\tk: [3, 5]  # <-\nlayers:\n" + STEM + CLASSIFIER, ["malformed YAML", "'\\t'"],
                 id="tab"),
    pytest.param(HEAD + "genes:\n  k: [3, 5]\n  k: [1]  # <-\nlayers:\n" + STEM + CLASSIFIER,
                 ["malformed YAML", "duplicate key 'k'", "first at line 4"], id="duplicate-key"),
]


@pytest.mark.parametrize(("text", "words"), BAD_SPACES + MALFORMED_YAML)
def test_bad_space_is_one_line_naming_file_line_and_field(tmp_path: Path, text: str, words: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpaceError) as info:
        load_space(path)
    message = str(info.value)
    assert isinstance(info.value, NasboxError)
    assert "\n" not in message
    assert re.match(rf"{re.escape(str(path))}:{_marked_line(text)}(:\d+)?: ", message), message
    for word in words:
        assert word in message, (word, message)


def test_when_on_a_stage_depth_is_refused(tmp_path: Path) -> None:
    text = HEAD + """\
genes:
  deep: [true, false]
layers:
  - {type: conv, out: 8}
  - stage: s1
    depth: {int: [1, 2], when: {deep: true}}  # <-
    block: [{type: conv, out: 8}]
""" + CLASSIFIER
    path = _write(tmp_path, text)
    with pytest.raises(SpaceError) as info:
        load_space(path)
    assert str(info.value).startswith(f"{path}:{_marked_line(text)}: ")
    assert "depth cannot have a 'when'" in str(info.value)


CONDITIONAL_OUTSIDE_ITS_CONDITION = [
    pytest.param(HEAD + """\
genes:
  kind: [plain, wide]
  extra: {choices: [8, 16], when: {kind: wide}}
layers:
  - {type: conv, out: $extra}  # <-
""" + CLASSIFIER, "exists only when 'kind' is one of ['wide']", id="ref"),
    pytest.param(HEAD + """\
genes:
  kind: [plain, wide]
  act: {choices: [relu, none], when: {kind: wide}}
layers:
  - switch: act  # <-
    cases: {relu: [{type: conv, out: 8}], none: [{type: conv, out: 8, act: none}]}
""" + CLASSIFIER, "exists only when 'kind' is one of ['wide']", id="switch"),
    pytest.param(HEAD + """\
layers:
  - stage: s1
    depth: {int: [0, 2]}
    genes: {width: [8, 16]}
    block: [{type: conv, out: $width}]
  - {type: conv, out: $s1.width}  # <-
""" + CLASSIFIER, "depth can be 0", id="stage-gene-of-an-empty-stage"),
]


@pytest.mark.parametrize(("text", "words"), CONDITIONAL_OUTSIDE_ITS_CONDITION)
def test_conditional_gene_used_where_it_may_not_exist_is_refused_at_load(tmp_path: Path, text: str,
                                                                         words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpaceError) as info:
        load_space(path)
    assert str(info.value).startswith(f"{path}:{_marked_line(text)}: "), str(info.value)
    assert words in str(info.value)


def test_conditional_gene_under_a_matching_when_loads_and_samples(tmp_path: Path) -> None:
    space = _load(tmp_path, HEAD + """\
genes:
  kind: [plain, wide]
  extra: {choices: [8, 16], when: {kind: wide}}
layers:
  - when: {kind: wide}
    then: {type: conv, out: $extra}
    else: {type: conv, out: 4}
""" + CLASSIFIER)
    widths = {space.sample(random.Random(seed))[1].layers[0].out for seed in range(40)}
    assert widths == {4, 8, 16}


# ------------------------------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("text", [TINY, BLOCKS, MULTIPLIED])
def test_same_seed_same_genes_and_spec_and_render_agrees(tmp_path: Path, text: str) -> None:
    space = _load(tmp_path, text)
    for seed in range(30):
        genes, spec = space.sample(random.Random(seed))
        assert space.sample(random.Random(seed)) == (genes, spec)
        assert space.render(genes) == spec
        assert [name for name in space.gene_names() if name in genes] == list(genes)  # define-by-run order


def test_resnet_sampling_is_deterministic() -> None:
    space = load_space("resnet")
    for seed in range(10):
        genes, spec = space.sample(random.Random(seed))
        assert space.sample(random.Random(seed)) == (genes, spec)
        assert space.render(genes) == spec


@pytest.mark.parametrize(("change", "message"), [
    ({"s1.depth": None}, r"gene 's1\.depth' is missing"),
    ({"bogus": 1}, r"gene 'bogus' is not a gene of space"),
    ({"s1.depth": 7}, r"gene 's1\.depth' cannot be 7"),
    ({"s1.depth": 1.0}, r"gene 's1\.depth' cannot be 1\.0"),
    ({"wide": 1}, r"gene 'wide' cannot be 1"),
    ({"s1.kind": "dense"}, r"gene 's1\.kind' cannot be 'dense'"),
])
def test_render_refuses_missing_extra_and_out_of_range_genes(tmp_path: Path, change: dict[str, Any],
                                                             message: str) -> None:
    space = _load(tmp_path, TINY)
    genes = {"wide": False, "s1.depth": 1, "s1.kind": "plain", "s1.k": 3}
    space.render(genes)
    bad = {name: value for name, value in {**genes, **change}.items() if value is not None}
    with pytest.raises(NasboxError, match=message):
        space.render(bad)


def test_render_refuses_a_gene_whose_condition_is_false(tmp_path: Path) -> None:
    space = _load(tmp_path, TINY)
    with pytest.raises(NasboxError, match=r"gene 'width' is not a gene of space 'space' with these values"):
        space.render({"wide": False, "width": 16, "s1.depth": 0})


# ------------------------------------------------------------------------------------------------- conditions


def test_conditional_genes_exist_exactly_when_their_condition_holds(tmp_path: Path) -> None:
    space = _load(tmp_path, TINY)
    samples = _samples(space, 200)
    for genes in samples:
        assert ("width" in genes) == genes["wide"]
        assert ("s1.kind" in genes) == (genes["s1.depth"] > 0)
        assert ("s1.k" in genes) == (genes.get("s1.kind") == "plain")
        assert ("s2.g" in genes) == (genes.get("s1.kind") == "res")
    for name in ("width", "s1.k", "s2.g"):
        assert {name in genes for genes in samples} == {True, False}, name


def test_block_genes_are_drawn_once_per_block(tmp_path: Path) -> None:
    space = _load(tmp_path, BLOCKS)
    assert space.gene_names() == ["s1.depth", "s1.w", "s1.big",
                                  "s1.0.a", "s1.0.b", "s1.1.a", "s1.1.b", "s1.2.a", "s1.2.b"]
    samples = _samples(space, 200)
    for genes in samples:
        depth = genes["s1.depth"]
        blocks = {name for name in genes if name.count(".") == 2}
        expected = {f"s1.{i}.a" for i in range(depth)} | {f"s1.{i}.b" for i in range(depth)
                                                          if genes[f"s1.{i}.a"] == "x"}
        assert blocks == expected
        assert ("s1.big" in genes) == (depth == 3)
        if depth == 0:
            assert genes == {"s1.depth": 0}
    assert {genes["s1.depth"] for genes in samples} == {0, 1, 2, 3}


# ------------------------------------------------------------------------------------------------- size


@pytest.mark.parametrize(("text", "expected"), [(TINY, TINY_SIZE), (ANCHORS, 128)])
def test_size_counts_every_distinct_gene_dict(tmp_path: Path, text: str, expected: int) -> None:
    space = _load(tmp_path, text)
    distinct = {frozenset(genes.items()) for genes in _samples(space, 5000)}
    assert space.size() == len(distinct) == expected


def test_resnet_size_by_hand() -> None:
    # per stage: basic (2 kernels × 2 skips × 5 widths) + bottleneck (× 3 ratios) = 80, times the depth choices
    assert load_space("resnet").size() == 80 ** 4 * 4 * 6 * 8 * 4


# ------------------------------------------------------------------------------------------------- encoding


@pytest.mark.parametrize("text", [TINY, BLOCKS, ANCHORS, MULTIPLIED, None], ids=["tiny", "blocks", "anchors",
                                                                               "multiplied", "resnet"])
def test_encode_round_trips_sampled_specs(tmp_path: Path, text: str | None) -> None:
    space = load_space("resnet") if text is None else _load(tmp_path, text)
    for seed in range(100):
        _, spec = space.sample(random.Random(seed))
        assert space.render(space.encode(spec)).layers == spec.layers


def test_encode_round_trips_a_spec_sampled_at_half_width(tmp_path: Path) -> None:
    space = _load(tmp_path, MULTIPLIED)
    halves = 0
    for seed in range(40):
        genes, spec = space.sample(random.Random(seed))
        if genes["width_multiplier"] != 0.5:
            continue
        halves += 1
        assert spec.layers[0].out == genes["w"] // 2
        assert spec.layers[-1].out == 10
        assert space.render(space.encode(spec)).layers == spec.layers
    assert halves > 0


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50"])
def test_encode_contained_zoo_networks(name: str) -> None:
    space = load_space("resnet")
    network = nasbox.zoo.get(name)
    assert space.render(space.encode(network)).layers == network.layers


def test_encode_refuses_a_spec_that_is_not_a_point() -> None:
    with pytest.raises(NasboxError, match=r"vgg11 is not a point of space 'resnet'"):
        load_space("resnet").encode(nasbox.zoo.get("vgg11"))


# ------------------------------------------------------------------------------------------------- Optuna


@pytest.mark.parametrize("sampler", [optuna.samplers.TPESampler, optuna.samplers.NSGAIISampler,
                                     optuna.samplers.RandomSampler])
def test_optuna_define_by_run(tmp_path: Path, sampler: type[optuna.samplers.BaseSampler]) -> None:
    space = _load(tmp_path, TINY)
    suggested: dict[int, dict[str, Any]] = {}

    def objective(trial: optuna.Trial) -> float:
        genes, spec = space.suggest(trial)
        suggested[trial.number] = genes
        return nasbox.cost(spec).macs

    study = optuna.create_study(sampler=sampler(seed=0))
    study.optimize(objective, n_trials=20)
    assert len(study.trials) == 20
    for trial in study.trials:
        params = trial.params
        assert params == suggested[trial.number]
        assert trial.value == nasbox.cost(space.render(params)).macs
        assert ("width" in params) == params["wide"]
        assert ("s1.k" in params) == (params.get("s1.kind") == "plain")
        assert ("s2.g" in params) == (params.get("s1.kind") == "res")
        assert {f"s1.{i}.e" for i in range(2) if f"s1.{i}.e" in params} == (
            {f"s1.{i}.e" for i in range(params["s1.depth"])} if params.get("s1.kind") == "res" else set())


# ------------------------------------------------------------------------------------------------- YAML anchors


def test_anchors_and_merge_keys_repeat_and_override(tmp_path: Path) -> None:
    space = _load(tmp_path, ANCHORS)
    assert space.gene_names() == ["s1.depth", "s1.kind", "s1.width", "s2.depth", "s2.kind", "s2.width",
                                  "s3.kind", "s3.width"]
    values: dict[str, set[Any]] = {}
    for genes in _samples(space, 200):
        for name, value in genes.items():
            values.setdefault(name, set()).add(value)
    assert values["s1.width"] == {8, 16}
    assert values["s2.width"] == {32, 64}  # overridden before the merge key
    assert values["s3.width"] == {24}  # overridden after it
    assert values["s1.kind"] == values["s2.kind"] == values["s3.kind"] == {"plain", "wide"}
    genes = {"s1.depth": 1, "s1.kind": "wide", "s1.width": 8, "s2.depth": 1, "s2.kind": "plain", "s2.width": 64,
             "s3.kind": "wide", "s3.width": 24}
    assert [layer.out for layer in space.render(genes).layers[1:4]] == [16, 64, 48]


RANGES = HEAD + """\
genes:
  width: {int: [8, 64], log: true}
  stepped: {int: [8, 64], step: 8}
  ratio: {float: [0.25, 1.0], step: 0.25}
  p: {float: [0.05, 0.5], log: true}
  q: {float: [0.0, 0.5]}
layers:
  - {type: conv, out: $width}
  - {type: bottleneck, out: $stepped, ratio: $ratio}
  - {type: dropout, p: $p}
  - {type: dropout, p: $q}
""" + CLASSIFIER


def test_int_and_float_ranges_sample_in_range_on_their_grid_and_scale(tmp_path: Path) -> None:
    space = _load(tmp_path, RANGES)
    genes = _samples(space, 400)
    widths, stepped = [g["width"] for g in genes], [g["stepped"] for g in genes]
    assert all(isinstance(w, int) and 8 <= w <= 64 for w in widths)
    assert sorted(widths)[len(widths) // 2] < 36  # log-uniform: the median sits near the geometric mean, 22.6
    assert set(stepped) == set(range(8, 65, 8))
    assert {g["ratio"] for g in genes} == {0.25, 0.5, 0.75, 1.0}
    assert all(0.05 <= g["p"] <= 0.5 for g in genes) and sorted(g["p"] for g in genes)[200] < 0.25
    assert len({g["q"] for g in genes}) == len(genes)  # continuous
    assert space.size() == float("inf")


def test_ranges_become_the_matching_optuna_distributions_and_encode(tmp_path: Path) -> None:
    space = _load(tmp_path, RANGES)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    genes, spec = space.suggest(trial)
    assert trial.params == genes
    dists = trial.distributions
    assert dists["width"] == optuna.distributions.IntDistribution(8, 64, log=True)
    assert dists["stepped"] == optuna.distributions.IntDistribution(8, 64, step=8)
    assert dists["ratio"] == optuna.distributions.FloatDistribution(0.25, 1.0, step=0.25)
    assert dists["p"] == optuna.distributions.FloatDistribution(0.05, 0.5, log=True)
    assert dists["q"] == optuna.distributions.FloatDistribution(0.0, 0.5)
    assert space.render(space.encode(spec)) == spec


def test_gene_conditions_and_template_whens_agree_on_a_float_gene(tmp_path: Path) -> None:
    """A float gene at 1.0 meets a condition written `1` both where a gene exists and where a 'when' applies."""
    space = _load(tmp_path, HEAD + """\
genes:
  r: {float: [0.0, 1.0], step: 0.5}
  w: {choices: [8, 16], when: {r: 1}}
layers:
  - when: {r: 1}
    then: {type: conv, out: $w}
    else: {type: conv, out: 4}
""" + CLASSIFIER)
    for seed in range(40):
        genes, spec = space.sample(random.Random(seed))
        assert ("w" in genes) == (genes["r"] == 1.0)
        assert spec.layers[0].out == genes.get("w", 4)
