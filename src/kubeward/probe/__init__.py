"""Outside-in: unauthenticated, read-only probes of the API server, kubelet, etcd and legacy ports.

Every request is a GET without credentials to a fixed catalog of read-only paths (``catalog``);
nothing is written and nothing is exploited. Verdicts follow what the answer means for that
endpoint: 401 is authentication required, 403 is an anonymous request that authorization refused
(anonymous authentication is *on*), 2xx with data is anonymous access — except for the health and
discovery endpoints Kubernetes serves anonymously by design.
"""
