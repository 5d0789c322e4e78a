"""The Ray a search runs on: a local Ray sized to this machine, or a cluster joined at `--address`, checked for
the resources one trial asks for before the run directory is touched.

A local Ray is kept small and quiet: its object store is capped (trials pass only a few numbers through it), it
has no dashboard, writes no auth token to the home folder, sends no usage statistics and does not forward its
workers' output to this terminal (a trial's failure is recorded in the study instead). It is shut down when the
search ends; a joined cluster is only disconnected from.
"""

from __future__ import annotations

import logging
import os
import socket

from nasbox.errors import NasboxError
from nasbox.search.config import SearchConfig

OBJECT_STORE_BYTES = 100 * 1024**2
CONNECT_SECONDS = 5.0

QUIET_ENVIRONMENT = {
    "RAY_AUTH_MODE": "disabled",  # else Ray writes ~/.ray/auth_token
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_DEDUP_LOGS": "0",
    "RAY_AIR_NEW_OUTPUT": "0",  # with verbose=0 below, Tune prints no tables, hints or "Tip:" lines
    "RAY_CHDIR_TO_TRIAL_DIR": "0",  # trials keep the search's working folder, so relative space files still load
}
"""Ray's own settings that keep it from printing and from writing outside the run directory; set before Ray is
imported, and inherited by the processes of a local Ray."""


def quiet_ray() -> None:
    """Apply `QUIET_ENVIRONMENT` where the user has not set those variables already."""
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


class Cluster:
    """The Ray this invocation uses; `start` connects, `stop` shuts a local Ray down (or leaves a cluster)."""

    def __init__(self, config: SearchConfig) -> None:
        """Check what can be checked without Ray: the address's form and reach, and a local machine's
        resources."""
        self.config = config
        self.address = _reachable(config.address) if config.address is not None else None
        if self.address is None:
            _check_resources(config, float(os.cpu_count() or 1), float(_local_gpus()), "this machine")

    def start(self) -> Cluster:
        """Start the local Ray or join the cluster; an error when the cluster lacks a trial's resources."""
        quiet_ray()
        import ray

        options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
        try:
            if self.address is None:
                ray.init(address="local", num_cpus=os.cpu_count() or 1, num_gpus=_local_gpus(),
                         object_store_memory=OBJECT_STORE_BYTES, **options)
            else:
                ray.init(address=self.address, **options)
        except (ConnectionError, RuntimeError) as exc:
            raise NasboxError(f"--address {self.config.address}: cannot join a Ray cluster there "
                              f"({str(exc).splitlines()[0]}); start one with 'ray start --head' or give the "
                              "address it printed") from None
        resources = ray.cluster_resources()
        try:
            _check_resources(self.config, resources.get("CPU", 0.0), resources.get("GPU", 0.0),
                             f"the Ray cluster at {self.config.address}")
        except NasboxError:
            ray.shutdown()
            raise
        return self

    def stop(self) -> None:
        import ray

        ray.shutdown()


def connect(config: SearchConfig) -> Cluster:
    """The started Ray of `config` (see `Cluster`)."""
    return Cluster(config).start()


def _reachable(address: str) -> str:
    """`auto`, or HOST:PORT that accepts a connection within CONNECT_SECONDS (ray.init would wait far longer)."""
    if address == "auto":
        return address
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise NasboxError(f"--address: {address!r} is not auto or HOST:PORT; give the address 'ray start --head' "
                          "printed, such as 10.0.0.1:6379")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        raise NasboxError(f"--address {address}: no Ray cluster answers there ({exc.strerror or exc}); start one "
                          "with 'ray start --head', or leave --address out to run on a local Ray") from None
    return address


def _check_resources(config: SearchConfig, cpus: float, gpus: float, where: str) -> None:
    if config.gpus_per_trial > gpus:
        raise NasboxError(f"--gpus-per-trial {config.gpus_per_trial:g}: {where} has {gpus:g} GPU(s), so no trial "
                          "could start; give --gpus-per-trial 0 or a fraction that fits")
    if config.cpus_per_trial > cpus:
        raise NasboxError(f"--cpus-per-trial {config.cpus_per_trial:g}: {where} has {cpus:g} CPU(s), so no trial "
                          "could start; give at most that")


def _local_gpus() -> int:
    import torch

    return torch.cuda.device_count()
