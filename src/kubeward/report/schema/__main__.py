"""``python -m kubeward.report.schema [--check]``: regenerate (or verify) the committed report schema."""

import sys

from kubeward.report.schema import render_schema, schema_path


def main(argv: list[str] | None = None) -> int:
    """Write the schema next to this module; with ``--check`` only report whether it is current."""
    args = sys.argv[1:] if argv is None else argv
    path = schema_path()
    fresh = render_schema()
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != fresh:
            print(f"{path} is out of date; run python -m kubeward.report.schema", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
