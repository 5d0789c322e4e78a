"""Measuring latency: a callable timed on a device, and a spec's target network end to end.

A measurement is taken the way deployments run: eval mode, no autograd (inference mode), a fixed torch thread
count on the CPU, CUDA timed with events and synchronized. Warm-up calls come first (allocator, caches, lazy
initialisation, compilation), then each of `repeats` calls is timed on its own; the figure is their median, with
the inter-quartile range as its spread. A spread wider than `TRUSTED_SPREAD` of the median is flagged as not
trustworthy: some other load shared the device, and a single figure then cannot be judged to within ±10%.

Many networks measured together (`measure_networks`: a table's fit, a check) get their timed runs split over
`PASSES` passes through all of them, and pooled: on a machine whose load comes and goes, every network is then
timed under the same mix of conditions rather than under whatever ran during its one second of measurement.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nasbox.arch.spec import ArchSpec
from nasbox.devices import resolve_device, torch_threads
from nasbox.errors import NasboxError
from nasbox.units import format_duration

if TYPE_CHECKING:
    import torch

TRUSTED_SPREAD = 0.10
WARMUP = 5
REPEATS = 30
MIN_REPEATS = 5
PASSES = 3


@dataclass(frozen=True)
class LatencyMeasurement:
    """Latency of one forward pass, in seconds: the median of `repeats` timed calls and their IQR."""

    median: float
    iqr: float
    repeats: int
    trustworthy: bool
    device: str = "cpu"
    threads: int | None = None
    batch_size: int = 1
    samples: tuple[float, ...] = field(default=(), repr=False)

    @property
    def spread(self) -> float:
        """The IQR as a fraction of the median."""
        return self.iqr / self.median if self.median > 0 else float("inf")

    def describe(self) -> str:
        return f"{format_duration(self.median)} (IQR {format_duration(self.iqr)}, {self.repeats} runs)"

    def warning(self) -> str | None:
        """Why the figure is not to be trusted, or None when it is."""
        if self.trustworthy:
            return None
        return (f"the spread of the runs (IQR) is {self.spread:.0%} of the median, more than {TRUSTED_SPREAD:.0%}: "
                "something else is using the device; measure again on a quiet machine or with more repeats")

    @classmethod
    def of(cls, samples: list[float], **context: Any) -> LatencyMeasurement:
        median, iqr = summarize(samples)
        return cls(median, iqr, len(samples), iqr <= TRUSTED_SPREAD * median, samples=tuple(samples), **context)

    def pooled(self, other: LatencyMeasurement) -> LatencyMeasurement:
        """This measurement and another of the same network (a later pass) as one."""
        return LatencyMeasurement.of([*self.samples, *other.samples], device=self.device, threads=self.threads,
                                     batch_size=self.batch_size)


def summarize(samples: list[float]) -> tuple[float, float]:
    """Median and inter-quartile range of timing samples."""
    if len(samples) < 2:
        return samples[0], 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return statistics.median(samples), q3 - q1


def check_counts(warmup: int, repeats: int, batch_size: int) -> None:
    if warmup < 0:
        raise NasboxError(f"--warmup: {warmup} is negative; give 0 or more warm-up runs")
    if repeats < 1:
        raise NasboxError(f"--repeats: {repeats} is not a positive count; give --repeats 1 or more")
    if batch_size < 1:
        raise NasboxError(f"--batch-size: {batch_size} is not a positive batch size; give --batch-size 1 or more")


def time_calls(fn: Callable[[], Any], device: torch.device, warmup: int, repeats: int) -> list[float]:
    """Seconds taken by each of `repeats` calls of `fn` after `warmup` untimed ones, under inference mode."""
    import torch

    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        if device.type == "cuda":
            return _cuda_times(fn, device, repeats)
        times = []
        clock = time.perf_counter
        for _ in range(repeats):
            start = clock()
            fn()
            times.append(clock() - start)
        return times


def _cuda_times(fn: Callable[[], Any], device: torch.device, repeats: int) -> list[float]:
    import torch

    times = []
    with torch.cuda.device(device):
        torch.cuda.synchronize()
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
    return times


def prepare(module: torch.nn.Module, device: torch.device, channels_last: bool) -> torch.nn.Module:
    """`module` in eval mode on `device`, in channels-last memory format if asked."""
    import torch

    module = module.eval().to(device)
    return module.to(memory_format=torch.channels_last) if channels_last else module


def random_input(shape: tuple[int, ...], batch_size: int, device: torch.device, channels_last: bool) -> torch.Tensor:
    import torch

    x = torch.randn(batch_size, *shape, device=device)
    return x.contiguous(memory_format=torch.channels_last) if channels_last and x.dim() == 4 else x


def compiled(module: torch.nn.Module, x: torch.Tensor) -> Callable[[], Any]:
    """`module` through torch.compile, compiled now by one call so that a failure is one clear error."""
    import torch

    fn = torch.compile(module)
    try:
        with torch.inference_mode():
            fn(x)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise NasboxError(f"--compile: torch.compile failed ({first[:200]}); measure without --compile") from None
    return lambda: fn(x)


def measure_latency(spec: ArchSpec, *, device: str = "cpu", threads: int | None = None, batch_size: int = 1,
                    warmup: int = WARMUP, repeats: int = REPEATS, channels_last: bool = False,
                    compile: bool = False, input_shape: tuple[int, ...] | None = None,
                    max_time: float | None = None) -> LatencyMeasurement:
    """Latency of the target network of `spec` (built at `input_shape`, default its own input) on `device`.

    `threads` sets torch's CPU thread count for the measurement (None: torch's current setting). With
    `max_time`, slow networks get fewer timed runs (at least `MIN_REPEATS`) so that they take about that long."""
    from nasbox.build import build

    check_counts(warmup, repeats, batch_size)
    target = resolve_device(device)
    shape = tuple(input_shape) if input_shape is not None else spec.input
    with torch_threads(threads) as used:
        module = prepare(build(spec, shape), target, channels_last)
        x = random_input(shape, batch_size, target, channels_last)
        fn = compiled(module, x) if compile else (lambda: module(x))
        if max_time is not None:
            first = time_calls(fn, target, warmup, 1)[0]
            repeats = max(min(MIN_REPEATS, repeats), min(repeats, round(max_time / max(first, 1e-9))))
            warmup = 0
        samples = time_calls(fn, target, warmup, repeats)
    return LatencyMeasurement.of(samples, device=str(target), threads=used if target.type == "cpu" else None,
                                 batch_size=batch_size)


def measure_networks(specs: Sequence[ArchSpec], *, device: str, threads: int | None, batch_size: int = 1,
                     channels_last: bool = False, warmup: int = WARMUP, repeats: int = REPEATS,
                     passes: int = PASSES, progress: Callable[[str, int, int], None] | None = None,
                     ) -> list[LatencyMeasurement]:
    """Measure `specs` end to end, their `repeats` timed runs split over `passes` passes through all of them."""
    per_pass = max(1, -(-repeats // passes))
    pooled: list[LatencyMeasurement | None] = [None] * len(specs)
    for done in range(passes * len(specs)):
        i = done % len(specs)
        run = measure_latency(specs[i], device=device, threads=threads, batch_size=batch_size, warmup=warmup,
                              repeats=per_pass, channels_last=channels_last)
        pooled[i] = run if pooled[i] is None else pooled[i].pooled(run)
        if progress is not None:
            progress("networks", done + 1, passes * len(specs))
    return pooled
