//! Fault injection (`--fault KIND:GLOB`): what each fault kind does and which pods it applies to.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use globset::{Glob, GlobMatcher};

/// What goes wrong for a faulted pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// The kubelet cannot connect to the proxy: its error text arrives on the port-forward error
    /// channel and no data flows (`pods/proxy` answers 503 ServiceUnavailable).
    Refuse,
    /// `pods/portforward` and `pods/proxy` answer 403 Forbidden (`metav1.Status`), as without RBAC:
    /// `cannot get resource "pods/portforward"` (the WebSocket upgrade is a GET), and for
    /// `pods/proxy` the forbidden name is `NAME:PORT`.
    Forbid,
    /// A Kubernetes 1.35+ API server whose RBAC grants `get` but not `create` on
    /// `pods/portforward`: the port-forward answers 403 with an empty reason after
    /// `pods "NAME" is forbidden: `; `pods/proxy` is unaffected.
    ForbidCreate,
    /// The API server cannot dial the pod's kubelet: the port-forward answers 500
    /// `error dialing backend: ...`; `pods/proxy` (which dials the pod) is unaffected.
    KubeletDown,
    /// `pods/portforward` and `pods/proxy` answer 404 NotFound as if the pod were gone; the pod
    /// still appears in lists.
    NotFound,
    /// The proxy answers `/metrics` after this delay.
    Slow(Duration),
    /// The proxy answers `/metrics` with this HTTP status and a short text body.
    Status(u16),
    /// The proxy answers `/metrics` with 200 and a malformed exposition body.
    Garbage,
    /// The proxy answers `/metrics` with a valid body of about this many MiB (never gzipped).
    Huge(u32),
    /// The proxy drops the connection halfway through the `/metrics` body.
    Reset,
    /// The proxy restarts right after serving each `/metrics` response: the next scrape sees
    /// counters that grew only since the previous scrape and a new `process_start_time_seconds`.
    Restart,
    /// The proxy's identity certificate expires this many seconds after each scrape (negative:
    /// it expired that long before).
    CertExpiry(i64),
    /// The proxy reports this version in `proxy_build_info`.
    Version(String),
    /// The proxy sends to meshed destinations without mTLS: its outbound series say
    /// `tls="no_identity",no_tls_reason="not_provided_by_service_discovery"`.
    NoTls,
    /// The proxy's authorization policy denies a share of its inbound requests
    /// (`inbound_http_authz_deny_total`).
    Deny,
    /// The proxy's outbound balancers have no ready endpoints:
    /// `outbound_http_balancer_endpoints{endpoint_state="ready"}` is 0 for each service it calls.
    NoEndpoints,
    /// The proxy also calls `legacy-app` in `default`, a deployment outside the mesh, at
    /// [`UNMESHED_RPS`](super::mesh::UNMESHED_RPS): `tls="no_identity"`, no `server_id`.
    Unmeshed,
}

/// One injected fault: a kind and the pod-name glob it applies to.
#[derive(Debug, Clone)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    glob: String,
    matcher: GlobMatcher,
}

impl Fault {
    /// A fault of `kind` for every pod whose name matches `glob` (globset syntax).
    pub fn new(kind: FaultKind, glob: &str) -> Result<Fault, String> {
        let matcher = Glob::new(glob)
            .map_err(|e| format!("invalid pod glob {glob:?}: {}", e.kind()))?
            .compile_matcher();
        Ok(Fault {
            kind,
            glob: glob.to_string(),
            matcher,
        })
    }

    /// The pod-name glob.
    pub fn glob(&self) -> &str {
        &self.glob
    }

    /// Whether this fault applies to the pod named `pod`.
    pub fn matches(&self, pod: &str) -> bool {
        self.matcher.is_match(pod)
    }
}

impl PartialEq for Fault {
    fn eq(&self, other: &Fault) -> bool {
        self.kind == other.kind && self.glob == other.glob
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            FaultKind::Refuse => "refuse".to_string(),
            FaultKind::Forbid => "forbid".to_string(),
            FaultKind::ForbidCreate => "nocreate".to_string(),
            FaultKind::KubeletDown => "kubeletdown".to_string(),
            FaultKind::NotFound => "notfound".to_string(),
            FaultKind::Slow(d) => format!("slow={}", humantime::format_duration(*d)),
            FaultKind::Status(code) => format!("status={code}"),
            FaultKind::Garbage => "garbage".to_string(),
            FaultKind::Huge(mib) => format!("huge={mib}"),
            FaultKind::Reset => "reset".to_string(),
            FaultKind::Restart => "restart".to_string(),
            FaultKind::CertExpiry(secs) => format!(
                "certexpiry={}{}",
                if *secs < 0 { "-" } else { "" },
                humantime::format_duration(Duration::from_secs(secs.unsigned_abs()))
            ),
            FaultKind::Version(v) => format!("version={v}"),
            FaultKind::NoTls => "notls".to_string(),
            FaultKind::Deny => "deny".to_string(),
            FaultKind::NoEndpoints => "noendpoints".to_string(),
            FaultKind::Unmeshed => "unmeshed".to_string(),
        };
        write!(f, "{kind}:{}", self.glob)
    }
}

