"""Managed-cluster descriptions recognised by shape, stored with credentials redacted.

The three documents below have the shape of the real CLIs' output (``aws eks describe-cluster``,
``gcloud container clusters describe --format=json``, ``az aks show``); every identifier, key and
password in them is fake.
"""

import copy
from typing import Any

import pytest

from kubeward.inputs.providers import detect_provider
from kubeward.inputs.redact import REDACTED
from kubeward.inventory.provenance import file_at

EKS_DESCRIBE_CLUSTER: dict[str, Any] = {
    "cluster": {
        "name": "payments-prod",
        "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod",
        "createdAt": "2024-03-11T09:12:44.512000+00:00",
        "version": "1.29",
        "endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
        "roleArn": "arn:aws:iam::111122223333:role/payments-prod-cluster",
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
            "securityGroupIds": ["sg-0aa11bb22cc33dd44"],
            "clusterSecurityGroupId": "sg-0123456789abcdef0",
            "vpcId": "vpc-0123456789abcdef0",
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
        "logging": {
            "clusterLogging": [
                {"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}
            ]
        },
        "identity": {
            "oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"}
        },
        "status": "ACTIVE",
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBGQUtFIENFUlRJRklDQVRFLS0tLS0K"},
        "platformVersion": "eks.8",
        "tags": {"team": "payments"},
        "encryptionConfig": [
            {
                "resources": ["secrets"],
                "provider": {"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/00000000-1111-2222-3333-444444444444"},
            }
        ],
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "upgradePolicy": {"supportType": "EXTENDED"},
    }
}

