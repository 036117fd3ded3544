"""Credential fields keep their presence and lose their value."""

import pytest

from kubeward.inputs.redact import REDACTED, is_secret_key, redact, redact_all


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "adminPassword",
        "clientKey",
        "client-key-data",
        "token",
        "agent-token",
        "datastore-endpoint",
        "vpn-auth",
        "secret",
        "etcd-s3-secret-key",
        "privateKey",
        "private_key",
        "sshKey",
        "bootstrapToken",
        "client_secret",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "tokenFile",
        "token-auth-file",
        "secretsEncryption",
        "secrets-encryption",
        "serviceAccountTokenVolumeProjection",
        "passwordFile",
        "clientCertificate",
        "clusterCaCertificate",
        "keyData",
        "username",
        "enableKubernetesAlpha",
        "write-kubeconfig-mode",
        "vpn-auth-file",
    ],
)
def test_non_secret_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_redact_keeps_shape_and_presence() -> None:
    value = {
        "masterAuth": {
            "username": "admin",
            "password": "fake-password-123",
            "clientCertificate": "LS0tLS1CRUdJTi1mYWtl",
            "clientKey": "LS0tLS1CRUdJTi1mYWtlLWtleQ==",
            "clusterCaCertificate": "LS0tLS1mYWtlLWNh",
        },
        "servicePrincipalProfile": {"clientId": "msi", "secret": None},
        "windowsProfile": {"adminPassword": "", "adminUsername": "azureuser"},
        "token": {"nested": ["a", "", None, {"deep": "b"}]},
        "items": [{"token": "K10fake::server:fake"}, "plain"],
        "secrets-encryption": True,
        "empty-token": [],
    }
    assert redact(value) == {
        "masterAuth": {
            "username": "admin",
            "password": REDACTED,
            "clientCertificate": "LS0tLS1CRUdJTi1mYWtl",
            "clientKey": REDACTED,
            "clusterCaCertificate": "LS0tLS1mYWtlLWNh",
        },
        "servicePrincipalProfile": {"clientId": "msi", "secret": None},
        "windowsProfile": {"adminPassword": "", "adminUsername": "azureuser"},
        "token": {"nested": [REDACTED, "", None, {"deep": REDACTED}]},
        "items": [{"token": REDACTED}, "plain"],
        "secrets-encryption": True,
        "empty-token": [],
    }


def test_redact_does_not_mutate_and_handles_scalars() -> None:
    original = {"password": "x", "list": [{"token": "y"}]}
    redact(original)
    assert original == {"password": "x", "list": [{"token": "y"}]}
    assert redact("token") == "token"
    assert redact(None) is None
    assert redact_all([1, "", None, {"a": True}]) == [REDACTED, "", None, {"a": REDACTED}]


def test_encryption_configuration_keys() -> None:
    config = {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [
            {
                "resources": ["secrets"],
                "providers": [
                    {"aescbc": {"keys": [{"name": "key1", "secret": "ZmFrZS1rZXktZm9yLWEtcmVkYWN0aW9uLXRlc3QtMDA="}]}},
                    {"identity": {}},
                ],
            }
        ],
    }
    redacted = redact(config)
    assert redacted["resources"][0]["providers"][0]["aescbc"]["keys"] == [{"name": "key1", "secret": REDACTED}]
    assert "ZmFrZS1rZXk" not in repr(redacted)
