"""Collectors: live (API server) and offline (files and folders), both writing to an Inventory sink."""
