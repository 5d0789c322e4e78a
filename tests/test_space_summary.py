"""What a space holds in figures (`describe_space`, `space_summaries`): checked on a tiny space whose every network
can be drawn, and on the named spaces."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import nasbox
from nasbox.space import describe_space, load_space, space_names, space_summaries

TINY = """\
name: tiny_summary
description: a space small enough to enumerate
input: [3, 32, 32]
num_classes: 10
contains: []
genes:
  stem: [8, 16]
  block: [plain, separable]
  kernel: {choices: [3, 5], when: {block: separable}}
layers:
  - {type: conv, out: $stem, stride: 2}
  - switch: block
    cases:
      plain: {type: conv, out: 32}
      separable: {type: sep_conv, out: 32, kernel: $kernel}
  - {type: global_pool}
  - {type: linear, out: 10}
"""


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("summary") / "tiny_summary.yaml"
    path.write_text(TINY)
    return path


def test_a_tiny_space_is_summarised_by_every_network_it_holds(tiny_file: Path) -> None:
    space = load_space(tiny_file)
    rng = random.Random(0)
    networks = {json.dumps(genes, sort_keys=True): nasbox.cost(spec) for genes, spec in
                (space.sample(rng) for _ in range(200))}
    summary = describe_space(tiny_file)
    assert summary == describe_space(space)
    assert summary.size == len(networks) == 6  # 2 stems × (plain, or separable with 2 kernels)
    assert summary.min_macs == min(c.macs for c in networks.values())
    assert summary.max_macs == max(c.macs for c in networks.values())
    assert summary.min_params == min(c.params for c in networks.values())
    assert summary.max_params == max(c.params for c in networks.values())
    assert (summary.name, summary.description, summary.input, summary.num_classes, summary.contains) == (
        "tiny_summary", "a space small enough to enumerate", (3, 32, 32), 10, ())
    assert summary.genes == tuple(space.gene_names())
    assert summary.gene_domains["kernel"] == "one of 3, 5 when block in ['separable']"
    assert summary.file == str(tiny_file.resolve())


def test_to_dict_is_plain_json_data(tiny_file: Path) -> None:
    data = describe_space(tiny_file).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["input"] == [3, 32, 32] and data["genes"] == list(describe_space(tiny_file).genes)


def test_space_summaries_cover_every_named_space_and_its_zoo_points() -> None:
    summaries = space_summaries()
    assert [s.name for s in summaries] == space_names()
    for summary in summaries:
        assert 0 < summary.min_macs <= summary.max_macs and 0 < summary.min_params <= summary.max_params
        for name in summary.contains:
            assert summary.min_macs <= nasbox.cost(nasbox.zoo.get(name)).macs <= summary.max_macs, name


def test_an_unknown_space_is_one_clear_error() -> None:
    with pytest.raises(nasbox.NasboxError, match="unknown space 'transformer'"):
        describe_space("transformer")