impl FromStr for Fault {
    type Err = String;

    /// Parses `KIND[=ARG][:GLOB]`; without a glob the fault applies to every pod.
    fn from_str(s: &str) -> Result<Fault, String> {
        let (kind, glob) = s.split_once(':').unwrap_or((s, "*"));
        let (name, arg) = match kind.split_once('=') {
            Some((name, arg)) => (name, Some(arg)),
            None => (kind, None),
        };
        let kind = match (name, arg) {
            ("refuse", None) => FaultKind::Refuse,
            ("forbid", None) => FaultKind::Forbid,
            ("nocreate", None) => FaultKind::ForbidCreate,
            ("kubeletdown", None) => FaultKind::KubeletDown,
            ("notfound", None) => FaultKind::NotFound,
            ("garbage", None) => FaultKind::Garbage,
            ("reset", None) => FaultKind::Reset,
            ("restart", None) => FaultKind::Restart,
            ("notls", None) => FaultKind::NoTls,
            ("deny", None) => FaultKind::Deny,
            ("noendpoints", None) => FaultKind::NoEndpoints,
            ("unmeshed", None) => FaultKind::Unmeshed,
            ("certexpiry", Some(d)) => FaultKind::CertExpiry(signed_seconds(d).ok_or_else(|| {
                format!("invalid duration {d:?} in fault {s:?} (try certexpiry=2h, or certexpiry=-1h for expired)")
            })?),
            ("version", Some(v)) if !v.is_empty() && !v.contains(['"', '\\', '\n']) => {
                FaultKind::Version(v.to_string())
            }
            ("version", Some(v)) => {
                return Err(format!(
                    "invalid version {v:?} in fault {s:?} (try version=edge-25.1.1)"
                ));
            }
            ("slow", Some(d)) => FaultKind::Slow(
                humantime::parse_duration(d)
                    .map_err(|_| format!("invalid duration {d:?} in fault {s:?} (try slow=2s)"))?,
            ),
            ("status", Some(code)) => FaultKind::Status(
                code.parse()
                    .ok()
                    .filter(|c| (100..=599).contains(c))
                    .ok_or_else(|| {
                        format!("invalid HTTP status {code:?} in fault {s:?} (try status=503)")
                    })?,
            ),
            ("huge", Some(mib)) => FaultKind::Huge(
                mib.parse()
                    .ok()
                    .filter(|m| (1..=4096).contains(m))
                    .ok_or_else(|| {
                        format!("invalid size {mib:?} in fault {s:?} (MiB, 1 to 4096)")
                    })?,
            ),
            ("slow" | "status" | "huge" | "certexpiry" | "version", None) => {
                return Err(format!(
                    "fault {name:?} needs a value, e.g. slow=2s, status=503, huge=80, certexpiry=2h, version=edge-25.1.1"
                ));
            }
            (
                "refuse" | "forbid" | "nocreate" | "kubeletdown" | "notfound" | "garbage" | "reset"
                | "restart" | "notls" | "deny" | "noendpoints" | "unmeshed",
                Some(_),
            ) => {
                return Err(format!("fault {name:?} takes no value"));
            }
            _ => {
                return Err(format!(
                    "unknown fault {name:?} (expected refuse, forbid, nocreate, kubeletdown, notfound, slow=DUR, status=CODE, garbage, huge=MIB, reset, restart, certexpiry=DUR, version=V, notls, deny, noendpoints or unmeshed)"
                ));
            }
        };
        if glob.is_empty() {
            return Err(format!("empty pod glob in fault {s:?}"));
        }
        Fault::new(kind, glob)
    }
}

/// `2h`, `-30m`: whole seconds, negative with a leading `-`.
fn signed_seconds(text: &str) -> Option<i64> {
    let (sign, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let secs = humantime::parse_duration(magnitude).ok()?.as_secs();
    i64::try_from(secs).ok().map(|s| sign * s)
}

/// The faults that apply to one pod, resolved once when the simulation starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodFaults {
    /// Port-forward yields the kubelet's connection error.
    pub refuse: bool,
    /// Port-forward and proxy answer 403.
    pub forbid: bool,
    /// Port-forward answers 403 with an empty reason (1.35+, `create` missing).
    pub forbid_create: bool,
    /// Port-forward answers 500: the kubelet cannot be dialed.
    pub kubelet_down: bool,
    /// Port-forward and proxy answer 404.
    pub not_found: bool,
    /// Delay before the proxy answers `/metrics`.
    pub slow: Option<Duration>,
    /// HTTP status the proxy answers `/metrics` with.
    pub status: Option<u16>,
    /// Malformed `/metrics` body.
    pub garbage: bool,
    /// `/metrics` body of about this many MiB.
    pub huge_mib: Option<u32>,
    /// Connection dropped mid-body.
    pub reset: bool,
    /// Restart after each `/metrics` response.
    pub restart: bool,
    /// Seconds from a scrape to the identity certificate's expiry.
    pub cert_expiry: Option<i64>,
    /// The version `proxy_build_info` reports.
    pub version: Option<String>,
    /// Outbound traffic to meshed destinations without mTLS.
    pub notls: bool,
    /// Inbound requests denied by authorization policy.
    pub deny: bool,
    /// Outbound balancers without ready endpoints.
    pub no_endpoints: bool,
    /// Also calls a destination outside the mesh.
    pub unmeshed: bool,
}

