"""The TensorBoard side of a search: the Pareto scatter, and the event files as TensorBoard itself reads them back."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import api_pb2, metadata

from nasbox.report.pareto_figure import pareto_figure
from nasbox.report.tensorboard import SearchBoard

M = 10**6


def point(trial: int | None, accuracy: float, macs: int, baseline: str | None = None, **extra: float) -> dict:
    return {"trial": trial, "baseline": baseline, "val_accuracy": accuracy, "test_accuracy": None, "macs": macs,
            "params": macs // 100, **extra}


SEARCHED = [point(0, 0.42, 40 * M), point(1, 0.55, 90 * M), point(2, 0.50, 200 * M), point(3, 0.61, 450 * M),
            point(4, 0.30, 30 * M)]
BASELINES = [point(None, 0.70, 300 * M, "mobilenet_v2", test_accuracy=0.66),
             point(None, 0.58, 352 * M, "squeezenet1_1")]
POINTS = SEARCHED + BASELINES
FRONT = [SEARCHED[3], BASELINES[0], SEARCHED[4], SEARCHED[1], SEARCHED[0]]  # deliberately not in x order


def drawn(fig: Figure) -> Figure:
    """Render `fig` as TensorBoard will, failing on any warning (log axis over nothing, layout trouble)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FigureCanvasAgg(fig).draw()
    return fig


def line(fig: Figure, label: str) -> list:
    return [ln for ln in fig.axes[0].lines if ln.get_label() == label]


def x_tick_labels(fig: Figure) -> list[str]:
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    return [t.get_text() for t in ax.xaxis.get_majorticklabels() if lo <= t.get_position()[0] <= hi]


# ------------------------------------------------------------------------------------------------- pareto_figure


def test_pareto_figure_names_the_baselines_on_a_log_axis() -> None:
    fig = drawn(pareto_figure(POINTS, FRONT, title="Pareto front after 7 trials"))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert {"mobilenet_v2", "squeezenet1_1"} <= {t.get_text() for t in ax.texts}
    assert ax.get_ylabel() == "proxy accuracy (validation)"
    assert ax.get_title() == "Pareto front after 7 trials"
    assert {"50M", "100M", "200M", "500M"} <= set(x_tick_labels(fig))


def test_pareto_figure_draws_the_front_as_steps_in_x_order() -> None:
    [steps] = line(pareto_figure(POINTS, FRONT), "Pareto front")
    ordered = sorted(FRONT, key=lambda p: p["macs"])
    assert list(steps.get_xdata()) == [p["macs"] for p in ordered]
    assert list(steps.get_ydata()) == [p["val_accuracy"] for p in ordered]
    assert steps.get_drawstyle() == "steps-post"


def test_pareto_figure_draws_a_dashed_budget_line_only_when_given() -> None:
    fig = pareto_figure(POINTS, FRONT, budget=400 * M)
    [budget] = line(fig, "budget")
    assert list(budget.get_xdata()) == [400 * M, 400 * M]
    assert budget.get_linestyle() == "--"
    assert "budget" in {t.get_text().strip() for t in fig.axes[0].texts}
    assert line(pareto_figure(POINTS, FRONT), "budget") == []


def test_pareto_figure_of_latency_reads_milliseconds_and_leaves_out_unmeasured_points() -> None:
    timed = [dict(p, latency=0.002 * (i + 1)) for i, p in enumerate(SEARCHED)]
    fig = drawn(pareto_figure([*timed, *BASELINES], timed[:2], x="latency", budget=0.005))
    labels = x_tick_labels(fig)
    assert labels and all(label.endswith("ms") for label in labels)
    assert "mobilenet_v2" not in {t.get_text() for t in fig.axes[0].texts}  # baselines have no latency here
    [steps] = line(fig, "Pareto front")
    assert list(steps.get_xdata()) == [0.002, 0.004]


def test_pareto_figure_with_no_points_says_so() -> None:
    fig = drawn(pareto_figure([], []))
    assert fig.axes[0].get_xscale() == "log"
    assert "no finished trials yet" in {t.get_text() for t in fig.axes[0].texts}
    assert line(fig, "Pareto front") == []


def test_pareto_figure_with_a_single_point() -> None:
    fig = drawn(pareto_figure([BASELINES[0]], [BASELINES[0]], budget=600 * M))
    [steps] = line(fig, "Pareto front")
    assert list(steps.get_xdata()) == [300 * M]
    assert "mobilenet_v2" in {t.get_text() for t in fig.axes[0].texts}


