"""A byte prefilter: from a block of audit log lines, keep only the lines some detection could match.

Decoding every line is what makes a hunt slow; most traffic (lease renewals, controller reads, events) can
match no question. Each detection declares literals (:attr:`Detection.hints`) one of which appears in every
stage line of every request it can match, as the API server writes them: compact JSON from Go's
``encoding/json``, which escapes no ASCII letters, and fields that are the same on every stage of one request
(``objectRef``, ``user``, ``impersonatedUser``) or that the matching stage carries (``responseStatus.code``,
``annotations``). Lines without any literal are skipped unparsed.

The prefilter is only used on blocks that look like that: every line carries ``"auditID":"`` exactly once
on average (a pretty-printed, re-serialized or wrapped log fails this and is decoded in full, as are blocks
with a torn or non-audit line, so bad input is still counted and located exactly).
"""

import re
from collections.abc import Iterable

_RESOURCE = b'"resource":"'
_AUDIT_ID = b'"auditID":"'


class Prefilter:
    """The union of the hints of a set of detections, compiled for one scan of a block per literal kind."""

    def __init__(self, hints: Iterable[bytes]) -> None:
        resources: list[bytes] = []
        literals: list[bytes] = []
        for hint in dict.fromkeys(hints):
            if hint.startswith(_RESOURCE) and hint.endswith(b'"') and len(hint) > len(_RESOURCE) + 1:
                resources.append(hint[len(_RESOURCE) : -1])
            else:
                literals.append(hint)
        # One regex for every resource: sre finds its literal prefix at C speed, then checks the name.
        self._resources = (
            re.compile(re.escape(_RESOURCE) + b"(?:" + b"|".join(map(re.escape, sorted(resources))) + b')"')
            if resources
            else None
        )
        self._literals = tuple(literals)

    def select(self, block: bytes, lines: int) -> bytes | None:
        """The candidate lines of ``block`` (``lines`` lines, each ending in a newline) joined in order, or None
        when the block does not look like compact audit JSON and must be decoded in full.
        """
        if block.count(_AUDIT_ID) != lines:
            return None
        starts: set[int] = set()
        rfind = block.rfind
        if self._resources is not None:
            for match in self._resources.finditer(block):
                starts.add(rfind(b"\n", 0, match.start()) + 1)
        find = block.find
        for literal in self._literals:
            pos = find(literal)
            while pos >= 0:
                start = rfind(b"\n", 0, pos) + 1
                starts.add(start)
                end = find(b"\n", pos)
                pos = find(literal, end)
        if not starts:
            return b""
        return b"".join(block[start : find(b"\n", start) + 1] for start in sorted(starts))


def prefilter_for(hints: Iterable[tuple[bytes, ...] | None]) -> Prefilter | None:
    """The prefilter for detections with these ``prefilter_hints``; None when one of them cannot be prefiltered."""
    collected: list[bytes] = []
    for detection_hints in hints:
        if detection_hints is None:
            return None
        collected.extend(detection_hints)
    return Prefilter(collected)
