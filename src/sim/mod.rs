//! The simulated mesh (spec §8): a loopback Kubernetes API server with meshed Linkerd proxies.