# --------------------------------------------------------------------------------------------------- SearchBoard

HPARAM_KEYS = {"width", "depth", "block", "kind"}
CURVE = [{"epoch": 1, "val_accuracy": 0.25, "train_loss": 2.0}, {"epoch": 2, "val_accuracy": 0.5, "train_loss": 1.5},
         {"epoch": 3, "val_accuracy": 0.625, "train_loss": 1.25}]


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A search as two processes would write it: the driver logs one trial and the front, a worker the rest."""
    log_dir = tmp_path_factory.mktemp("run") / "tensorboard"
    with SearchBoard(log_dir) as driver, SearchBoard(log_dir) as worker:
        driver.log_trial("trial_0000", "searched", CURVE, {"width": 0.5, "depth": 3, "block": "mbconv"},
                         {"val_accuracy": 0.625, "macs": 40 * M, "params": 400_000})
        worker.log_trial("mobilenet_v2", "baseline", CURVE[:1], {"width": 1.0, "depth": 17, "block": "mbconv"},
                         {"val_accuracy": 0.75, "macs": 300 * M, "params": 3_500_000})
        worker.log_trial("trial_0001", "searched", [], {"width": 0.25, "depth": 2, "block": "fire"},
                         {"val_accuracy": float("nan"), "macs": 20 * M, "params": None})
        driver.log_front(1, POINTS[:1], POINTS[:1], hypervolume=0.25, objectives=("accuracy", "macs", "params"))
        driver.log_front(2, POINTS, FRONT, hypervolume=0.5, budget={"macs": 400 * M},
                         objectives=("accuracy", "macs", "params"))
    return log_dir


def load(run: Path) -> event_accumulator.EventAccumulator:
    guidance = {event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0}
    return event_accumulator.EventAccumulator(str(run), size_guidance=guidance).Reload()


def scalars(acc: event_accumulator.EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_trial_runs_hold_the_learning_curve_per_epoch(board_dir: Path) -> None:
    acc = load(board_dir / "trials" / "trial_0000")
    assert scalars(acc, "proxy/val_accuracy") == [(1, 0.25), (2, 0.5), (3, 0.625)]
    assert scalars(acc, "proxy/train_loss") == [(1, 2.0), (2, 1.5), (3, 1.25)]
    assert scalars(load(board_dir / "trials" / "mobilenet_v2"), "proxy/val_accuracy") == [(1, 0.25)]


def test_top_level_run_holds_the_search_scalars_and_a_front_image_per_step(board_dir: Path) -> None:
    acc = load(board_dir)
    assert scalars(acc, "search/hypervolume") == [(1, 0.25), (2, 0.5)]
    assert scalars(acc, "search/front_size") == [(1, 1), (2, len(FRONT))]
    assert scalars(acc, "search/best_val_accuracy") == [(1, pytest.approx(0.42)), (2, pytest.approx(0.70))]
    # the test accuracy of the front's best: not scored yet at step 1, mobilenet_v2's at step 2
    assert scalars(acc, "search/test_accuracy_of_best") == [(2, pytest.approx(0.66))]
    for tag in ("front/accuracy_vs_macs", "front/accuracy_vs_params"):
        images = acc.Images(tag)
        assert [i.step for i in images] == [1, 2]
        assert (images[0].width, images[0].height) == (700, 450)
    assert "front/accuracy_vs_accuracy" not in acc.Tags()["images"]
    assert not {t for t in acc.Tags()["scalars"] if t.startswith(("proxy/", "hparam/"))}  # trials stay in their runs


def sessions(board_dir: Path) -> dict[str, dict[str, bytes]]:
    return {run.name: load(run).PluginTagToContent(metadata.PLUGIN_NAME) for run in (board_dir / "trials").iterdir()}


def test_every_trial_run_declares_the_same_hparam_and_metric_keys(board_dir: Path) -> None:
    runs = sessions(board_dir)
    assert set(runs) == {"trial_0000", "mobilenet_v2", "trial_0001"}
    kinds = {}
    for name, content in runs.items():
        start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
        assert set(start.hparams) == HPARAM_KEYS
        kinds[name] = start.hparams["kind"].string_value
        experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
        assert {h.name for h in experiment.hparam_infos} == HPARAM_KEYS
        assert [m.name.tag for m in experiment.metric_infos] == ["hparam/val_accuracy", "hparam/macs", "hparam/params"]
    assert kinds == {"trial_0000": "searched", "mobilenet_v2": "baseline", "trial_0001": "searched"}


def test_a_failed_trial_leaves_its_missing_metrics_out_and_ends_in_failure(board_dir: Path) -> None:
    def status(name: str) -> int:
        content = sessions(board_dir)[name][metadata.SESSION_END_INFO_TAG]
        return metadata.parse_session_end_info_plugin_data(content).status

    failed = load(board_dir / "trials" / "trial_0001")
    assert scalars(failed, "hparam/macs") == [(0, 20 * M)]
    assert not {"hparam/val_accuracy", "hparam/params"} & set(failed.Tags()["scalars"])
    assert status("trial_0001") == api_pb2.STATUS_FAILURE
    assert status("trial_0000") == api_pb2.STATUS_SUCCESS
    assert scalars(load(board_dir / "trials" / "trial_0000"), "hparam/val_accuracy") == [(0, 0.625)]


@pytest.mark.filterwarnings("ignore:html5lib's sanitizer is deprecated:DeprecationWarning")
def test_the_hparams_dashboard_lists_kind_first_and_sorts_failed_trials_last(board_dir: Path) -> None:
    """What TensorBoard's own hparams plugin answers the dashboard, from these files."""
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.hparams import hparams_plugin
    from werkzeug.test import Client

    mux = plugin_event_multiplexer.EventMultiplexer()
    mux.AddRunsFromDirectory(str(board_dir))
    mux.Reload()
    provider = data_provider.MultiplexerDataProvider(mux, str(board_dir))
    apps = hparams_plugin.HParamsPlugin(base_plugin.TBContext(logdir=str(board_dir), multiplexer=mux,
                                                              data_provider=provider)).get_plugin_apps()

    def ask(route: str, request: dict) -> dict:
        response = Client(apps[route]).post(route, json=request)
        assert response.status_code == 200, response.text
        return json.loads(response.text)

    experiment = ask("/experiment", {"experimentName": ""})
    kind = experiment["hparamInfos"][0]
    assert (kind["name"], sorted(kind["domainDiscrete"])) == ("kind", ["baseline", "searched"])
    groups = ask("/session_groups", {
        "experimentName": "", "allowedStatuses": ["STATUS_SUCCESS", "STATUS_FAILURE"], "startIndex": 0,
        "sliceSize": 10, "includeMetrics": True,
        "colParams": [{"metric": {"tag": "hparam/val_accuracy"}, "order": "ORDER_DESC"}],
    })["sessionGroups"]
    assert [g["name"] for g in groups] == ["trials/mobilenet_v2", "trials/trial_0000", "trials/trial_0001"]
    assert [g["sessions"][0]["status"] for g in groups] == ["STATUS_SUCCESS", "STATUS_SUCCESS", "STATUS_FAILURE"]


def test_log_front_is_readable_before_the_board_is_closed(tmp_path: Path) -> None:
    board = SearchBoard(tmp_path)
    board.log_front(1, [], [], hypervolume=0.0, objectives=("accuracy",))  # a few bytes: no image to fill a buffer
    try:
        acc = load(tmp_path)
        assert scalars(acc, "search/front_size") == [(1, 0)]
        assert "search/best_val_accuracy" not in acc.Tags()["scalars"]  # no front, no best accuracy yet
        assert acc.Tags()["images"] == []
    finally:
        board.close()


@pytest.mark.parametrize(("name", "kind", "hparams", "error"), [
    ("a/b", "searched", {"width": 1.0}, ValueError),
    ("..", "searched", {"width": 1.0}, ValueError),
    ("trial_0002", "zoo", {"width": 1.0}, ValueError),
    ("trial_0002", "searched", {"width": None}, TypeError),
])
def test_log_trial_refuses_what_would_break_the_dashboard(tmp_path: Path, name: str, kind: str, hparams: dict,
                                                          error: type[Exception]) -> None:
    with pytest.raises(error):
        SearchBoard(tmp_path).log_trial(name, kind, CURVE, hparams, {"val_accuracy": 0.5})
    assert not (tmp_path / "trials").exists()

