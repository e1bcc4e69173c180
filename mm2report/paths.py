"""Where mm2report finds its notebooks, the embedded demo and the outputs (no heavy imports:
the batch's parent process reads these before it starts the kernels)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_CAMPAIGN = ROOT / "parameters" / "demo.yml"
NOTEBOOK_DIR = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"

# Notebook of each phase, in run order (notebooks/<name>.ipynb).
NOTEBOOKS = {"smoke": "01-smoke", "nominal": "02-nominal", "latency": "03-latency",
             "capacity": "04-capacity", "soak": "05-soak", "resilience": "06-resilience",
             "errors": "07-errors"}

__all__ = ["DEMO_CAMPAIGN", "NOTEBOOKS", "NOTEBOOK_DIR", "OUTPUTS", "ROOT"]
