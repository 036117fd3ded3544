"""Offline inputs: node files, dumps, distro and provider configs, read as data and never executed."""
