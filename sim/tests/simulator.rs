//! The simulator on its own: its API server driven by kube's client and the real kubectl, its
//! port-forward and `pods/proxy`, its proxies' admin endpoints, and benchmark scale.

mod support;

mod simulator {
    mod apiserver;
    mod kubectl;
    mod portforward;
    mod proxy;
    mod scale;
}
