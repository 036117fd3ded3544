"""Talking to a live cluster: kubeconfig model and merge, credentials, and a thin paginated client."""
