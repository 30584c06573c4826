//! Connecting to the cluster: kubeconfig, context and default namespace, with kubectl's precedence.
