"""Every gene of a space says which surveyed idea it encodes (`idea:`), and the space parser checks the word."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasbox.space import SpaceError, load_space, space_names
from nasbox.space.ideas import IDEAS
from tests.test_latency import TINY_SPACE


@pytest.mark.parametrize("name", space_names())
def test_every_gene_of_every_shipped_space_names_a_known_idea(name: str) -> None:
    genes = load_space(name).genes_by_name()
    assert genes
    missing = [gene for gene, g in genes.items() if g.idea is None]
    assert not missing, f"{name}: genes without an idea: {missing}"
    assert {g.idea for g in genes.values()} <= set(IDEAS)


def test_a_stage_gene_keeps_its_idea_in_every_stage_and_block() -> None:
    genes = load_space("inception").genes_by_name()
    assert {genes[n].idea for n in genes if n.endswith(".c3r")} == {"bottleneck"}
    assert {genes[n].idea for n in genes if n.endswith(".depth")} == {"depth"}


def test_an_unknown_idea_is_one_line_naming_the_file_line_gene_and_the_known_ideas(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(TINY_SPACE.replace("stem: [8, 16]", "stem: {choices: [8, 16], idea: bottlenek}"))
    with pytest.raises(SpaceError) as caught:
        load_space(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:5: gene 'stem': unknown idea 'bottlenek'; use one of stem, width")
    assert "\n" not in message


def test_a_gene_without_an_idea_is_still_a_gene(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(TINY_SPACE)
    assert load_space(path).genes_by_name()["stem"].idea is None
