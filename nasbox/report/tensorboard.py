"""TensorBoard event files of a search: one run per trial for the hparams dashboard, a top-level run for the front.

Layout under the log directory (``<run_dir>/tensorboard``)::

    events.out.tfevents.*            search/* scalars and front/accuracy_vs_<objective> images, step = finished trials;
                                     importance/* text and image once the search ends
    trials/<name>/events.out.tfevents.*   proxy/<metric> per epoch, then the trial's hparams session

What the hparams plugin needs, and so what `SearchBoard.log_trial` guarantees:
- Every trial run carries the experiment definition (its hparam and metric keys) and the plugin takes the first
  one it finds, so every trial must log the same hparam keys and the same metric keys, with the same value type
  per key: a key missing from the first run found is hidden for all. Hparams may not be None for that reason.
- A metric that is None or not finite (a failed or diverged trial) is not written at all: the plugin shows an
  empty cell and sorts it last, whereas a NaN scalar would reach its sorting, averaging and JSON as NaN. Such a
  trial's session ends with status FAILURE, which the dashboard's status filter can hide.
- ``kind`` ("baseline" or "searched") is declared with both values, so the dashboard can colour points by it.

Each `SummaryWriter` writes its own event file, so several processes may hold a `SearchBoard` on one directory.
torch, tensorboard and matplotlib are imported by the methods that write, not with this module, so that the CLI
starts quickly.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from nasbox.objectives import OBJECTIVES

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure
    from tensorboard.compat.proto.summary_pb2 import Summary
    from torch.utils.tensorboard import SummaryWriter

    from nasbox.search.importance import ImportanceReport

KINDS = ("baseline", "searched")


def _render(fig: Figure) -> np.ndarray:
    """The figure as an RGB array (height, width, 3), drawn by Agg without pyplot (unlike `add_figure`)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3]


def _session_summaries(hparams: dict[str, float | int | str], metric_tags: list[str], *,
                       failed: bool) -> tuple[Summary, Summary, Summary]:
    """The hparams plugin's experiment, session start and session end summaries of one trial.

    Like torch's `add_hparams`, except that the end status can be FAILURE, and that ``kind`` is declared with its
    two values and as differing between runs: the dashboard lists such hparams first and shows only its first five
    by default.
    """
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    def summary(tag: str, data: plugin_data_pb2.HParamsPluginData) -> Summary:
        return Summary(value=[Summary.Value(tag=tag, metadata=metadata.create_summary_metadata(data))])

    infos, start = [], plugin_data_pb2.SessionStartInfo()
    for key, value in hparams.items():
        if isinstance(value, str):
            start.hparams[key].string_value, type_ = value, api_pb2.DATA_TYPE_STRING
        elif isinstance(value, bool):
            start.hparams[key].bool_value, type_ = value, api_pb2.DATA_TYPE_BOOL
        elif isinstance(value, (int, float)):
            start.hparams[key].number_value, type_ = value, api_pb2.DATA_TYPE_FLOAT64
        else:
            raise TypeError(f"hparam {key}={value!r} must be a number, bool or str, of one type in every trial")
        infos.append(api_pb2.HParamInfo(name=key, type=type_, differs=key == "kind"))
        if key == "kind":
            infos[-1].domain_discrete.extend(KINDS)
    metric_infos = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_tags]
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=metric_infos)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_FAILURE if failed else api_pb2.STATUS_SUCCESS,
                                         end_time_secs=time.time())
    return (summary(metadata.EXPERIMENT_TAG, plugin_data_pb2.HParamsPluginData(experiment=experiment)),
            summary(metadata.SESSION_START_INFO_TAG, plugin_data_pb2.HParamsPluginData(session_start_info=start)),
            summary(metadata.SESSION_END_INFO_TAG, plugin_data_pb2.HParamsPluginData(session_end_info=end)))


