"""Errors the CLI maps to exit codes."""


class LiveError(Exception):
    """The cluster cannot be reached or the kubeconfig is unusable (exit code 2)."""
