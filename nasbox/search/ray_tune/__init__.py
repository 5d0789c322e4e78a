"""The Ray Tune executor of a search: Ray places the trials on a cluster's CPUs and GPUs, retries those whose
worker died and restores an interrupted experiment, while the run directory's Optuna study stays the one record.

- `cluster`: start a local Ray sized to this machine (quietly, writing nothing outside the run directory) or join
  a cluster, and check it has the resources a trial asks for;
- `searcher`: the Ray `Searcher` that asks the run's study through the local worker's own scheduler (the same
  sampler, define-by-run space, budget screening and constraints), and the callback that records what only Ray
  sees (a trial whose worker kept dying);
- `trainable`: the function Ray runs for a trial: the local worker's own `train`, reporting every epoch to Ray (and
  so asking the run's early-stopping policy after each, as a local worker does; Ray's own scheduler stays FIFO);
- `executor`: the Tuner, new or restored, that runs the trials of one invocation.

Ray is imported only here, and only when the backend is ray.
"""

from nasbox.search.ray_tune.cluster import Cluster, connect
from nasbox.search.ray_tune.executor import run_on_ray

__all__ = ["Cluster", "connect", "run_on_ray"]
