"""A byte prefilter: from a block of audit log lines, keep only the lines some detection could match.

Decoding every line is what makes a hunt slow; most traffic (lease renewals, controller reads, kubelets
fetching the Secrets and tokens of their pods, events) can match no question. Each detection declares
:class:`Hint` s: a literal found in every stage line of every request it can match, as the API server writes
them — compact JSON from Go's ``encoding/json``, which escapes no ASCII letters, with fields in the Event
struct's order — plus conditions on fields of the same line (verb, subresource, caller, request path, a
logged body).
The literals are fields that are the same on every stage of a request (``verb``, ``objectRef``, ``user``,
``impersonatedUser``) or that the matching stage carries (``responseStatus.code``, ``annotations``), so a
request's later stage that confirms or withdraws an answer passes the same conditions. Lines without a
hint are skipped unparsed.

The prefilter is only used on blocks that look like that: every line carries ``"auditID":"`` exactly once
on average (a pretty-printed, re-serialized or wrapped log fails this and is decoded in full, as are blocks
with a torn or non-audit line, so bad input is still counted and located exactly).
"""

import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_RESOURCE = b'"resource":"'
_AUDIT_ID = b'"auditID":"'


@dataclass(frozen=True)
class Hint:
    """A literal a matching line holds, and conditions on fields of that line (each one checked only when the
    field is found where the Event struct puts it; a line where it is not found passes, so nothing is lost).
    """

    literal: bytes
    verbs: frozenset[bytes] = frozenset()
    """The line's ``verb`` is one of these (empty: any verb)."""
    subresources: frozenset[bytes] | None = None
    """For a resource literal: ``objectRef.subresource`` is one of these (None: any)."""
    not_user_prefix: bytes = b""
    """The caller's name (``user.username``) does not start with this."""
    not_paths: frozenset[bytes] = frozenset()
    """The path of ``requestURI`` (before any ``?``) is not one of these."""
    needs_body: bool = False
    """The line logs a request body (``requestObject``): the predicate reads it."""

    @property
    def ahead(self) -> bytes | None:
        """What follows a resource literal on every line this hint can match, as a regex (the conditions
        the scan itself can check, in C, before any Python runs); None when nothing can be required.
        """
        parts = []
        if self.subresources is not None and b"" not in self.subresources:
            names = b"|".join(map(re.escape, sorted(self.subresources)))
            parts.append(b'[^}\n]*"subresource":"(?:' + names + b')"')
        if self.needs_body:
            parts.append(b'[^\n]*"requestObject":')
        if not parts:
            return None
        return b"".join(b"(?=" + part + b")" for part in parts)

    @property
    def conditional(self) -> bool:
        """Whether the line's fields must be looked at."""
        return bool(self.verbs or self.subresources is not None or self.not_user_prefix or self.not_paths)


def resource(
    name: str,
    verbs: Iterable[str] = (),
    subresources: Iterable[str] | None = None,
    not_user_prefix: str = "",
    needs_body: bool = False,
) -> Hint:
    """A request for ``name`` (``objectRef.resource``), with conditions."""
    return Hint(
        _RESOURCE + name.encode() + b'"',
        frozenset(v.encode() for v in verbs),
        frozenset(s.encode() for s in subresources) if subresources is not None else None,
        b'"username":"' + not_user_prefix.encode() if not_user_prefix else b"",
        needs_body=needs_body,
    )


_Conditions = tuple[tuple[int, Hint], ...]


class Prefilter:
    """The hints of a tuple of detections, compiled for one scan of a block per literal kind. For each line it
    keeps, it also says which detections it may match (a bit mask over the detections' positions), so the
    hunt evaluates only those.
    """

    def __init__(self, hints: Sequence[tuple[Hint, ...]]) -> None:
        by_literal: dict[bytes, list[tuple[int, Hint]]] = {}
        for index, detection_hints in enumerate(hints):
            for hint in detection_hints:
                by_literal.setdefault(hint.literal, []).append((index, hint))
        resources: dict[bytes, tuple[int, _Conditions]] = {}
        literals: list[tuple[bytes, int, _Conditions]] = []
        for literal, entries in by_literal.items():
            plain = 0
            for index, hint in entries:
                if not hint.conditional:
                    plain |= 1 << index
            conditional = tuple((1 << i, h) for i, h in entries if h.conditional)
            if literal.startswith(_RESOURCE) and literal.endswith(b'"') and len(literal) > len(_RESOURCE) + 1:
                resources[literal[len(_RESOURCE) : -1]] = (plain, conditional)
            else:
                literals.append((literal, plain, conditional))
        # One regex for every resource: sre finds its literal prefix at C speed, then checks the name and what
        # must follow it on the line (a subresource, a logged body) when every hint of that resource says so.
        alternatives = []
        for name in sorted(resources):
            aheads = [hint.ahead for _, hint in by_literal[_RESOURCE + name + b'"']]
            alternative = re.escape(name) + b'"'
            if all(ahead is not None for ahead in aheads):
                alternative += b"(?:" + b"|".join(a for a in aheads if a is not None) + b")"
            alternatives.append(alternative)
        pattern = re.escape(_RESOURCE) + b"(?:" + b"|".join(alternatives) + b")"
        self._resources = re.compile(pattern) if resources else None
        self._by_resource = resources
        self._literals = tuple(literals)

    def select(self, block: bytes, lines: int) -> tuple[bytes, list[int]] | None:
        """The candidate lines of ``block`` (``lines`` lines, each ending in a newline) joined in order, with the
        detection mask of each; None when the block does not look like compact audit JSON and must be decoded
        in full. One function on purpose: it runs for every candidate line, and calls cost more than finds.
        A field that cannot be found where the Event struct puts it passes its condition: nothing is lost.
        """
        if block.count(_AUDIT_ID) != lines:
            return None
        found: dict[int, list[int]] = {}  # line start -> [line end, mask]
        rfind, find, startswith = block.rfind, block.find, block.startswith
        if self._resources is not None:
            by_resource = self._by_resource
            for match in self._resources.finditer(block):
                at = match.start()
                after = find(b'"', at + 12)
                plain, conditional = by_resource[block[at + 12 : after]]
                after += 1
                start = rfind(b"\n", 0, at) + 1
                bits = plain
                verb: bytes | None = None
                sub: bytes | None = None
                for bit, hint in conditional:
                    if bits & bit:
                        continue
                    if hint.verbs:
                        if verb is None:
                            v = find(b'"verb":"', start, at)
                            verb = block[v + 8 : find(b'"', v + 8)] if v >= 0 else b""
                        if verb and verb not in hint.verbs:
                            continue
                    if hint.subresources is not None:
                        if sub is None:
                            s = find(b'"subresource":"', after, find(b"}", after))
                            sub = block[s + 15 : find(b'"', s + 15)] if s >= 0 else b""
                        if sub not in hint.subresources:
                            continue
                    if hint.not_user_prefix:
                        u = find(b'"user":{', start, at)
                        if u >= 0 and startswith(hint.not_user_prefix, u + 8):
                            continue
                    bits |= bit
                if bits:
                    entry = found.get(start)
                    if entry is None:
                        found[start] = [find(b"\n", after), bits]
                    else:
                        entry[1] |= bits
        for literal, plain, conditional in self._literals:
            pos = find(literal)
            while pos >= 0:
                start = rfind(b"\n", 0, pos) + 1
                end = find(b"\n", pos)
                bits = plain
                for bit, hint in conditional:
                    if not bits & bit and _path_allowed(block, start, end, hint.not_paths):
                        bits |= bit
                if bits:
                    entry = found.get(start)
                    if entry is None:
                        found[start] = [end, bits]
                    else:
                        entry[1] |= bits
                pos = find(literal, end)
        kept = sorted(found.items())
        return b"".join(block[start : entry[0] + 1] for start, entry in kept), [entry[1] for _, entry in kept]


