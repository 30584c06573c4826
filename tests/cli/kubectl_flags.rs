//! kubectl's connection flags (spec §2) applied over the kubeconfig as kubectl applies them, and
//! an exec credential plugin run once per invocation and again when its token expires or is
//! refused, against the simulated API server.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{BIN, Mesh, run};

/// The binary with no kubeconfig of its own (a scratch HOME, no KUBECONFIG), to spawn.
fn bare_process(mesh: &Mesh) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", mesh.dir());
    cmd
}

/// The binary with no kubeconfig of its own (a scratch HOME, no KUBECONFIG).
fn bare(mesh: &Mesh) -> assert_cmd::Command {
    assert_cmd::Command::from_std(bare_process(mesh))
}

/// [`bare`] reading only the kubeconfig at `path`.
fn with_kubeconfig(mesh: &Mesh, path: &Path) -> assert_cmd::Command {
    let mut cmd = bare(mesh);
    cmd.arg("--kubeconfig").arg(path);
    cmd
}

/// Writes `yaml` as a kubeconfig in the mesh's scratch directory.
fn kubeconfig(mesh: &Mesh, name: &str, yaml: &str) -> PathBuf {
    let path = mesh.path(name);
    std::fs::write(&path, yaml).unwrap();
    path
}

/// The simulator's kubeconfig with `from` replaced by `to` (which must occur).
fn edited(mesh: &Mesh, from: &str, to: &str) -> String {
    let yaml = mesh.sim.kubeconfig();
    assert!(yaml.contains(from), "{from} not in {yaml}");
    yaml.replace(from, to)
}

/// The simulator's CA certificate, written to the mesh's scratch directory.
/// The simulator's kubeconfig with the user's token replaced by the exec credential plugin
/// `plugin`, written to the mesh's scratch directory as `exec`.
fn exec_kubeconfig(mesh: &Mesh, plugin: &Path) -> PathBuf {
    let yaml = edited(
        mesh,
        &format!("    token: {}\n", mesh.sim.token()),
        &format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            plugin.display()
        ),
    );
    kubeconfig(mesh, "exec", &yaml)
}

