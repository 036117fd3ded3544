"""Rules: one module per family, each rule's metadata next to its function (see ``catalog``)."""
