"""``kubeward probe`` end to end: JSON shape and vocabulary, exit codes."""

import json
from collections.abc import Callable

from click.testing import CliRunner

from kubeward.cli.main import cli
from kubeward.inventory.probes import VERDICTS
from kubeward.testing import exposure

Start = Callable[..., exposure.Running]


def probe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["probe", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_lists_each_endpoint_with_url_status_verdict(start: Start) -> None:
    server = start(exposure.apiserver("forbidden"))
    code, out, err = probe(f"https://127.0.0.1:{server.port}", "-o", "json", "--timeout", "2")
    assert code == 0, err
    document = json.loads(out)
    assert document["schema_version"] == "1.0"
    run = document["run"]
    assert run["vantage"]["host"] and "relative" in run["vantage"]["note"]
    assert len(run["endpoints"]) == 8
    for endpoint in run["endpoints"]:
        assert endpoint["url"].startswith(f"https://127.0.0.1:{server.port}/")
        assert endpoint["verdict"] in VERDICTS
        assert isinstance(endpoint["status"], int)
    assert run["tls"][0]["protocol"] == "TLSv1.3"
    assert "probed 8 endpoint(s)" in err


def test_exit_codes(start: Start) -> None:
    allowed = start(exposure.kubelet(True, "AlwaysAllow"))
    url = f"https://127.0.0.1:{allowed.port}/pods"
    assert probe(url, "--no-tls-versions")[0] == 0
    assert probe(url, "--fail-on", "critical")[0] == 1
    assert probe("ftp://nope")[0] == 2
    hanging = exposure.serve_hanging()
    try:
        code, out, _ = probe(f"http://127.0.0.1:{hanging.port}/pods", "--timeout", "0.3")
    finally:
        hanging.stop()
    assert code == 3
    assert "error" in out


def test_table_names_vantage_and_verdicts(start: Start) -> None:
    server = start(exposure.kubelet(True, "Webhook"))
    code, out, _ = probe(f"https://127.0.0.1:{server.port}/pods", "--no-tls-versions")
    assert code == 0
    assert "kubeward probe from" in out and "exposure is relative" in out
    assert "anonymous-forbidden" in out and "403" in out
