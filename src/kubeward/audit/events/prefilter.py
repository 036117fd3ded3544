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
from collections.abc import Iterable, Sequence

_RESOURCE = b'"resource":"'
_AUDIT_ID = b'"auditID":"'


class Prefilter:
    """The hints of a tuple of detections, compiled for one scan of a block per literal kind. For each line it
    keeps, it also says which detections' hints it holds (a bit mask over the detections' positions), so the
    hunt evaluates only those: the routing costs nothing more than the selection.
    """

    def __init__(self, hints: Sequence[tuple[bytes, ...]]) -> None:
        by_resource: dict[bytes, int] = {}
        by_literal: dict[bytes, int] = {}
        for index, detection_hints in enumerate(hints):
            for hint in detection_hints:
                if hint.startswith(_RESOURCE) and hint.endswith(b'"') and len(hint) > len(_RESOURCE) + 1:
                    name = hint[len(_RESOURCE) : -1]
                    by_resource[name] = by_resource.get(name, 0) | 1 << index
                else:
                    by_literal[hint] = by_literal.get(hint, 0) | 1 << index
        # One regex for every resource: sre finds its literal prefix at C speed, then checks the name.
        names = b"|".join(map(re.escape, sorted(by_resource)))
        self._resources = re.compile(re.escape(_RESOURCE) + b"(" + names + b')"') if by_resource else None
        self._by_resource = by_resource
        self._literals = tuple(by_literal.items())

    def select(self, block: bytes, lines: int) -> tuple[bytes, list[int]] | None:
        """The candidate lines of ``block`` (``lines`` lines, each ending in a newline) joined in order, with the
        detection mask of each; None when the block does not look like compact audit JSON and must be decoded
        in full.
        """
        if block.count(_AUDIT_ID) != lines:
            return None
        masks: dict[int, int] = {}
        rfind = block.rfind
        if self._resources is not None:
            by_resource = self._by_resource
            for match in self._resources.finditer(block):
                start = rfind(b"\n", 0, match.start()) + 1
                masks[start] = masks.get(start, 0) | by_resource[match.group(1)]
        find = block.find
        for literal, mask in self._literals:
            pos = find(literal)
            while pos >= 0:
                start = rfind(b"\n", 0, pos) + 1
                masks[start] = masks.get(start, 0) | mask
                pos = find(literal, find(b"\n", pos))
        if not masks:
            return b"", []
        order = sorted(masks)
        return b"".join(block[start : find(b"\n", start) + 1] for start in order), [masks[start] for start in order]


def prefilter_for(hints: Iterable[tuple[bytes, ...] | None]) -> Prefilter | None:
    """The prefilter for detections with these ``prefilter_hints``; None when one of them cannot be prefiltered."""
    collected: list[tuple[bytes, ...]] = []
    for detection_hints in hints:
        if detection_hints is None:
            return None
        collected.append(detection_hints)
    return Prefilter(collected)
