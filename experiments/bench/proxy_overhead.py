"""How much nasbox's proxy training loop costs over a bare PyTorch loop on the same model and data (goal ≤ 1.05).

For a few networks (a sampled `inception_resnet` candidate under 600M MACs and the zoo's `mobilenet_v2`), the
proxy is built once at the default proxy settings on the built-in MNIST subset; then epochs of nasbox's
`ProxyTrainer` (shuffling, cosine schedule, grad scaler, loss kept on the device) and of the plainest loop
(`loss = cross_entropy(model(x), y); zero_grad; backward; step`) alternate, in turns, on copies of the same
weights. The ratio
is nasbox's median step time over the bare loop's.

    python experiments/bench/proxy_overhead.py [--epochs 4] [--threads 2] [--seed 0] [--device cpu|cuda]

On CUDA both loops run a channels_last model (as nasbox's does), and each timed epoch ends with a synchronize.
"""

from __future__ import annotations

import argparse
import copy
import functools
import random
import statistics
import time

import torch
import torch.nn.functional as F

from nasbox import zoo
from nasbox.build import build
from nasbox.data import load_dataset
from nasbox.devices import resolve_device
from nasbox.proxy import ProxyConfig, prepare_data
from nasbox.proxy.train import ProxyTrainer, make_optimizer, make_proxy
from nasbox.space import load_space
from nasbox.space.budget import Budget
from nasbox.space.sampling import sample_within


def bare_epoch(model: torch.nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
               labels: torch.Tensor, batch_size: int, generator: torch.Generator) -> None:
    """The reference: the shortest correct training epoch PyTorch allows."""
    model.train()
    scaler = torch.amp.GradScaler("cuda", enabled=labels.is_cuda)  # disabled on the CPU: plain float32 steps
    order = torch.randperm(len(labels), generator=generator, device=labels.device)
    for start in range(0, len(labels) // batch_size * batch_size, batch_size):
        index = order[start:start + batch_size]
        with torch.autocast(labels.device.type, enabled=labels.is_cuda):  # on CUDA: mixed precision, as nasbox's
            loss = F.cross_entropy(model(images[index]), labels[index])
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs of each loop, alternating")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = ProxyConfig()
    device = resolve_device(args.device)
    data = prepare_data(load_dataset("mnist5k"), config.resolution, seed=args.seed, device=device)
    space = load_space("inception_resnet")
    candidate = sample_within(space, random.Random(args.seed), Budget(macs=600_000_000), 1)[0][0]
    batches = len(data.train_labels) // config.batch_size
    print(f"proxy: width {config.width_mult}, {config.resolution}px, batch {config.batch_size}, "
          f"{batches} steps per epoch, {args.threads} threads, on {device}")
    ratios = []
    for label, spec in (("inception_resnet sample", candidate.spec), ("mobilenet_v2", zoo.get("mobilenet_v2"))):
        torch.manual_seed(args.seed)
        ours_model = build(make_proxy(spec, config, data)).to(device)
        if device.type == "cuda":
            ours_model = ours_model.to(memory_format=torch.channels_last)
        bare_model = copy.deepcopy(ours_model)
        trainer = ProxyTrainer(ours_model, config, data, args.seed)
        bare_optimizer = make_optimizer(bare_model, config)
        generator = torch.Generator(device=device).manual_seed(args.seed)
        runs = {"ours": trainer.train_epoch,
                "bare": functools.partial(bare_epoch, bare_model, bare_optimizer, data.train_images,
                                          data.train_labels, config.batch_size, generator)}
        times: dict[str, list[float]] = {"ours": [], "bare": []}
        for epoch in range(args.epochs + 1):
            for name in (("ours", "bare") if epoch % 2 else ("bare", "ours")):  # neither always runs first
                start = time.perf_counter()
                runs[name]()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                if epoch:  # the first epoch of each warms up allocators and kernels
                    times[name].append((time.perf_counter() - start) / batches)
        ours, bare = times["ours"], times["bare"]
        ratio = statistics.median(ours) / statistics.median(bare)
        ratios.append(ratio)
        print(f"{label:24s} nasbox {statistics.median(ours) * 1e3:7.2f} ms/step   bare PyTorch "
              f"{statistics.median(bare) * 1e3:7.2f} ms/step   ratio {ratio:.3f}")
    print(f"ratio nasbox / bare PyTorch (median over networks): {statistics.median(ratios):.3f}  (goal ≤ 1.05)")


if __name__ == "__main__":
    main()
