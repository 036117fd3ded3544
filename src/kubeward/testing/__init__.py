"""Test support shipped with kubeward: a fixture API server, test PKI and kubeconfig helpers.

They live in the package (not under ``tests/``) so benchmarks and other projects' tests can start the
same fake cluster, and so they are type-checked with the code they exercise.
"""