class SearchBoard:
    """TensorBoard event files of one search, under <run_dir>/tensorboard."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        # opened by the first log_front, so that workers which only log trials leave no empty top-level event file
        self._top: SummaryWriter | None = None

    def __enter__(self) -> SearchBoard:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def log_trial(self, name: str, kind: str, curve: list[dict[str, float]], hparams: dict[str, float | int | str],
                  metrics: dict[str, float | None]) -> None:
        """Write trial `name` as run trials/<name>: its learning curve and its row of the hparams dashboard.

        `curve` holds one dict per epoch, ``{"epoch": 1, "val_accuracy": 0.41, "train_loss": 1.9}``, written as
        scalars proxy/<metric> at step = epoch. `hparams` (plus ``kind``) and `metrics` (as hparam/<metric>) must
        have the same keys for every trial of the search; a metric that is None or NaN marks the trial failed
        (see the module docstring). Log each trial once.
        """
        from torch.utils.tensorboard import SummaryWriter

        if not name or name in (".", "..") or "/" in name or "\\" in name:
            raise ValueError(f"trial name {name!r} must be a single directory name")
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} must be one of {', '.join(KINDS)}")
        written = {f"hparam/{k}": v for k, v in metrics.items() if v is not None and math.isfinite(v)}
        experiment, start, end = _session_summaries(hparams | {"kind": kind}, [f"hparam/{k}" for k in metrics],
                                                    failed=len(written) < len(metrics))

        # what add_hparams(run_name=".") writes, but in the trial's own event file rather than a second one
        with SummaryWriter(log_dir=str(self.log_dir / "trials" / name)) as writer:
            writer.file_writer.add_summary(experiment)
            writer.file_writer.add_summary(start)
            for row in curve:
                for key, value in row.items():
                    if key != "epoch":
                        writer.add_scalar(f"proxy/{key}", value, int(row["epoch"]))
            for tag, value in written.items():
                writer.add_scalar(tag, value)
            writer.file_writer.add_summary(end)

    def log_front(self, finished: int, points: list[dict], front: list[dict], *, hypervolume: float,
                  budget: dict[str, float] | None = None, objectives: tuple[str, ...] = ("accuracy", "macs")) -> None:
        """Write the state of the search after `finished` trials into the top-level run, at step = `finished`.

        Scalars search/hypervolume, search/front_size, search/best_val_accuracy (the best validation accuracy on
        the front, left out while the front is empty) and search/test_accuracy_of_best (that network's held-out test
        accuracy, once scored), and for each objective other than accuracy a `pareto_figure` image
        front/accuracy_vs_<objective>, with budget[objective] drawn when given. TensorBoard keeps 10 images per tag
        unless started with ``--samples_per_plugin images=0`` (all of them).
        """
        from torch.utils.tensorboard import SummaryWriter

        from nasbox.report.pareto_figure import pareto_figure

        if self._top is None:
            self._top = SummaryWriter(log_dir=str(self.log_dir))
        self._top.add_scalar("search/hypervolume", hypervolume, finished)
        self._top.add_scalar("search/front_size", len(front), finished)
        best = max(front, key=lambda p: p["val_accuracy"], default=None)
        if best is not None:
            self._top.add_scalar("search/best_val_accuracy", best["val_accuracy"], finished)
            if best.get("test_accuracy") is not None:
                self._top.add_scalar("search/test_accuracy_of_best", best["test_accuracy"], finished)
        for objective in (name for name in objectives if OBJECTIVES[name].is_figure):
            fig = pareto_figure(points, front, x=objective, y="val_accuracy", budget=(budget or {}).get(objective),
                                title=f"Pareto front after {finished} trials")
            self._top.add_image(f"front/accuracy_vs_{objective}", _render(fig), finished, dataformats="HWC")
        self._top.flush()

    def log_rescore(self, recipe_id: str, scores: list[dict], kendall_tau: float | None, trainings: int) -> None:
        """Write a rescore of the run into the top-level run at step = `trainings` (its finished records): the
        image rescore/<recipe_id>/test_accuracy_vs_macs (`rescored_figure`, error bars of the 95% intervals), a
        text table rescore/<recipe_id>/networks and, when defined, the scalar rescore/<recipe_id>/kendall_tau."""
        from torch.utils.tensorboard import SummaryWriter

        from nasbox.report.rescored_figure import rescored_figure
        from nasbox.report.table import markdown_table

        if self._top is None:
            self._top = SummaryWriter(log_dir=str(self.log_dir))
        tag = f"rescore/{recipe_id}"
        fig = rescored_figure(scores, title=f"re-scored front ({recipe_id})")
        self._top.add_image(f"{tag}/test_accuracy_vs_macs", _render(fig), trainings, dataformats="HWC")
        rows = [(s["label"], f"{s['macs']:,}", f"{s['search_val_accuracy']:.4f}",
                 f"{s['test_mean']:.4f} ± {s['test_sd']:.4f}" if s.get("test_mean") is not None else "–",
                 f"[{s['interval'][0]:.4f}, {s['interval'][1]:.4f}]" if s.get("interval") else "–", s["standing"])
                for s in scores]
        headers = ("network", "MACs", "search val acc.", "test acc. mean ± sd", "95% interval", "standing")
        self._top.add_text(f"{tag}/networks", markdown_table(headers, rows), trainings)
        if kendall_tau is not None:
            self._top.add_scalar(f"{tag}/kendall_tau", kendall_tau, trainings)
        self._top.flush()

    def log_importance(self, step: int, report: ImportanceReport) -> None:
        """Write which genes and ideas mattered (`nasbox importance`) into the top-level run at `step`: text
        importance/by_idea and importance/by_gene (markdown tables) and image importance/by_idea (bars)."""
        from torch.utils.tensorboard import SummaryWriter

        from nasbox.report.importance import gene_table, heading, idea_table, importance_figure
        from nasbox.report.table import markdown_table

        if self._top is None:
            self._top = SummaryWriter(log_dir=str(self.log_dir))
        note = f"{heading(report)}\n\n" + (f"**warning:** {report.warning}\n\n" if report.warning else "")
        self._top.add_text("importance/by_idea", note + markdown_table(*idea_table(report)), step)
        self._top.add_text("importance/by_gene", markdown_table(*gene_table(report)), step)
        self._top.add_image("importance/by_idea", _render(importance_figure(report)), step, dataformats="HWC")
        self._top.flush()

    def close(self) -> None:
        """Flush and close the top-level event file (trial runs are closed as they are written)."""
        if self._top is not None:
            self._top.close()
            self._top = None