GKE_DESCRIBE: dict[str, Any] = {
    "addonsConfig": {"httpLoadBalancing": {}, "networkPolicyConfig": {"disabled": True}},
    "clusterIpv4Cidr": "10.8.0.0/14",
    "createTime": "2024-02-01T10:00:00+00:00",
    "currentMasterVersion": "1.29.4-gke.1043002",
    "currentNodeCount": 3,
    "currentNodeVersion": "1.29.4-gke.1043002",
    "endpoint": "34.76.10.20",
    "id": "0f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a6978",
    "initialClusterVersion": "1.27.3-gke.100",
    "legacyAbac": {},
    "location": "europe-west1-b",
    "locations": ["europe-west1-b"],
    "loggingService": "logging.googleapis.com/kubernetes",
    "masterAuth": {
        "clusterCaCertificate": "LS0tLS1CRUdJTiBGQUtFIENBLS0tLS0K",
        "username": "admin",
        "password": "fake-basic-auth-password-0000",
        "clientCertificate": "LS0tLS1CRUdJTiBGQUtFIENMSUVOVCBDRVJULS0tLS0K",
        "clientKey": "LS0tLS1CRUdJTiBGQUtFIFBSSVZBVEUgS0VZLS0tLS0K",
    },
    "masterAuthorizedNetworksConfig": {
        "enabled": True,
        "cidrBlocks": [{"displayName": "office", "cidrBlock": "203.0.113.0/24"}],
    },
    "monitoringService": "monitoring.googleapis.com/kubernetes",
    "name": "shop-prod",
    "network": "default",
    "nodePools": [
        {
            "name": "default-pool",
            "version": "1.29.4-gke.1043002",
            "config": {
                "machineType": "e2-standard-4",
                "metadata": {"disable-legacy-endpoints": "true"},
                "serviceAccount": "default",
                "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            },
            "status": "RUNNING",
        }
    ],
    "privateClusterConfig": {"enablePrivateNodes": False},
    "selfLink": "https://container.googleapis.com/v1/projects/acme-shop/zones/europe-west1-b/clusters/shop-prod",
    "status": "RUNNING",
    "zone": "europe-west1-b",
    "workloadIdentityConfig": {"workloadPool": "acme-shop.svc.id.goog"},
}

AKS_SHOW: dict[str, Any] = {
    "aadProfile": {"adminGroupObjectIDs": ["00000000-aaaa-bbbb-cccc-000000000001"], "enableAzureRbac": True},
    "addonProfiles": {"azurepolicy": {"config": None, "enabled": False}},
    "agentPoolProfiles": [
        {
            "count": 3,
            "enableNodePublicIp": False,
            "mode": "System",
            "name": "nodepool1",
            "orchestratorVersion": "1.29.4",
            "osType": "Linux",
            "type": "VirtualMachineScaleSets",
            "vmSize": "Standard_DS2_v2",
        }
    ],
    "apiServerAccessProfile": {
        "authorizedIpRanges": ["198.51.100.0/24"],
        "enablePrivateCluster": False,
        "privateDnsZone": None,
    },
    "currentKubernetesVersion": "1.29.4",
    "disableLocalAccounts": False,
    "dnsPrefix": "orders-rg-0a1b2c",
    "enableRbac": True,
    "fqdn": "orders-rg-0a1b2c-4f5e6d7c.hcp.westeurope.azmk8s.io",
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/orders-rg/providers/"
    "Microsoft.ContainerService/managedClusters/orders",
    "identity": {"principalId": "00000000-aaaa-bbbb-cccc-000000000002", "type": "SystemAssigned"},
    "kubernetesVersion": "1.29",
    "linuxProfile": {"adminUsername": "azureuser", "ssh": {"publicKeys": [{"keyData": "ssh-rsa AAAAB3NzaFAKE"}]}},
    "location": "westeurope",
    "name": "orders",
    "networkProfile": {"networkPlugin": "azure", "networkPolicy": "calico", "serviceCidr": "10.0.0.0/16"},
    "nodeResourceGroup": "MC_orders-rg_orders_westeurope",
    "oidcIssuerProfile": {"enabled": False, "issuerUrl": None},
    "privateFqdn": None,
    "provisioningState": "Succeeded",
    "resourceGroup": "orders-rg",
    "servicePrincipalProfile": {"clientId": "msi", "secret": None},
    "sku": {"name": "Base", "tier": "Free"},
    "type": "Microsoft.ContainerService/ManagedClusters",
    "windowsProfile": {"adminPassword": "FakeWindowsPassw0rd!", "adminUsername": "azureuser", "enableCsiProxy": True},
}

WHERE = file_at("cluster.json", 1)


def test_eks() -> None:
    cluster = detect_provider(copy.deepcopy(EKS_DESCRIBE_CLUSTER), WHERE)
    assert cluster is not None
    assert (cluster.provider, cluster.name, cluster.version, cluster.location, cluster.provenance) == (
        "eks",
        "payments-prod",
        "v1.29",
        "eu-west-1",
        WHERE,
    )
    # The description is the cluster object itself (the "cluster" envelope is dropped), nothing redacted.
    assert cluster.data == EKS_DESCRIBE_CLUSTER["cluster"]
    # The bare object (e.g. `--query cluster`) is recognised too.
    bare = detect_provider(copy.deepcopy(EKS_DESCRIBE_CLUSTER["cluster"]), WHERE)
    assert bare is not None and bare.data == cluster.data


def test_gke_redacts_basic_auth_and_client_key() -> None:
    cluster = detect_provider(copy.deepcopy(GKE_DESCRIBE), WHERE)
    assert cluster is not None
    assert (cluster.provider, cluster.name, cluster.version, cluster.location) == (
        "gke",
        "shop-prod",
        "v1.29.4-gke.1043002",
        "europe-west1-b",
    )
    assert cluster.data["masterAuth"] == {
        "clusterCaCertificate": "LS0tLS1CRUdJTiBGQUtFIENBLS0tLS0K",
        "username": "admin",
        "password": REDACTED,
        "clientCertificate": "LS0tLS1CRUdJTiBGQUtFIENMSUVOVCBDRVJULS0tLS0K",
        "clientKey": REDACTED,
    }
    assert "fake-basic-auth-password" not in repr(cluster)
    assert cluster.data["masterAuthorizedNetworksConfig"] == GKE_DESCRIBE["masterAuthorizedNetworksConfig"]


def test_gke_without_self_link() -> None:
    data = {k: v for k, v in GKE_DESCRIBE.items() if k not in ("selfLink", "location")}
    cluster = detect_provider(data, WHERE)
    assert cluster is not None and (cluster.provider, cluster.location) == ("gke", "europe-west1-b")


def test_aks_redacts_windows_password() -> None:
    cluster = detect_provider(copy.deepcopy(AKS_SHOW), WHERE)
    assert cluster is not None
    assert (cluster.provider, cluster.name, cluster.version, cluster.location) == (
        "aks",
        "orders",
        "v1.29.4",
        "westeurope",
    )
    assert cluster.data["windowsProfile"] == {
        "adminPassword": REDACTED,
        "adminUsername": "azureuser",
        "enableCsiProxy": True,
    }
    assert cluster.data["servicePrincipalProfile"] == {"clientId": "msi", "secret": None}
    assert cluster.data["apiServerAccessProfile"] == AKS_SHOW["apiServerAccessProfile"]
    assert "FakeWindowsPassw0rd" not in repr(cluster)


def test_aks_by_shape_without_type() -> None:
    data = {k: v for k, v in AKS_SHOW.items() if k not in ("type", "currentKubernetesVersion")}
    cluster = detect_provider(data, WHERE)
    assert cluster is not None and (cluster.provider, cluster.version) == ("aks", "v1.29")


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "arn:aws:eks:x",
        {"apiVersion": "v1", "kind": "Pod"},
        {"arn": "arn:aws:iam::111122223333:role/x"},
        {"cluster": {"arn": "arn:aws:eks:eu-west-1:1:nodegroup/x"}},
        {"name": "x", "fqdn": "x.example.com"},
    ],
)
def test_not_a_provider(data: object) -> None:
    assert detect_provider(data, WHERE) is None
