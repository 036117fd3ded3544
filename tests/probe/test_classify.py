"""Verdict classification as a property: every answer of every endpoint gets a verdict from the fixed
vocabulary, and the seed's table holds (401 right, 403 anonymous on, 2xx with data access)."""

from hypothesis import given
from hypothesis import strategies as st

from kubeward.inventory.probes import VERDICTS
from kubeward.probe.catalog import BY_COMPONENT
from kubeward.probe.classify import classify
from kubeward.probe.wire import Answer

ENDPOINTS = [endpoint for endpoints in BY_COMPONENT.values() for endpoint in endpoints]


@given(
    endpoint=st.sampled_from(ENDPOINTS),
    status=st.one_of(st.none(), st.integers(min_value=100, max_value=599)),
    body=st.sampled_from([b"", b'{"kind":"PodList","items":[]}', b"<html>", b"# HELP x\n"]),
    refused=st.booleans(),
)
def test_every_answer_has_a_verdict_from_the_vocabulary(endpoint, status, body, refused) -> None:  # type: ignore[no-untyped-def]
    answer = Answer(status=status, body=body, refused=refused and status is None, error="" if status else "boom")
    probe = classify("https://h:1/x", endpoint, answer)
    assert probe.verdict in VERDICTS
    if status == 401:
        assert probe.verdict == "authn-required" and probe.severity == "none"
    elif status == 403:
        assert probe.verdict == "anonymous-forbidden"  # never reported as access
        assert probe.severity in ("medium", "low")
    elif status is not None and 200 <= status < 300:
        assert probe.verdict in ("public-by-design", "anonymous-allowed", "closed")
        assert (probe.verdict == "public-by-design") == endpoint.public
    elif status is None:
        assert probe.verdict in ("closed", "error", "authn-required")