impl PodFaults {
    /// Every fault in `faults` that matches `pod`, later faults overriding earlier values.
    pub fn for_pod(faults: &[Fault], pod: &str) -> PodFaults {
        let mut out = PodFaults::default();
        for fault in faults.iter().filter(|f| f.matches(pod)) {
            match &fault.kind {
                FaultKind::Refuse => out.refuse = true,
                FaultKind::Forbid => out.forbid = true,
                FaultKind::ForbidCreate => out.forbid_create = true,
                FaultKind::KubeletDown => out.kubelet_down = true,
                FaultKind::NotFound => out.not_found = true,
                FaultKind::Slow(d) => out.slow = Some(*d),
                FaultKind::Status(c) => out.status = Some(*c),
                FaultKind::Garbage => out.garbage = true,
                FaultKind::Huge(m) => out.huge_mib = Some(*m),
                FaultKind::Reset => out.reset = true,
                FaultKind::Restart => out.restart = true,
                FaultKind::CertExpiry(secs) => out.cert_expiry = Some(*secs),
                FaultKind::Version(v) => out.version = Some(v.clone()),
                FaultKind::NoTls => out.notls = true,
                FaultKind::Deny => out.deny = true,
                FaultKind::NoEndpoints => out.no_endpoints = true,
                FaultKind::Unmeshed => out.unmeshed = true,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let cases = [
            ("refuse:web-*", FaultKind::Refuse, "web-*"),
            ("forbid", FaultKind::Forbid, "*"),
            ("nocreate:web-*", FaultKind::ForbidCreate, "web-*"),
            ("kubeletdown", FaultKind::KubeletDown, "*"),
            ("notfound:x", FaultKind::NotFound, "x"),
            (
                "slow=2s:emoji-*",
                FaultKind::Slow(Duration::from_secs(2)),
                "emoji-*",
            ),
            ("status=503:voting-*", FaultKind::Status(503), "voting-*"),
            ("garbage", FaultKind::Garbage, "*"),
            ("huge=80:web-*", FaultKind::Huge(80), "web-*"),
            ("reset:a?", FaultKind::Reset, "a?"),
            ("restart:*", FaultKind::Restart, "*"),
            ("certexpiry=2h:web-*", FaultKind::CertExpiry(7200), "web-*"),
            ("certexpiry=-30m", FaultKind::CertExpiry(-1800), "*"),
            (
                "version=edge-24.1.1:emoji-*",
                FaultKind::Version("edge-24.1.1".into()),
                "emoji-*",
            ),
            ("notls:web-*", FaultKind::NoTls, "web-*"),
            ("deny:voting-*", FaultKind::Deny, "voting-*"),
            ("noendpoints:web-*", FaultKind::NoEndpoints, "web-*"),
            ("unmeshed:web-*", FaultKind::Unmeshed, "web-*"),
        ];
        for (text, kind, glob) in cases {
            let fault: Fault = text.parse().unwrap();
            assert_eq!(fault.kind, kind, "{text}");
            assert_eq!(fault.glob(), glob, "{text}");
            assert_eq!(fault.to_string().parse::<Fault>().unwrap(), fault);
        }
    }

    #[test]
    fn rejects_bad_input_with_lower_case_messages() {
        for bad in [
            "explode:x",
            "slow:x",
            "slow=soon:x",
            "status=99:x",
            "huge=0:x",
            "refuse=1:x",
            "nocreate=1:x",
            "certexpiry:x",
            "certexpiry=soon:x",
            "version=:x",
            "version=a\"b:x",
            "notls=1:x",
            "deny=1:x",
            "noendpoints=1:x",
            "unmeshed=1:x",
            "refuse:",
            "refuse:[a",
        ] {
            let err = bad.parse::<Fault>().unwrap_err();
            assert!(err.chars().next().unwrap().is_lowercase(), "{bad}: {err}");
        }
    }

    #[test]
    fn globs_match_pod_names() {
        let faults: Vec<Fault> = ["refuse:web-*", "slow=1s:*-0", "status=500:web-1*"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let web = PodFaults::for_pod(&faults, "web-10");
        assert!(web.refuse);
        assert_eq!(web.status, Some(500));
        assert_eq!(web.slow, None);
        let db = PodFaults::for_pod(&faults, "db-0");
        assert!(!db.refuse);
        assert_eq!(db.slow, Some(Duration::from_secs(1)));
    }
}