def _path_allowed(block: bytes, start: int, end: int, not_paths: frozenset[bytes]) -> bool:
    """Whether the line's ``requestURI`` path (before ``?``) is outside ``not_paths`` (or cannot be read)."""
    at = block.find(b'"requestURI":"', start, end)
    if at < 0:
        return True
    close = block.find(b'"', at + 14, end)
    query = block.find(b"?", at + 14, close)
    return block[at + 14 : query if query >= 0 else close] not in not_paths


class HyperscanPrefilter:
    """The same selection with Hyperscan (Intel's multi-pattern regex engine, PyPI ``hyperscan``): one pass over
    a block finds every hint literal and its forward conditions (subresource, logged body) in C, about twice as
    fast as the regex and literal scans of :class:`Prefilter`. The field conditions a forward scan cannot check
    (verb, caller, request path) are left to the detections themselves: more lines are decoded, none is lost.
    """

    def __init__(self, hints: Sequence[tuple[Hint, ...]]) -> None:
        import hyperscan

        patterns: list[bytes] = []
        self._masks: list[int] = []
        for index, detection_hints in enumerate(hints):
            for hint in detection_hints:
                pattern = re.escape(hint.literal)
                if hint.subresources is not None and b"" not in hint.subresources:
                    names = b"|".join(map(re.escape, sorted(hint.subresources)))
                    pattern += b'[^}\n]*"subresource":"(?:' + names + b')"'
                if hint.needs_body:
                    pattern += b'[^\n]*"requestObject":'
                patterns.append(pattern)
                self._masks.append(1 << index)
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns), flags=[0] * len(patterns)
        )

    def select(self, block: bytes, lines: int) -> tuple[bytes, list[int]] | None:
        """As :meth:`Prefilter.select`."""
        if block.count(_AUDIT_ID) != lines:
            return None
        found: dict[int, int] = {}
        rfind, masks = block.rfind, self._masks

        def on_match(pattern: int, start: int, end: int, flags: int, context: object) -> None:
            line = rfind(b"\n", 0, end) + 1
            found[line] = found.get(line, 0) | masks[pattern]

        self._database.scan(block, match_event_handler=on_match)
        order = sorted(found)
        find = block.find
        return b"".join(block[start : find(b"\n", start) + 1] for start in order), [found[start] for start in order]


SelectsLines = Prefilter | HyperscanPrefilter

PURE_PYTHON_ENV = "KUBEWARD_PURE_PYTHON_PREFILTER"
"""Set (to anything) to use :class:`Prefilter` even where Hyperscan is installed (tests compare the two)."""


def prefilter_for(hints: Iterable[tuple[Hint, ...] | None]) -> SelectsLines | None:
    """The prefilter for detections with these hints (Hyperscan where it is installed and works); None when one
    of them cannot be prefiltered. Built once per process and set of hints: a Hyperscan compile takes ~40 ms,
    and every part of a log asks for it.
    """
    collected: list[tuple[Hint, ...]] = []
    for detection_hints in hints:
        if detection_hints is None:
            return None
        collected.append(detection_hints)
    return _compiled(tuple(collected), pure_python=bool(os.environ.get(PURE_PYTHON_ENV)))


@functools.lru_cache(maxsize=8)
def _compiled(hints: tuple[tuple[Hint, ...], ...], pure_python: bool) -> SelectsLines:
    if not pure_python:
        try:
            return HyperscanPrefilter(hints)
        except ImportError:
            pass
    return Prefilter(hints)
