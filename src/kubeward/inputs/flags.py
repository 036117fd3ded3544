"""Command lines as the components' flag parser (spf13/pflag) reads them.

Two pflag rules matter for verdicts and are easy to get wrong:

* a boolean flag never takes the next word as its value: ``--anonymous-auth false`` sets the flag
  to *true* and leaves ``false`` as a stray argument; only ``--anonymous-auth=false`` turns it off;
* a non-boolean flag written as ``--name value`` takes the next word.

Repetition (last wins for scalars, accumulation for list flags) is resolved in ``kubeward.resolve``.
"""

from collections.abc import Callable, Sequence

from kubeward.inventory.components import Flag
from kubeward.inventory.provenance import Provenance

# Boolean flags of kube-apiserver and kubelet that a scanner reads or that commonly appear in the
# command lines it parses (from each component's --help). Unknown flags are treated as taking a value.
BOOLEAN_FLAGS = frozenset(
    {
        # kube-apiserver
        "anonymous-auth",
        "profiling",
        "contention-profiling",
        "enable-priority-and-fairness",
        "allow-privileged",
        "enable-bootstrap-token-auth",
        "service-account-lookup",
        "service-account-extend-token-expiration",
        "enable-aggregator-routing",
        "enable-garbage-collector",
        "enable-logs-handler",
        "audit-log-compress",
        "audit-log-truncate-enabled",
        "audit-webhook-truncate-enabled",
        "audit-log-batch-throttle-enable",
        "audit-webhook-batch-throttle-enable",
        "kubelet-https",
        "event-ttl-enabled",
        "oidc-insecure-skip-verify",
        "enable-admission-plugins-all",
        "delete-collection-workers-enabled",
        "watch-cache",
        "strict-transport-security-directives-enabled",
        "permit-port-sharing",
        "permit-address-sharing",
        "goaway-chance-enabled",
        "storage-media-type-protobuf",
        "v",
        # kubelet
        "authentication-token-webhook",
        "rotate-certificates",
        "rotate-server-certificates",
        "protect-kernel-defaults",
        "make-iptables-util-chains",
        "fail-swap-on",
        "enable-server",
        "enable-debugging-handlers",
        "cgroups-per-qos",
        "register-node",
        "register-schedulable",
        "serialize-image-pulls",
        "enable-controller-attach-detach",
        "exit-on-lock-contention",
        "keep-terminated-pod-volumes",
        "kernel-memcg-notification",
        "local-storage-capacity-isolation",
        "hairpin-mode-enabled",
        "allow-privileged-kubelet",
    }
)
# "v" is a verbosity level (an integer), not a boolean; keep it out of the set above's effect.
_VALUE_FLAGS_OVERRIDE = frozenset({"v"})


def is_boolean(name: str) -> bool:
    """True when pflag parses ``name`` as a boolean flag."""
    return name in BOOLEAN_FLAGS and name not in _VALUE_FLAGS_OVERRIDE


def parse_flags(
    argv: Sequence[str],
    provenance_of: Callable[[int], Provenance],
    *,
    skip_program: bool = True,
) -> tuple[list[Flag], list[str]]:
    """Parse a command line into flags (in order) and stray positional words.

    ``provenance_of(i)`` gives the provenance of word ``i`` (its line in a manifest, its index in a
    mirror pod's ``command``). The first word is the program name when ``skip_program`` is set and
    it does not start with ``-``.
    """
    flags: list[Flag] = []
    positional: list[str] = []
    start = 1 if skip_program and argv and not argv[0].startswith("-") else 0
    i = start
    while i < len(argv):
        word = argv[i]
        if word == "--":
            positional.extend(argv[i + 1 :])
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            i += 1
            continue
        body = word.lstrip("-")
        if "=" in body:
            name, value = body.split("=", 1)
            flags.append(Flag(name=name, value=value, provenance=provenance_of(i)))
            i += 1
            continue
        name = body
        if is_boolean(name):
            flags.append(Flag(name=name, value="true", provenance=provenance_of(i)))
            i += 1
            continue
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            flags.append(Flag(name=name, value=argv[i + 1], provenance=provenance_of(i)))
            i += 2
            continue
        # A value flag at the end: pflag reports "flag needs an argument". Followed by another
        # flag, pflag would take that flag as the value; we do not, because a boolean missing from
        # BOOLEAN_FLAGS would then swallow the next flag and hide its setting. Either way the flag
        # is kept with an empty value so the resolver can say so.
        flags.append(Flag(name=name, value="", provenance=provenance_of(i)))
        i += 1
    return flags, positional


def parse_arg_list(
    entries: Sequence[object], provenance_of: Callable[[int], Provenance]
) -> tuple[list[Flag], list[str]]:
    """Parse k3s/RKE2 ``kube-apiserver-arg`` style lists (``name=value`` without dashes).

    k3s prepends ``--`` to each entry itself, so an entry written with dashes is kept as given.
    Non-string entries are reported back as problems.
    """
    flags: list[Flag] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or not entry.strip():
            problems.append(f"entry {index} is not a 'name=value' string: {entry!r}")
            continue
        body = entry.strip().lstrip("-")
        name, sep, value = body.partition("=")
        flags.append(Flag(name=name, value=value if sep else "true", provenance=provenance_of(index)))
    return flags, problems
