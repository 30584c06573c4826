//! Shell completion: clap_complete scripts and the `kubectl_complete-linkerd_export` helper protocol.
