"""Bundles: an offline Inventory written to a directory or .tar.gz reads back the same."""

import io
import json
import tarfile
import textwrap
from pathlib import Path

import msgspec
import pytest

from kubeward import __version__
from kubeward.collect.offline import OfflineCollector
from kubeward.inventory.builder import InventoryBuilder
from kubeward.inventory.bundle import (
    BUNDLE_SCHEMA,
    BundleError,
    BundleWriter,
    load_bundle,
    read_bundle,
    read_manifest,
)
from kubeward.inventory.model import CollectionRecord, InputIssue, InputRecord, Inventory, Target
from kubeward.scan import OfflineSources, load_offline_inventory

BROKEN_KUBEADM_CONFIG = textwrap.dedent(
    """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: kubeadm-config
      namespace: kube-system
    data:
      ClusterConfiguration: |
        apiServer:
          extraArgs: [1, 2
    """
)

EXTRA_INPUTS = {
    "k3s/etc/rancher/k3s/config.yaml": "token: fake-k3s-token\nkube-apiserver-arg:\n- anonymous-auth=true\n",
    "eks.json": json.dumps(
        {"cluster": {"name": "c", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/c", "version": "1.30"}}
    ),
    "configz/node-9.json": json.dumps({"kubeletconfig": {"readOnlyPort": 10255}}),
    "bad.yaml": "a: [1,\n",
}


def offline_inventory(tmp_path: Path) -> Inventory:
    inputs = tmp_path / "inputs"
    for relative, text in EXTRA_INPUTS.items():
        path = inputs / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    builder = InventoryBuilder(Target(kind="offline", name="prod"))
    OfflineCollector(builder, display=lambda p: Path(p).relative_to(inputs).as_posix()).load([str(inputs)])
    demo = load_offline_inventory(OfflineSources(demo=True))
    builder.add_inventory(demo)
    return builder.build()


def write(inventory: Inventory, destination: Path) -> Path:
    writer = BundleWriter(destination, inventory.target)
    writer.write_inventory(inventory)
    return writer.close()


@pytest.mark.parametrize("name", ["bundle", "bundle.tar.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    inventory = offline_inventory(tmp_path)
    # The fixture covers every part of an Inventory, so the round trip checks them all.
    assert inventory.apiservers and inventory.kubelets and inventory.providers and inventory.config_docs
    assert inventory.pods and inventory.workloads and inventory.secrets and inventory.issues
    assert {k.origin for k in inventory.kubelets} >= {"configz", "k3s", "node-files"}
    destination = write(inventory, tmp_path / name)
    assert destination == tmp_path / name
    back = read_bundle(destination)
    assert back.inputs == (InputRecord(path=str(destination), detected=f"bundle {BUNDLE_SCHEMA}"), *inventory.inputs)
    assert msgspec.structs.replace(back, inputs=inventory.inputs) == inventory


def test_derived_issues_are_not_repeated_on_read(tmp_path: Path) -> None:
    # Without an API server in the inputs, kube-system/kubeadm-config is read; its problem is an
    # issue of the scan, and reading the bundle back (which derives again) must not double it.
    (tmp_path / "cm.yaml").write_text(BROKEN_KUBEADM_CONFIG)
    inventory = load_offline_inventory(OfflineSources(paths=[str(tmp_path / "cm.yaml")]))
    expected = InputIssue(
        input=f"{tmp_path / 'cm.yaml'}:1 data.ClusterConfiguration",
        message="invalid YAML: did not find expected ',' or ']'",
        line=3,
    )
    assert inventory.issues == (expected,)
    back = read_bundle(write(inventory, tmp_path / "b.tgz"))
    assert back.issues == (expected,)


def test_directory_layout_and_manifest(tmp_path: Path) -> None:
    inventory = offline_inventory(tmp_path)
    root = write(inventory, tmp_path / "b")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        ["manifest.json", "components/components.json"]
        + [
            f"objects/{part}.json"
            for part in (
                "clusterroles",
                "clusterrolebindings",
                "roles",
                "rolebindings",
                "serviceaccounts",
                "pods",
                "workloads",
                "namespaces",
                "nodes",
                "flowschemas",
                "prioritylevelconfigurations",
                "webhookconfigurations",
                "secrets",
                "configmaps",
            )
        ]
    )
    manifest = read_manifest(root)
    assert (manifest.bundleSchema, manifest.kubeward, manifest.target) == (BUNDLE_SCHEMA, __version__, inventory.target)
    assert manifest.parts["pods"].count == len(inventory.pods)
    assert manifest.components == {"all": "components/components.json"}
    text = "".join(p.read_text() for p in root.rglob("*.json"))
    assert "fake-k3s-token" not in text and "ZmFrZS1kZW1vLXNlY3JldC1kby1ub3QtdXNl" not in text


def set_schema(root: Path, schema: str) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["bundleSchema"] = schema
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_newer_major_schema_is_refused(tmp_path: Path) -> None:
    root = write(offline_inventory(tmp_path), tmp_path / "b")
    set_schema(root, "2.0")
    with pytest.raises(BundleError) as caught:
        read_bundle(root)
    assert str(caught.value) == (
        f"{root}: bundle schema 2.0 is newer than this kubeward {__version__} reads (1.x); "
        "upgrade kubeward to analyse it"
    )


def test_newer_minor_schema_is_read(tmp_path: Path) -> None:
    inventory = offline_inventory(tmp_path)
    root = write(inventory, tmp_path / "b")
    set_schema(root, "1.7")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["someFutureField"] = {"x": 1}
    (root / "manifest.json").write_text(json.dumps(manifest))
    assert read_bundle(root).pods == inventory.pods


@pytest.mark.parametrize(
    ("schema", "message"),
    [("", "manifest.json has no valid bundleSchema ('')"), ("v2", "manifest.json has no valid bundleSchema ('v2')")],
)
def test_invalid_schema(tmp_path: Path, schema: str, message: str) -> None:
    root = write(offline_inventory(tmp_path), tmp_path / "b")
    set_schema(root, schema)
    with pytest.raises(BundleError, match=rf"^{root}: " + message.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(root)


def test_corrupt_part_is_an_issue_and_the_rest_is_read(tmp_path: Path) -> None:
    inventory = offline_inventory(tmp_path)
    root = write(inventory, tmp_path / "b")
    (root / "objects" / "pods.json").write_bytes(b'[{"metadata": {"name": "a"}}, {"metadata": ')
    (root / "components" / "components.json").write_text('{"apiservers": 5}')
    builder = InventoryBuilder(inventory.target)
    load_bundle(root, builder)
    back = builder.build()
    assert back.pods == ()
    assert back.workloads == inventory.workloads and back.cluster_roles == inventory.cluster_roles
    assert back.coverage("pods") == CollectionRecord(part="pods", status="error", reason=back.coverage("pods").reason)
    assert back.coverage("pods").reason.startswith("bundle part unreadable: ")
    new_issues = [i for i in back.issues if i not in inventory.issues]
    assert [(i.input, i.level) for i in new_issues] == [
        (f"{root}:objects/pods.json", "error"),
        (f"{root}:components/components.json", "error"),
    ]
    assert new_issues[0].message.startswith("unreadable part: ")
    assert new_issues[1].message == "unreadable components: Expected `array`, got `int` - at `$.apiservers`"
    assert back.incomplete


def test_missing_part_file_and_unknown_part(tmp_path: Path) -> None:
    inventory = offline_inventory(tmp_path)
    root = write(inventory, tmp_path / "b")
    (root / "objects" / "nodes.json").unlink()
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["parts"]["gadgets"] = {"file": "objects/gadgets.json", "count": 1}
    (root / "manifest.json").write_text(json.dumps(manifest))
    back = read_bundle(root)
    assert back.nodes == () and back.namespaces == inventory.namespaces
    assert InputIssue(input=str(root), message="unknown part 'gadgets' skipped", level="warning") in back.issues
    assert (
        InputIssue(input=f"{root}:objects/nodes.json", message=f"unreadable part: {root}: missing objects/nodes.json")
        in back.issues
    )


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no such bundle"):
        read_bundle(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match=r"empty: missing manifest.json$"):
        read_bundle(tmp_path / "empty")
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(BundleError, match=r"not a bundle directory or readable \.tar\.gz"):
        read_bundle(tmp_path / "junk.tar.gz")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{")
    with pytest.raises(BundleError, match=r"manifest\.json is not valid JSON"):
        read_bundle(tmp_path / "bad")


def test_tarball_members_cannot_escape(tmp_path: Path) -> None:
    manifest = {
        "bundleSchema": "1.0",
        "kubeward": "0",
        "createdAt": "2024-01-01T00:00:00+00:00",
        "target": {"kind": "offline", "name": "x"},
        "parts": {"pods": {"file": "../../etc/passwd", "count": 1}, "nodes": {"file": "objects/nodes", "count": 1}},
    }
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        directory = tarfile.TarInfo("objects/nodes")
        directory.type = tarfile.DIRTYPE
        tar.addfile(directory)
    back = read_bundle(path)
    messages = {i.input: i.message for i in back.issues}
    assert messages[f"{path}:../../etc/passwd"] == f"unreadable part: {path}: refusing member path '../../etc/passwd'"
    assert messages[f"{path}:objects/nodes"] == (
        f"unreadable part: {path}: objects/nodes is not a regular file of acceptable size"
    )


def test_writer_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("")
    with pytest.raises(BundleError, match="directory exists and is not empty"):
        BundleWriter(tmp_path / "b", Target(kind="offline", name="x"))


def test_writer_streams_pages_and_keeps_failures(tmp_path: Path) -> None:
    inventory = offline_inventory(tmp_path)
    writer = BundleWriter(tmp_path / "s.tar.gz", Target(kind="live", name="ctx", server="https://k:6443"))
    half = len(inventory.pods) // 2
    writer.add_objects("pods", inventory.pods[:half])
    writer.add_objects("pods", ())
    writer.add_objects("pods", inventory.pods[half:])
    writer.record(CollectionRecord(part="secrets", status="forbidden", reason="403"))
    writer.record(CollectionRecord(part="secrets", status="collected", count=1))
    assert writer.incomplete
    with pytest.raises(ValueError, match="unknown inventory part"):
        writer.add_objects("gadgets", inventory.pods)
    back = read_bundle(writer.close())
    assert back.pods == inventory.pods
    assert back.coverage("secrets") == CollectionRecord(part="secrets", status="forbidden", reason="403")
    assert back.target == Target(kind="live", name="ctx", server="https://k:6443")
    assert not (tmp_path / "s.tar.gz").is_dir()
