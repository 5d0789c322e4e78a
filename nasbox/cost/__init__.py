"""Cost of a spec: analytic MACs, params and activation memory (latency comes with its own module)."""

from nasbox.cost.analytic import Cost, LayerCost, cost, layer_costs

__all__ = ["Cost", "LayerCost", "cost", "layer_costs"]
