"""The command-line layer: parse options, call the library, map outcomes to exit codes."""
