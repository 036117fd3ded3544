"""The byte prefilter and base64 detection: found at every alignment, wrapped or not."""

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.credentials.detect import base64_candidate, embedded_kubeconfigs, plain_candidate
from kubeward.credentials.fingerprint import fingerprint, jwt_claims, token_facts
from kubeward.testing.kubeconfigs import kubeconfig, legacy_sa_token

KUBECONFIG = kubeconfig(user={"token": "abc"}, name="ci").encode()
PREFIX = st.text(alphabet=st.characters(codec="ascii", exclude_characters="\x00"), max_size=60)


@settings(max_examples=60, deadline=None)
@given(prefix=PREFIX, lead=st.binary(max_size=2), wrap=st.sampled_from([0, 60, 76]), indent=st.sampled_from(["", "  "]))
def test_base64_kubeconfig_found_at_any_alignment_and_wrapping(
    prefix: str, lead: bytes, wrap: int, indent: str
) -> None:
    # ``lead`` shifts the kubeconfig inside the encoded stream (the needles must match at 3 offsets)
    payload = lead.replace(b"\x00", b" ") + b"\n" + KUBECONFIG if lead else KUBECONFIG
    encoded = base64.b64encode(payload).decode()
    if wrap:
        encoded = f"\n{indent}".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    text = f"{prefix.replace(chr(10), ' ')}\nvariables:\n  KUBE: |\n{indent}{encoded}\nnext: key\n".encode()
    assert base64_candidate(text)
    found = list(embedded_kubeconfigs(text))
    assert len(found) == 1
    assert b"clusters:" in found[0].data


@given(st.binary(max_size=400))
def test_random_bytes_are_rarely_candidates(data: bytes) -> None:
    if b"clusters" not in data and b"users" not in data:
        assert not plain_candidate(data)


def test_plain_candidates() -> None:
    assert plain_candidate(KUBECONFIG)
    assert plain_candidate(b'{"apiVersion":"v1","clusters":[],"users":[]}')
    assert not plain_candidate(b"def users(): return clusters")


def test_jwt_decoded_without_verification() -> None:
    token = legacy_sa_token("ci", "deployer")
    facts = token_facts(token)
    assert facts.jwt and facts.legacy_service_account
    assert facts.subject == "system:serviceaccount:ci:deployer"
    assert facts.expires == ""
    assert facts.fingerprint == fingerprint(token) and token not in repr(facts)
    header = base64.urlsafe_b64encode(b'{"alg":"RS256"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(b'{"iss":"https://kubernetes.default.svc","exp":1900000000,"sub":"x"}')
    bound = f"{header}.{claims.rstrip(b'=').decode()}.sig"
    bound_facts = token_facts(bound)
    assert not bound_facts.legacy_service_account and bound_facts.expires.startswith("2030-")
    assert jwt_claims("not.a.jwt") is None and not token_facts("opaque").jwt
