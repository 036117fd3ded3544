"""The typed, immutable Inventory every check reads, and the bundle format that stores it."""
