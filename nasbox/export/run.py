"""Reading what `nasbox export RUN` needs from a search's run directory: its front, any finished trial, the run's
settings, the proxy weights the search kept, and those a rescore kept (`RUN/rescore/<recipe>/`).

Only reads: the Optuna journal is opened through `optuna.load_study`, which writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.arch.spec import ArchSpec
from nasbox.errors import NasboxError
from nasbox.nb201.space import ARCH_FIELD, arch_fields
from nasbox.search.front import read_front
from nasbox.search.held_out_scores import read_test_scores
from nasbox.search.rundir import RunDir
from nasbox.search.study import BASELINE, FAILED, INFEASIBLE, INTERRUPTED, REASON, SPEC, STATUS
from nasbox.search.weights import weights_key, weights_path

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

    from nasbox.export.state import StateDict
    from nasbox.proxy import ProxyConfig, ProxyData


@dataclass(frozen=True)
class Rescored:
    """A member's weights from a rescore: the recipe that trained them, the record of the kept seed (the best by
    validation accuracy) and the member's test accuracy over all its seeds."""

    recipe_id: str
    recipe: ProxyConfig
    seeds: int
    record: dict[str, Any]
    weights: Path
    test_mean: float
    test_sd: float


@dataclass(frozen=True)
class Member:
    """A trained network of a run: a searched trial (maybe an enqueued baseline) or a baseline trained beside."""

    key: str
    spec: ArchSpec
    trial: int | None
    baseline: str | None
    genes: dict[str, Any] | None
    val_accuracy: float
    macs: int
    params: int
    latency: float | None = None
    on_front: bool = False
    test_accuracy: float | None = None

    @property
    def label(self) -> str:
        if self.trial is not None:
            return f"trial {self.trial}" + (f" ({self.baseline})" if self.baseline else "")
        return f"baseline {self.baseline}"


