"""Kubeconfig credential hygiene: find kubeconfigs anywhere (any file name, base64 inside CI files,
git history), read them as data and keep facts with fingerprints — never credential values.

Nothing here executes a kubeconfig's ``exec`` command or reads the files it references.
"""
