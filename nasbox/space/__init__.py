"""Search spaces: YAML files that turn ArchSpec fields into genes, sampled through an RNG or an Optuna trial."""

from nasbox.space.genes import Gene
from nasbox.space.language import SpaceError
from nasbox.space.space import Candidate, Space, load_space, space_names
from nasbox.space.summary import SpaceSummary, describe_space, space_summaries

__all__ = ["Candidate", "Gene", "Space", "SpaceError", "SpaceSummary", "describe_space", "load_space", "space_names",
           "space_summaries"]
