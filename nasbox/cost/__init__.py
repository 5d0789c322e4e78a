"""Cost of a spec: analytic MACs, params and activation memory, per layer or by primitive kind (latency comes
with its own module)."""

from nasbox.cost.analytic import Cost, LayerCost, cost, layer_costs
from nasbox.cost.kinds import KindCost, KindCosts, kind_costs

__all__ = ["Cost", "KindCost", "KindCosts", "LayerCost", "cost", "kind_costs", "layer_costs"]