class Run:
    """A run directory opened for export; every accessor answers bad input with one NasboxError line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.front_data = read_front(self.path)
        self.identity: dict[str, Any] = RunDir(self.path).read_identity()
        self.front = sorted((self._member(entry, on_front=True) for entry in self.front_data["front"]),
                            key=lambda m: -m.val_accuracy)

    # --------------------------------------------------------------------------------- choosing members

    def by_rank(self, rank: int) -> Member:
        """The front's `rank`-th most accurate member (1 = the most accurate)."""
        if not 1 <= rank <= len(self.front):
            raise NasboxError(f"--rank {rank}: the front of {self.path} has {len(self.front)} member(s); give a rank "
                              f"from 1 to {len(self.front)} (see 'nasbox front {self.path}')")
        return self.front[rank - 1]

    def by_trial(self, number: int) -> Member:
        """Searched trial `number`, when it finished training within the budgets."""
        for member in self.front:
            if member.trial == number:
                return member
        trials = self._search_trials()
        if not 0 <= number < len(trials):
            last = f"0 to {len(trials) - 1}" if trials else "none yet"
            raise NasboxError(f"--trial {number}: {self.path} has no such trial (its trials are {last})")
        trial = trials[number]
        _check_trained(trial)
        return Member(key=weights_key(number, None), spec=ArchSpec.from_dict(trial.user_attrs[SPEC]), trial=number,
                      baseline=trial.user_attrs.get(BASELINE), genes=dict(trial.params),
                      val_accuracy=trial.user_attrs["accuracy"], macs=trial.user_attrs["macs"],
                      params=trial.user_attrs["params"], latency=trial.user_attrs.get("latency"),
                      test_accuracy=read_test_scores(self.path).get(weights_key(number, None)))

    # ------------------------------------------------------------------------------------------- proxy

    @property
    def proxy(self) -> ProxyConfig:
        from nasbox.proxy import ProxyConfig

        return ProxyConfig.from_dict(self.identity.get("proxy") or {})

    def proxy_data(self, recipe: ProxyConfig | None = None) -> ProxyData:
        """The run's proxy data, split and normalised as the search had it (on the CPU), at the resolution of
        `recipe` (default: the search's proxy)."""
        import dataclasses

        from nasbox.search.data import load_proxy_data

        config = dataclasses.replace(RunDir(self.path).invocation(), device="cpu")
        return load_proxy_data(config if recipe is None else dataclasses.replace(config, proxy=recipe))

    def proxy_spec(self, member: Member, data: ProxyData, recipe: ProxyConfig | None = None) -> ArchSpec:
        """The proxy trained for `member` by the search (or by `recipe`): its widths, the recipe's resolution, the
        data's classes."""
        from nasbox.proxy.train import make_proxy

        return make_proxy(member.spec, recipe or self.proxy, data)

    def proxy_weights(self, member: Member) -> StateDict:
        """The trained proxy weights the search kept for `member`."""
        from nasbox.export.state import read_state

        path = weights_path(self.path, member.key)
        if not path.is_file():
            raise NasboxError(f"{self.path}: no kept proxy weights for {member.label}; a search keeps those of its "
                              "front's members (runs made before nasbox kept weights have none); drop --proxy")
        return read_state(path, what="kept weights")

    def rescored(self, member: Member, recipe_id: str | None = None) -> Rescored:
        """The weights a rescore kept for `member`, from the recipe `recipe_id` (needed only when the run was
        re-scored with several)."""
        from nasbox.jobs import read_records
        from nasbox.rescore.plan import PLAN, RESCORE, read_plan
        from nasbox.rescore.records import best_record, weights_file
        from nasbox.rescore.summary import score_network

        root = self.path / RESCORE
        recipes = sorted(p.name for p in root.iterdir() if (p / PLAN).is_file()) if root.is_dir() else []
        if not recipes:
            raise NasboxError(f"{self.path}: has not been re-scored; run 'nasbox rescore {self.path}' first, or drop "
                              "--rescored")
        if recipe_id is None:
            if len(recipes) > 1:
                raise NasboxError(f"--rescored: {self.path} was re-scored with {len(recipes)} recipes "
                                  f"({', '.join(recipes)}); name one with --rescored RECIPE, e.g. {recipes[-1]}")
            recipe_id = recipes[0]
        elif recipe_id not in recipes:
            raise NasboxError(f"--rescored {recipe_id}: {self.path} has no such rescore; its rescores are "
                              f"{', '.join(recipes)}")
        folder = root / recipe_id
        plan = read_plan(folder / PLAN)
        planned = {m.key: m for m in plan.members}
        if member.key not in planned:
            raise NasboxError(f"{member.label} was not re-scored with {recipe_id}; rescore it ('nasbox rescore "
                              f"{self.path} --front') or export another member")
        records = read_records(folder)
        record = best_record(records, member.key)
        weights = weights_file(folder, member.key, record["seed"]) if record is not None else None
        if weights is None or not weights.is_file():
            raise NasboxError(f"{member.label}: no finished seed of it in {folder}; rerun the same 'nasbox rescore' "
                              "command to finish it")
        score = score_network(planned[member.key], records)
        return Rescored(recipe_id, plan.recipe, plan.seeds, record, weights, score.test_mean, score.test_sd)

    # ---------------------------------------------------------------------------------------- metadata

    def describe(self, member: Member, proxy_data: ProxyData | None = None,
                 rescored: Rescored | None = None) -> tuple[dict[str, object], dict[str, Any]]:
        """The docstring notes and the model.json entries of an export of `member`: of its target network, or of
        its proxy when given the `proxy_data` it was trained on (whose normalisation the proxy's inputs need),
        trained by the search or, with `rescored`, by a rescore."""
        space = str(self.identity.get("space"))
        description = self._space_description()
        data = {k: self.identity.get(k)
                for k in ("dataset", "data_dir", "subset", "val_fraction", "test_fraction", "seed")}
        notes: dict[str, object] = {
            "From": f"{member.label} of run {self.path}",
            "Space": space,
            **({"Space description": description} if description else {}),
            "Proxy accuracy": f"{member.val_accuracy:.4f} on the validation split of {data['dataset']} (seed "
                              f"{data['seed']}), which selected it"
                              + (f"; {member.test_accuracy:.4f} on the held-out test split"
                                 if member.test_accuracy is not None else ""),
        }
        cell = arch_fields(member.genes)
        if cell:
            notes["NAS-Bench-201 cell"] = cell[ARCH_FIELD]
        run: dict[str, Any] = {
            "directory": str(self.path.resolve()), "trial": member.trial, "baseline": member.baseline,
            "genes": member.genes, **cell, "on_front": member.on_front,
            "proxy_accuracy": {"validation": member.val_accuracy, "test": member.test_accuracy},
            "target": {"name": member.spec.name, "macs": member.macs, "params": member.params,
                       "latency": member.latency},
            "exported": "target", "space": space, "space_description": description,
            "settings": self.identity, "data": data,
        }
        if proxy_data is not None:
            mean, std = (", ".join(f"{v:.4f}" for v in values) for values in (proxy_data.mean, proxy_data.std))
            notes["Inputs"] = f"pixels in [0, 1] resized to {proxy_data.resolution}², then (x - [{mean}]) / [{std}]"
            notes["Target MACs"] = f"{member.macs:,} (the full-size network this proxy stands for)"
            run["exported"] = "proxy"
            run["normalisation"] = {"mean": list(proxy_data.mean), "std": list(proxy_data.std),
                                    "resolution": proxy_data.resolution,
                                    "how": "pixels scaled to [0, 1], resized (bilinear, antialiased) to resolution², "
                                           "then (x - mean) / std per channel"}
        if rescored is not None:
            record, recipe = rescored.record, rescored.recipe
            notes["Rescored accuracy"] = (
                f"{record['test_accuracy']:.4f} on the held-out test split: seed {record['seed']} of "
                f"{rescored.seeds} (the best by validation accuracy, {record['val_accuracy']:.4f}) of rescore "
                f"{rescored.recipe_id}, {recipe.epochs} epochs at width {recipe.width_mult:g}; all seeds "
                f"{rescored.test_mean:.4f} ± {rescored.test_sd:.4f}")
            run["exported"] = "rescored proxy"
            run["rescore"] = {"recipe_id": rescored.recipe_id, "recipe": recipe.to_dict(), "seed": record["seed"],
                              "training_seed": record["training_seed"], "seeds": rescored.seeds,
                              "accuracy": {"validation": record["val_accuracy"], "test": record["test_accuracy"]},
                              "test_mean": rescored.test_mean, "test_sd": rescored.test_sd}
        if member.latency is not None:
            notes["Target latency"] = f"{member.latency * 1e3:.3f} ms"
        return notes, {"run": run}

    def _space_description(self) -> str | None:
        """The run's space's description, when its file can still be read."""
        from nasbox.space import load_space

        try:
            return load_space(self.identity.get("space", "")).description or None
        except NasboxError:
            return None

    # --------------------------------------------------------------------------------------- internals

    def _member(self, entry: dict[str, Any], on_front: bool) -> Member:
        return Member(key=weights_key(entry.get("trial"), entry.get("baseline")),
                      spec=ArchSpec.from_dict(entry["spec"]), trial=entry.get("trial"),
                      baseline=entry.get("baseline"), genes=entry.get("genes"),
                      val_accuracy=entry["val_accuracy"], macs=entry["macs"], params=entry["params"],
                      latency=entry.get("latency"), on_front=on_front, test_accuracy=entry.get("test_accuracy"))

    def _search_trials(self) -> list[FrozenTrial]:
        from nasbox.search.study import load_trials

        return load_trials(RunDir(self.path))


def _check_trained(trial: FrozenTrial) -> None:
    """An error unless `trial` finished training within the budgets."""
    from optuna.trial import TrialState

    status = trial.user_attrs.get(STATUS)
    number = trial.number
    if status == INFEASIBLE:
        raise NasboxError(f"--trial {number}: was over budget and never trained; give a trained trial (see "
                          "'nasbox front')")
    if status == FAILED:
        raise NasboxError(f"--trial {number}: failed ({trial.user_attrs.get(REASON, 'no reason recorded')}); give a "
                          "trained trial")
    if status == INTERRUPTED or trial.state != TrialState.COMPLETE:
        raise NasboxError(f"--trial {number}: has not finished training; wait for the search or give another trial")
