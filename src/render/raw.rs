//! `-o raw`: per-pod bodies in `linkerd diagnostics proxy-metrics` layout.
