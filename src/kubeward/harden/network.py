"""``kubeward harden network``: reach the API server port only from the networks that need it.

Self-managed control planes get host firewall rules (iptables, one chain per address family, or an
nftables table); managed ones the provider's CLI command that restricts the public endpoint:

* EKS: ``aws eks update-cluster-config --resources-vpc-config endpointPublicAccess=true,
  publicAccessCidrs=...,endpointPrivateAccess=true`` (IPv4 CIDRs only; at most 40);
* GKE: ``gcloud container clusters update --enable-master-authorized-networks
  --master-authorized-networks ...`` (at most 50; 100 for private clusters);
* AKS: ``az aks update --api-server-authorized-ip-ranges ...`` (at most 200).

Every CIDR is validated (``ipaddress``, host bits must be zero) before anything is written. The rules
keep loopback and established connections and drop the rest of the port only; they do not flush
anything that is there.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from kubeward.harden.apiserver import HardenError

FORMATS = ("iptables", "nftables", "eks", "gke", "aks")
CHAIN = "KUBEWARD-APISERVER"
_LIMITS = {"eks": 40, "gke": 50, "aks": 200}
_CLUSTER = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]{0,99}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class NetworkOptions:
    """What to allow, on which port, for which cluster."""

    allow: tuple[str, ...]
    port: int = 6443
    cluster: str = ""
    region: str = ""
    resource_group: str = ""


def parse_cidrs(values: Sequence[str]) -> list[Network]:
    """Validated networks, in order, duplicates dropped; HardenError names the first bad one."""
    networks: list[Network] = []
    for value in values:
        for item in (v.strip() for v in value.split(",")):
            if not item:
                continue
            try:
                network = ipaddress.ip_network(item, strict=True)
            except ValueError as exc:
                raise HardenError(f"--allow {item!r} is not a CIDR such as 10.0.0.0/16: {exc}") from exc
            if network not in networks:
                networks.append(network)
    if not networks:
        raise HardenError("give at least one --allow CIDR (node, VPN and CI networks)")
    return networks


def render(fmt: str, options: NetworkOptions) -> str:
    """The rules or commands for ``fmt``."""
    if not 1 <= options.port <= 65535:
        raise HardenError(f"--port {options.port} is not a TCP port")
    networks = parse_cidrs(options.allow)
    if fmt == "iptables":
        return iptables(networks, options.port)
    if fmt == "nftables":
        return nftables(networks, options.port)
    if fmt in _LIMITS:
        return managed(fmt, networks, options)
    raise HardenError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def iptables(networks: Sequence[Network], port: int) -> str:
    """``iptables-restore``/``ip6tables-restore`` input (``--noflush``) for each family in use."""
    parts: list[str] = []
    for version, tool, loopback in ((4, "iptables", "127.0.0.0/8"), (6, "ip6tables", "::1/128")):
        family = [n for n in networks if n.version == version]
        if not family and version == 6:
            continue
        lines = [
            f"# {tool}-restore --noflush < this-file: TCP {port} only from the allowed networks",
            "*filter",
            f":{CHAIN} - [0:0]",
            f"-A INPUT -p tcp -m tcp --dport {port} -j {CHAIN}",
            f"-A {CHAIN} -s {loopback} -j RETURN",
            f"-A {CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN",
        ]
        lines += [f"-A {CHAIN} -s {network} -j RETURN" for network in family]
        lines += [f"-A {CHAIN} -j DROP", "COMMIT", ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def nftables(networks: Sequence[Network], port: int) -> str:
    """An nftables table (``nft -f``) with one set per address family."""
    v4 = [str(n) for n in networks if n.version == 4]
    v6 = [str(n) for n in networks if n.version == 6]
    lines = [
        f"# nft -f this-file: TCP {port} only from the allowed networks",
        "table inet kubeward {",
    ]
    if v4:
        lines += [
            "  set apiserver_allow_v4 {",
            "    type ipv4_addr",
            "    flags interval",
            f"    elements = {{ {', '.join(v4)} }}",
            "  }",
        ]
    if v6:
        lines += [
            "  set apiserver_allow_v6 {",
            "    type ipv6_addr",
            "    flags interval",
            f"    elements = {{ {', '.join(v6)} }}",
            "  }",
        ]
    lines += [
        "  chain input {",
        "    type filter hook input priority filter; policy accept;",
        f'    tcp dport {port} iifname "lo" accept',
        f"    tcp dport {port} ct state established,related accept",
    ]
    if v4:
        lines.append(f"    tcp dport {port} ip saddr @apiserver_allow_v4 accept")
    if v6:
        lines.append(f"    tcp dport {port} ip6 saddr @apiserver_allow_v6 accept")
    lines += [f"    tcp dport {port} drop", "  }", "}", ""]
    return "\n".join(lines)


def managed(provider: str, networks: Sequence[Network], options: NetworkOptions) -> str:
    """The provider CLI command restricting the managed endpoint."""
    if not options.cluster or not _CLUSTER.match(options.cluster):
        raise HardenError(f"--cluster NAME is required for {provider} (letters, digits, '-', '_', '.')")
    if len(networks) > _LIMITS[provider]:
        raise HardenError(f"{provider} accepts at most {_LIMITS[provider]} authorized networks, {len(networks)} given")
    cidrs = ",".join(str(n) for n in networks)
    quoted = shlex.quote
    if provider == "eks":
        if any(n.version == 6 for n in networks):
            raise HardenError("EKS publicAccessCidrs are IPv4 only")
        command = [
            "aws eks update-cluster-config",
            f"--name {quoted(options.cluster)}",
            *([f"--region {quoted(options.region)}"] if options.region else []),
            f"--resources-vpc-config endpointPublicAccess=true,publicAccessCidrs={cidrs},endpointPrivateAccess=true",
        ]
        note = "# Keeps a private endpoint for the nodes; endpointPublicAccess=false closes the public one entirely."
    elif provider == "gke":
        command = [
            f"gcloud container clusters update {quoted(options.cluster)}",
            *([f"--location {quoted(options.region)}"] if options.region else []),
            "--enable-master-authorized-networks",
            f"--master-authorized-networks {quoted(cidrs)}",
        ]
        note = "# The list replaces the current one; GKE's own ranges stay allowed."
    else:
        if not options.resource_group:
            raise HardenError("--resource-group is required for aks")
        command = [
            "az aks update",
            f"--resource-group {quoted(options.resource_group)}",
            f"--name {quoted(options.cluster)}",
            f"--api-server-authorized-ip-ranges {quoted(cidrs)}",
        ]
        note = "# Include the cluster's egress IP (outbound type loadBalancer adds it automatically)."
    return note + "\n" + " \\\n  ".join(command) + "\n"
