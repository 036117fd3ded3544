"""Audit policy tools: decode, evaluate (the API server's checker), lint, explain and generate policies."""
