"""The surveyed ideas a gene can encode: the vocabulary of a space file's `idea:` key.

nasbox's spaces are built from the claims of the classic papers (the 1×1 bottleneck buys accuracy per MAC, so
do inception branching, residual skips, depthwise-separable and factorised convolutions, ...). Tagging each gene
with the idea it tests lets `nasbox importance` add up, from a run's own trials, how much each idea mattered.
"""

from __future__ import annotations

IDEAS: dict[str, str] = {
    "stem": "the first layers, before the searched stages (ResNet's 7×7/2 conv and pool, SqueezeNet's, MobileNet's)",
    "width": "channels per layer or stage, and MobileNet's width multiplier",
    "depth": "blocks per stage (VGG-11/16/19, ResNet-18/34/50)",
    "kernel_size": "the spatial kernel: VGG's stacked 3×3 against AlexNet's and ZFNet's large kernels, MnasNet's 5×5 "
                   "and 7×7",
    "bottleneck": "the 1×1 reduction before a costly conv (NiN, GoogLeNet, ResNet's bottleneck block)",
    "branching": "parallel branches concatenated (GoogLeNet's inception block, Inception v4's reductions)",
    "skip": "the residual connection and its scale (ResNet, Inception-ResNet)",
    "separable": "depthwise-separable convolutions (MobileNet, Xception)",
    "inverted_residual": "expand, depthwise, linear project (MobileNet v2)",
    "factorised": "a k×k conv as 1×k then k×1 (Inception v3)",
    "pooling": "max against average pooling",
    "normalisation": "batch norm after each conv (Ioffe & Szegedy, 2015; VGG-BN)",
    "cell_edge": "the operation on one edge of a cell, a conv, a pool, a skip or nothing (NAS-Bench-201, DARTS)",
    "head": "the classifier: fully connected layers (AlexNet, VGG) or a global pool (NiN, GoogLeNet)",
}
"""Each idea's name and what it stands for, with the papers it comes from."""
