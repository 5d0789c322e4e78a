"""What a fidelity measurement trains: N networks drawn within the budgets (seeded), each trained with the proxy recipe
(`PROXY_SEEDS` seeds) and with the costlier reference recipe (one seed), or looked up where the reference is a
published table; written as `plan.json` in the measurement's folder, which its workers read. Its folder is named by
a digest of everything that gives the figures their meaning (space, budgets, data, seed, both recipes), so the same
request always finds its own records."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbox.errors import NasboxError
from nasbox.fidelity.published import PublishedReference
from nasbox.files import read_text
from nasbox.proxy import ProxyConfig
from nasbox.rescore.plan import FIDELITY_SETTINGS, cheaper_settings
from nasbox.search.config import SearchConfig
from nasbox.search.storage_files import write_atomically

PLAN = "plan.json"
PROXY = "proxy"
REFERENCE = "reference"
PROXY_SEEDS = 2
MIN_NETWORKS = 4


@dataclass(frozen=True)
class Network:
    """A drawn network: its genes, its spec and its figures at the target shape."""

    key: str
    spec: dict[str, Any]
    genes: dict[str, Any]
    macs: int
    params: int


@dataclass(frozen=True)
class Job:
    """One training: a network, a recipe (`proxy` or `reference`) and a seed number."""

    network: Network
    recipe: str
    seed: int

    @property
    def key(self) -> str:
        return f"{self.network.key}-{self.recipe}"


@dataclass(frozen=True)
class FidelityPlan:
    """The settings (space, budgets, data, seed, device and the proxy recipe), the reference recipe and the
    networks of a measurement."""

    config: SearchConfig
    reference: ProxyConfig | PublishedReference
    networks: list[Network]

    @property
    def published(self) -> PublishedReference | None:
        """The published table the proxy is measured against, or None for a trained reference."""
        return self.reference if isinstance(self.reference, PublishedReference) else None

    def recipe(self, name: str) -> ProxyConfig:
        if name == PROXY or isinstance(self.reference, PublishedReference):
            return self.config.proxy
        return self.reference

    def jobs(self) -> list[Job]:
        """Every training, network by network (its proxy seeds, then its reference unless that is published), so
        that workers taking every k-th job share the costly reference trainings evenly."""
        references = 0 if self.published else 1
        return [Job(n, recipe, seed) for n in self.networks
                for recipe, seeds in ((PROXY, PROXY_SEEDS), (REFERENCE, references)) for seed in range(seeds)]

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "reference": self.reference.to_dict(),
                "networks": [dataclasses.asdict(n) for n in self.networks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FidelityPlan:
        reference = data["reference"]
        return cls(SearchConfig.from_dict(data["config"]),
                   PublishedReference(reference["published"].split(":", 1)[1]) if "published" in reference
                   else ProxyConfig.from_dict(reference),
                   [Network(**n) for n in data["networks"]])


def measured(config: SearchConfig, reference: ProxyConfig | PublishedReference) -> dict[str, Any]:
    """What gives a measurement's figures their meaning: the run identity's settings and the reference recipe."""
    return {**config.identity(), "reference": reference.to_dict()}


def default_folder(config: SearchConfig, reference: ProxyConfig | PublishedReference) -> Path:
    """runs/fidelity-<space>-<budget>-<digest>, e.g. runs/fidelity-inception_resnet-600M-1a2b3c4d."""
    digest = hashlib.sha256(json.dumps(measured(config, reference), sort_keys=True).encode()).hexdigest()[:8]
    return Path("runs") / f"fidelity-{config.default_run_dir().name}-{digest}"


def check_request(proxy: ProxyConfig, reference: ProxyConfig | PublishedReference, count: int) -> None:
    """Refuse what cannot measure a proxy's fidelity: too few networks to rank, or a trained reference that is
    cheaper than the proxy in any setting, or no costlier in any."""
    if count < MIN_NETWORKS:
        raise NasboxError(f"-n: {count} network(s) are too few to rank; give -n {MIN_NETWORKS} or more (20 or more "
                          "for a rank correlation worth quoting)")
    if isinstance(reference, PublishedReference):
        return
    cheaper = cheaper_settings(reference, proxy, prefix="reference-")
    if cheaper:
        raise NasboxError(f"the reference trains less than the proxy ({'; '.join(cheaper)}); give a reference at "
                          "least as costly as the proxy in epochs, width and resolution")
    if all(getattr(reference, name) == getattr(proxy, name) for name in FIDELITY_SETTINGS):
        raise NasboxError("the reference is the proxy itself (same epochs, width and resolution); raise "
                          "--reference-epochs, --reference-width-mult or --reference-resolution")


def networks_of(candidates: list[Any]) -> list[Network]:
    """The plan's networks from `sample_within`'s candidates, keyed by their draw order."""
    return [Network(key=f"net{i:03d}", spec=c.spec.to_dict(), genes=c.genes, macs=c.cost.macs,
                    params=c.cost.params) for i, c in enumerate(candidates)]


def write_plan(folder: Path, plan: FidelityPlan) -> None:
    """Write `plan` into `folder`; a plan already there must be of the same measurement, with the same networks
    as far as both go (a larger -n extends a measurement, a smaller one summarises its first networks)."""
    path = folder / PLAN
    if path.is_file():
        stored = read_plan(folder)
        if measured(stored.config, stored.reference) != measured(plan.config, plan.reference):
            raise NasboxError(f"--dir {folder}: it holds a fidelity measurement with other settings; give another "
                              "--dir, or drop --dir to use the folder of these settings")
        if any(a != b for a, b in zip(stored.networks, plan.networks, strict=False)):
            raise NasboxError(f"--dir {folder}: its networks are not those drawn now (the space changed since?); "
                              "give another --dir")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(plan.to_dict(), indent=2) + "\n")


def read_plan(folder: Path) -> FidelityPlan:
    return FidelityPlan.from_dict(json.loads(read_text(folder / PLAN)))
