"""How a network gets its score: the evaluator seam. Every search executor (local workers, Ray), `nasbox rescore`
and `nasbox fidelity` score a network through an `Evaluator`, so a new way to score one (a published table, a
training-free score) is one subclass, and the executors, the study and the reports do not change.

Today's evaluator is `ProxyTraining`: train the network's proxy on the run's data and report its validation
accuracy, learning curve and trained weights.
"""

from nasbox.evaluators.base import Evaluation, Evaluator
from nasbox.evaluators.proxy_training import ProxyTraining

__all__ = ["Evaluation", "Evaluator", "ProxyTraining"]
