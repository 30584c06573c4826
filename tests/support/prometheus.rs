//! A real Prometheus (Debian's `/usr/bin/prometheus`) started for one test in its own directory
//! and port, polled until ready, killed on drop; plus a blocking HTTP GET for its APIs and
//! promtool's backfill.
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Prometheus.
pub struct Prometheus {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    dir: tempfile::TempDir,
    /// The command line it was started with, to start it again.
    args: Vec<String>,
}

impl Prometheus {
    /// Starts Prometheus with the remote-write receiver on, a 1s scrape interval and the given
    /// `scrape_configs` entries (YAML sequence items at column 0, or empty), then waits until
    /// `/-/ready` answers 200.
    pub fn start(scrape_configs: &str) -> Prometheus {
        Prometheus::start_with(scrape_configs, true)
    }

    /// [`Prometheus::start`] without scrape jobs, on an existing data directory (blocks made by
    /// `promtool tsdb create-blocks-from`).
    pub fn start_on(data: &Path) -> Prometheus {
        Prometheus::launch("", true, Some(data))
    }

    /// [`Prometheus::start`], with the remote-write receiver on or off.
    pub fn start_with(scrape_configs: &str, remote_write_receiver: bool) -> Prometheus {
        Prometheus::launch(scrape_configs, remote_write_receiver, None)
    }

    fn launch(
        scrape_configs: &str,
        remote_write_receiver: bool,
        data: Option<&Path>,
    ) -> Prometheus {
        let mut dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:{}",
            if scrape_configs.trim().is_empty() {
                " []\n".to_string()
            } else {
                format!("\n{scrape_configs}")
            }
        );
        std::fs::write(dir.path().join("prometheus.yml"), config).expect("write config");
        let mut last_log = String::new();
        for _ in 0..3 {
            let addr = free_addr();
            let mut args = vec![
                format!(
                    "--config.file={}",
                    dir.path().join("prometheus.yml").display()
                ),
                format!(
                    "--storage.tsdb.path={}",
                    data.map_or_else(|| dir.path().join("data"), Path::to_path_buf)
                        .display()
                ),
                format!("--web.listen-address={addr}"),
                "--log.level=warn".to_string(),
            ];
            if remote_write_receiver {
                args.push("--web.enable-remote-write-receiver".to_string());
            }
            let child = spawn(&args, dir.path());
            let mut prometheus = Prometheus {
                child,
                addr,
                dir,
                args,
            };
            if prometheus.wait_ready(Duration::from_secs(60)) {
                return prometheus;
            }
            last_log = prometheus.log();
            dir = prometheus.into_dir();
        }
        panic!("prometheus did not become ready:\n{last_log}");
    }

    /// Stops it as a service manager would (SIGTERM, then waits for it to exit): its address
    /// refuses connections until [`Prometheus::restart`].
    pub fn stop(&mut self) {
        let stopped = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(stopped.success());
        self.child.wait().expect("prometheus exits");
    }

    /// Starts it again after [`Prometheus::stop`], on the same address, config and data, and
    /// waits until it is ready.
    pub fn restart(&mut self) {
        self.child = spawn(&self.args, self.dir.path());
        assert!(
            self.wait_ready(Duration::from_secs(60)),
            "prometheus did not come back:\n{}",
            self.log()
        );
    }

    fn into_dir(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        answers_ok(&mut self.child, &self.addr, "/-/ready", limit)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The directory holding its config and data.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `GET /api/v1/query?query=QUERY` (at `time`, seconds, if given): the `data.result` array.
    pub fn query(&self, query: &str, time: Option<f64>) -> Vec<serde_json::Value> {
        instant_query(&self.addr, query, time, &[])
    }

    /// Polls `query` until `done` accepts its result or `limit` passes; returns the last result.
    pub fn query_until(
        &self,
        query: &str,
        limit: Duration,
        done: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        poll_until(limit, || self.query(query, None), done)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Prometheus with `args`, appending its log to `dir`/prometheus.log.
fn spawn(args: &[String], dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("prometheus.log"))
        .expect("log file");
    Command::new(prometheus_binary())
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start prometheus (apt-get install prometheus)")
}

fn prometheus_binary() -> PathBuf {
    std::env::var_os("PROMETHEUS").map_or_else(|| PathBuf::from("prometheus"), PathBuf::from)
}

/// Runs `promtool` (Debian's, on PATH) with `args`, `stdin` written to it: its exit code and its
/// stdout and stderr together. Fails the test when promtool cannot run.
pub fn promtool(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool (apt-get install prometheus)");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("promtool's stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write to promtool");
        }
    }
    let out = child.wait_with_output().expect("promtool ends");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// `promtool tsdb create-blocks-from openmetrics FILE BLOCKS`: backfills an OpenMetrics file into
/// TSDB blocks, asserting promtool accepts it (its stderr in the failure message).
pub fn backfill(file: &Path, blocks: &Path) {
    let output = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(file)
        .arg(blocks)
        .output()
        .expect("run promtool");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A loopback address whose port was free a moment ago.
/// `GET /api/v1/query?query=QUERY` (at `time`, seconds, if given, and with `extra` parameters)
/// of the Prometheus HTTP API at `addr`, which VictoriaMetrics serves too: the `data.result`
/// array.
pub fn instant_query(
    addr: &str,
    query: &str,
    time: Option<f64>,
    extra: &[(&str, &str)],
) -> Vec<serde_json::Value> {
    let mut params = form_urlencoded::Serializer::new(String::new());
    params.append_pair("query", query);
    if let Some(time) = time {
        params.append_pair("time", &format!("{time:.3}"));
    }
    params.extend_pairs(extra);
    let path = format!("/api/v1/query?{}", params.finish());
    let (status, body) = get(addr, &path).expect("query");
    assert_eq!(status, 200, "query {query}: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    json["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Calls `fetch` every 200 ms until `done` accepts what it gives or `limit` passes; returns the
/// last.
pub fn poll_until<T>(
    limit: Duration,
    mut fetch: impl FnMut() -> Vec<T>,
    done: impl Fn(&[T]) -> bool,
) -> Vec<T> {
    let deadline = Instant::now() + limit;
    loop {
        let result = fetch();
        if done(&result) || Instant::now() >= deadline {
            return result;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `GET path` on `addr` every 100 ms until it answers 200 (`true`), or `child` (the
/// server) exits or `limit` passes (`false`).
pub fn answers_ok(child: &mut Child, addr: &str, path: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if matches!(get(addr, path), Ok((200, _))) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

pub fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// A blocking `GET` over HTTP/1.0: status and body.
pub fn get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}
