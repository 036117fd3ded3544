"""kubeward: harden access to the Kubernetes API.

The package is laid out along the data flow (inputs -> Inventory -> analyzers -> checks -> findings ->
suppression -> reports); see README.md for the map.
"""

__version__ = "0.1.0"
