#!/usr/bin/env bash
# The GPU check (issue 13, point 4), in under 8 minutes on one GPU: the `cuda` tests, a 30-trial search on CUDA,
# the proxy-overhead benchmark on CUDA, and `nasbox fidelity` with 10 networks on CUDA, printing every figure.
# Run from the repository root on a machine with a CUDA build of torch:
#     bash experiments/bench/gpu_check.sh [OUT_DIR]        # OUT_DIR defaults to a fresh temporary folder
set -euo pipefail

PYTHON=${PYTHON:-$(command -v .venv/bin/python || command -v python3)}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "GPU"
"$PYTHON" -c "import torch; assert torch.cuda.is_available(), 'no GPU: torch.cuda.is_available() is False'; \
print(torch.__version__, torch.cuda.get_device_name(0))"

step "cuda tests"
timeout 180 "$PYTHON" -m pytest -m cuda tests/test_proxy_cuda.py -q -rs

step "30-trial search on CUDA"
timeout 150 "$PYTHON" -m nasbox.cli.main search --space inception_resnet --budget-macs 600M --trials 30 \
    --device cuda --quiet --run-dir "$OUT/search"

step "proxy overhead on CUDA"
timeout 60 "$PYTHON" experiments/bench/proxy_overhead.py --device cuda --epochs 4

step "fidelity, 10 networks, on CUDA"
timeout 120 "$PYTHON" -m nasbox.cli.main fidelity --space inception_resnet --budget-macs 600M -n 10 \
    --device cuda --jobs 2 --dir "$OUT/fidelity"

step "done; runs in $OUT"