/// Writes `script` to `path` and makes it executable.
fn write_script(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn ca_file(mesh: &Mesh) -> PathBuf {
    let path = mesh.path("ca.pem");
    std::fs::write(&path, mesh.sim.ca_pem()).unwrap();
    path
}

const METRICS_WEB: [&str; 4] = ["metrics", "deploy/web", "-n", "emojivoto"];

/// Runs `metrics deploy/web` with `flags` before it; returns exit code and stderr.
fn metrics_web(mut cmd: assert_cmd::Command, flags: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = run(cmd.args(flags).args(METRICS_WEB));
    if code == 0 {
        assert!(stdout.contains("# POD web-"), "{stdout}");
    }
    (code, stderr)
}

#[test]
fn a_wrong_token_is_rejected_and_the_right_one_overrides_the_kubeconfig() {
    let mesh = Mesh::start();
    let (code, stderr) = metrics_web(mesh.cmd(), &["--token", "not-the-token"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Unauthorized"), "{stderr}");
    assert!(
        !stderr.contains("not-the-token"),
        "the token leaked: {stderr}"
    );

    let wrong = kubeconfig(
        &mesh,
        "wrong-token",
        &edited(&mesh, mesh.sim.token(), "stale-token"),
    );
    let (code, stderr) = metrics_web(with_kubeconfig(&mesh, &wrong), &[]);
    assert_eq!(code, 1, "{stderr}");
    let (code, stderr) = metrics_web(
        with_kubeconfig(&mesh, &wrong),
        &["--token", mesh.sim.token()],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn server_overrides_a_broken_kubeconfig_or_stands_in_for_a_missing_one() {
    let mesh = Mesh::start();
    let url = mesh.sim.server_url();
    let broken = kubeconfig(&mesh, "broken", &edited(&mesh, &url, "https://127.0.0.1:1"));
    let (code, stderr) = metrics_web(with_kubeconfig(&mesh, &broken), &[]);
    assert_eq!(code, 1, "{stderr}");
    let (code, stderr) = metrics_web(with_kubeconfig(&mesh, &broken), &["-s", &url]);
    assert_eq!(code, 0, "{stderr}");

    // No kubeconfig at all: the flags say everything, as `kubectl --server ... --token ...` does.
    let ca = ca_file(&mesh);
    let ca = ca.to_str().unwrap();
    let (code, stderr) = metrics_web(
        bare(&mesh),
        &[
            "--server",
            &url,
            "--token",
            mesh.sim.token(),
            "--certificate-authority",
            ca,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn certificate_flags_decide_how_the_server_is_trusted() {
    let mesh = Mesh::start();
    let yaml = mesh.sim.kubeconfig();
    let ca_line = yaml
        .lines()
        .find(|l| l.contains("certificate-authority-data"))
        .unwrap();
    let untrusted = kubeconfig(&mesh, "no-ca", &yaml.replace(ca_line, ""));
    let with = |flags: &[&str]| metrics_web(with_kubeconfig(&mesh, &untrusted), flags);
    assert_eq!(
        with(&[]).0,
        1,
        "a server signed by an unknown CA is refused"
    );
    let (code, stderr) = with(&["--insecure-skip-tls-verify"]);
    assert_eq!(code, 0, "{stderr}");
    let ca = ca_file(&mesh);
    let (code, stderr) = with(&["--certificate-authority", ca.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    // The certificate names localhost and 127.0.0.1: another name fails verification.
    let (code, stderr) = metrics_web(mesh.cmd(), &["--tls-server-name", "api.example.com"]);
    assert_eq!(code, 1, "{stderr}");
    let (code, stderr) = metrics_web(mesh.cmd(), &["--tls-server-name", "localhost"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn impersonation_flags_reach_the_api_server_as_headers() {
    let mesh = Mesh::start();
    assert!(mesh.sim.impersonation_headers().is_empty());
    let (code, stderr) = metrics_web(
        mesh.cmd(),
        &[
            "--as",
            "alice",
            "--as-group",
            "devs",
            "--as-group",
            "ops",
            "--as-uid",
            "1001",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        mesh.sim.impersonation_headers(),
        [
            "impersonate-group: devs",
            "impersonate-group: ops",
            "impersonate-uid: 1001",
            "impersonate-user: alice",
        ]
    );
}

#[test]
fn cluster_and_user_pick_other_kubeconfig_entries() {
    let mesh = Mesh::start();
    let url = mesh.sim.server_url();
    // The context's cluster and user are broken; entries named `good` are not.
    let yaml = edited(&mesh, &url, "https://127.0.0.1:1").replace(mesh.sim.token(), "stale");
    let good = mesh.sim.kubeconfig();
    let cluster_entry =
        &good[good.find("- name: sim\n  cluster:").unwrap()..good.find("users:").unwrap()];
    let user_entry =
        &good[good.find("- name: sim\n  user:").unwrap()..good.find("contexts:").unwrap()];
    let yaml = yaml
        .replace(
            "users:\n",
            &format!(
                "{}users:\n",
                cluster_entry.replace("name: sim", "name: good")
            ),
        )
        .replace(
            "contexts:\n",
            &format!(
                "{}contexts:\n",
                user_entry.replace("name: sim", "name: good")
            ),
        );
    let path = kubeconfig(&mesh, "two-of-each", &yaml);
    let with = |flags: &[&str]| metrics_web(with_kubeconfig(&mesh, &path), flags);
    assert_eq!(with(&[]).0, 1);
    assert_eq!(with(&["--cluster", "good"]).0, 1, "the user is still stale");
    let (code, stderr) = with(&["--cluster", "good", "--user", "good"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = with(&["--cluster", "nosuch"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cluster \"nosuch\" not found in kubeconfig"),
        "{stderr}"
    );
}

#[test]
fn request_timeout_bounds_each_api_call() {
    let mesh = Mesh::builder().latency(Duration::from_millis(1500)).start();
    let (code, stderr) = metrics_web(mesh.cmd(), &["--request-timeout", "200ms"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.to_lowercase().contains("timed out"), "{stderr}");
    // `0` is kubectl's "no deadline".
    let (code, stderr) = metrics_web(mesh.cmd(), &["--request-timeout", "0"]);
    assert_eq!(code, 0, "{stderr}");
}

/// An exec credential plugin that counts its runs in `runs` and hands out `token`.
fn exec_plugin(dir: &Path, token: &str) -> (PathBuf, PathBuf) {
    let runs = dir.join("exec-runs");
    let plugin = dir.join("credential-plugin");
    write_script(
        &plugin,
        &format!(
            "#!/bin/sh\n\
             echo run >> '{runs}'\n\
             printf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n",
            runs = runs.display()
        ),
    );
    (plugin, runs)
}

#[test]
fn an_exec_credential_plugin_runs_once_per_invocation() {
    let mesh = Mesh::start();
    let (plugin, runs) = exec_plugin(mesh.dir(), mesh.sim.token());
    let path = exec_kubeconfig(&mesh, &plugin);
    let (code, stderr) = metrics_web(with_kubeconfig(&mesh, &path), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\n");
}

#[test]
fn a_failing_exec_credential_plugin_is_named() {
    let mesh = Mesh::start();
    let plugin = mesh.path("broken-plugin");
    write_script(
        &plugin,
        "#!/bin/sh\necho 'session expired: run sso login' >&2\nexit 3\n",
    );
    let path = exec_kubeconfig(&mesh, &plugin);
    let (code, stderr) = metrics_web(with_kubeconfig(&mesh, &path), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr
                .contains("broken-plugin failed (exit status: 3): session expired: run sso login"),
        "{stderr}"
    );
}

#[test]
fn client_certificate_flags_are_read_as_files() {
    let mesh = Mesh::start();
    let cert = mesh.path("missing-cert.pem");
    let key = mesh.path("missing-key.pem");
    let (code, stderr) = metrics_web(
        mesh.cmd(),
        &[
            "--client-certificate",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("missing-cert.pem"),
        "{stderr}"
    );
}

/// An exec credential plugin that counts its runs in `runs` and prints token `rot-N` (its Nth
/// run), with `-E` appended and an `expirationTimestamp` of E when `lifetime` (seconds) is given,
/// E being that many seconds from now as a Unix time.
fn rotating_plugin(dir: &Path, lifetime: Option<u32>) -> (PathBuf, PathBuf) {
    let runs = dir.join("rotating-runs");
    let plugin = dir.join("rotating-plugin");
    let status = match lifetime {
        Some(secs) => format!(
            "e=$(( $(date +%s) + {secs} ))\n\
             status=\"{{\\\"token\\\":\\\"rot-$n-$e\\\",\\\"expirationTimestamp\\\":\\\"$(date -u -d @$e +%Y-%m-%dT%H:%M:%SZ)\\\"}}\"\n"
        ),
        None => "status=\"{\\\"token\\\":\\\"rot-$n\\\"}\"\n".to_string(),
    };
    write_script(
        &plugin,
        &format!(
            "#!/bin/sh\n\
             echo run >> '{runs}'\n\
             n=$(wc -l < '{runs}' | tr -d ' ')\n\
             {status}\
             printf '%s' \"{{\\\"apiVersion\\\":\\\"client.authentication.k8s.io/v1\\\",\\\"kind\\\":\\\"ExecCredential\\\",\\\"status\\\":$status}}\"\n",
            runs = runs.display()
        ),
    );
    (plugin, runs)
}

/// How many times the plugin ran.
fn runs(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

/// `export --serve` of the emojivoto namespace with the user's credential from `plugin`, killed
/// when dropped; its stderr goes to the mesh's `serve.err`.
struct Served {
    child: std::process::Child,
    addr: String,
    stderr: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(mesh: &Mesh, plugin: &Path) -> Served {
        use std::io::BufRead as _;
        let path = exec_kubeconfig(mesh, plugin);
        let stderr = mesh.path("serve.err");
        let mut child = bare_process(mesh)
            .arg("--kubeconfig")
            .arg(&path)
            .args(["export", "-n", "emojivoto", "--serve", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        Served {
            child,
            addr: first.trim().to_string(),
            stderr,
        }
    }

    /// Whether one scrape of the export served the web pods' metrics; panics with the answer and
    /// the export's stderr when `must` and it did not.
    fn scrape(&self, must: bool) -> bool {
        let (status, body) = crate::support::prometheus::get(&self.addr, "/metrics").unwrap();
        let served = status == 200 && body.contains("pod=\"web-");
        assert!(
            served || !must,
            "status {status}: {body}\nstderr: {}",
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        );
        served
    }

    /// Scrapes every 100 ms until a scrape's [`Served::scrape`] answer is `served`; fails the
    /// test with "never renewed" when none is within `limit`.
    fn scrape_until(&self, served: bool, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while self.scrape(false) != served {
            assert!(std::time::Instant::now() < deadline, "never renewed");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Parses the Unix time at the end of a `rot-N-E` token.
fn token_expiry(token: &str) -> Option<u64> {
    token.strip_prefix("rot-")?.rsplit_once('-')?.1.parse().ok()
}

#[test]
fn an_expiring_exec_credential_is_renewed_before_it_expires() {
    let mesh = Mesh::start();
    // The API server takes a `rot-N-E` token until the Unix time E.
    mesh.sim.accept_tokens(|token| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        token_expiry(token).is_some_and(|expires| now < expires)
    });
    let (plugin, runs_file) = rotating_plugin(mesh.dir(), Some(4));
    let served = Served::start(&mesh, &plugin);
    // Every scrape succeeds through two expiries (about 8 seconds).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while runs(&runs_file) < 3 && std::time::Instant::now() < deadline {
        served.scrape(true);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        runs(&runs_file) >= 3,
        "the plugin ran {} times",
        runs(&runs_file)
    );
    served.scrape(true);
}

#[test]
fn a_refused_exec_credential_is_renewed_once() {
    let mesh = Mesh::start();
    // The API server takes `rot-N` tokens from the Nth run of the plugin on.
    let first_valid = Arc::new(AtomicUsize::new(1));
    let valid = first_valid.clone();
    mesh.sim.accept_tokens(move |token| {
        token
            .strip_prefix("rot-")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n >= valid.load(Ordering::SeqCst))
    });
    let (plugin, runs_file) = rotating_plugin(mesh.dir(), None);
    let served = Served::start(&mesh, &plugin);
    served.scrape(true);
    served.scrape(true);
    assert_eq!(runs(&runs_file), 1, "a token that does not expire is kept");

    // The token is revoked: a refused request runs the plugin again, and later scrapes succeed.
    first_valid.store(2, Ordering::SeqCst);
    served.scrape_until(true, Duration::from_secs(30));
    served.scrape(true);
    assert_eq!(runs(&runs_file), 2);

    // Every token is refused: the plugin runs once for the refused token, not once per request.
    first_valid.store(usize::MAX, Ordering::SeqCst);
    for _ in 0..4 {
        assert!(!served.scrape(false));
    }
    assert_eq!(runs(&runs_file), 3);
}

#[test]
fn an_exec_credential_that_cannot_be_renewed_is_named() {
    let mesh = Mesh::start();
    mesh.sim
        .accept_tokens(|token| token_expiry(token).is_some());
    let runs_file = mesh.path("failing-runs");
    let plugin = mesh.path("expiring-then-failing-plugin");
    // The first run hands out a token that expires in 2 seconds; later runs fail.
    write_script(
        &plugin,
        &format!(
            "#!/bin/sh\n\
             echo run >> '{runs}'\n\
             if [ \"$(wc -l < '{runs}' | tr -d ' ')\" -gt 1 ]; then echo 'session expired: run sso login' >&2; exit 3; fi\n\
             e=$(( $(date +%s) + 2 ))\n\
             printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"rot-1-%s\",\"expirationTimestamp\":\"%s\"}}}}' $e \"$(date -u -d @$e +%Y-%m-%dT%H:%M:%SZ)\"\n",
            runs = runs_file.display()
        ),
    );
    let served = Served::start(&mesh, &plugin);
    served.scrape(true);
    served.scrape_until(false, Duration::from_secs(30));
    let (status, body) = crate::support::prometheus::get(&served.addr, "/metrics").unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body.trim(),
        format!(
            "the targets' pods cannot be listed: cannot list pods in namespace \"emojivoto\": \
             cannot renew the credential: the exec credential plugin {} failed (exit status: 3): \
             session expired: run sso login",
            plugin.display()
        )
    );
    assert!(!body.contains("rot-1"), "the token leaked: {body}");
}
