"""Managed-provider rules (EKS, GKE, AKS): what the provider's cluster description shows about the
settings the provider leaves to you, such as endpoint exposure, control-plane logging and identity.

The provider runs the API server, so its flags are out of reach (those rules say ``not_applicable``,
provider-managed); these rules judge the provider's own knobs instead, read from ``aws eks
describe-cluster``, ``gcloud container clusters describe --format=json``, ``az aks show`` and ``az
monitor diagnostic-settings list`` output.
"""
