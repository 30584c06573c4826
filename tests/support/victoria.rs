//! A real VictoriaMetrics (Debian's `/usr/bin/victoria-metrics`), the second and stricter
//! remote-write receiver, started for one test in its own directory and port, polled until ready,
//! killed on drop; plus its raw samples (`/api/v1/export`) and queries (`/api/v1/query`).
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::prometheus::{answers_ok, free_addr, get, instant_query, poll_until};

/// A running VictoriaMetrics.
pub struct Victoria {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    dir: tempfile::TempDir,
}

/// One series as `/api/v1/export` gives it: every raw sample stored, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// Its labels, `__name__` included.
    pub labels: BTreeMap<String, String>,
    /// The values, `±Inf` and `NaN` as floats.
    pub values: Vec<f64>,
    /// Milliseconds since the Unix epoch, one per value.
    pub timestamps: Vec<i64>,
}

impl Victoria {
    /// Starts VictoriaMetrics on an empty data directory and a free port, then waits until
    /// `/health` answers 200.
    pub fn start() -> Victoria {
        let mut last_log = String::new();
        // A port found free can be taken before the server binds it: try another.
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("temp dir");
            let addr = free_addr();
            let args = [
                format!("-storageDataPath={}", dir.path().join("data").display()),
                format!("-httpListenAddr={addr}"),
                // The default (one month) silently drops samples older than that; a test may
                // push any timestamp up to VictoriaMetrics' own limit of two days ahead.
                "-retentionPeriod=100y".to_string(),
            ];
            let child = spawn(&args, dir.path());
            let mut victoria = Victoria { child, addr, dir };
            if victoria.wait_ready(Duration::from_secs(60)) {
                return victoria;
            }
            last_log = victoria.log();
        }
        panic!("victoria-metrics did not become ready:\n{last_log}");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        answers_ok(&mut self.child, &self.addr, "/health", limit)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("victoria-metrics.log")).unwrap_or_default()
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Its Prometheus remote-write endpoint.
    pub fn write_url(&self) -> String {
        format!("{}/api/v1/write", self.url())
    }

    /// Makes what was ingested searchable now: VictoriaMetrics otherwise buffers new samples
    /// for about a second before a search sees them.
    pub fn flush(&self) {
        let (status, body) = get(&self.addr, "/internal/force_flush").expect("force flush");
        assert_eq!(status, 200, "force flush: {body}");
    }

    /// `GET /api/v1/export?match[]=SELECTOR` over all time, after a flush: every series it
    /// stores that `selector` matches, with its raw samples.
    pub fn export(&self, selector: &str) -> Vec<Exported> {
        self.flush();
        let mut params = form_urlencoded::Serializer::new(String::new());
        params.append_pair("match[]", selector);
        params.append_pair("start", "0");
        // Past VictoriaMetrics' own limit for the future, so `end` (now by default) drops
        // nothing it accepted.
        params.append_pair("end", &(super::now_ms() / 1000 + 3 * 86_400).to_string());
        let path = format!("/api/v1/export?{}", params.finish());
        let (status, body) = get(&self.addr, &path).expect("export from victoria-metrics");
        assert_eq!(status, 200, "export {selector}: {body}");
        body.lines()
            .filter(|line| !line.is_empty())
            .map(parse_exported)
            .collect()
    }

    /// Polls [`Victoria::export`] until `done` accepts its result or `limit` passes; returns the
    /// last result.
    pub fn export_until(
        &self,
        selector: &str,
        limit: Duration,
        done: impl Fn(&[Exported]) -> bool,
    ) -> Vec<Exported> {
        poll_until(limit, || self.export(selector), done)
    }

    /// `GET /api/v1/query?query=QUERY` (at `time`, seconds, if given), after a flush: the
    /// `data.result` array. A sample just written needs `time`: by default it is now rounded
    /// down to a second.
    pub fn query(&self, query: &str, time: Option<f64>) -> Vec<serde_json::Value> {
        self.flush();
        // Without `nocache`, a query hides the last `-search.latencyOffset` (one second at
        // least, 30s by default) as samples that may still be arriving.
        instant_query(&self.addr, query, time, &[("nocache", "1")])
    }
}

impl Drop for Victoria {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of `/api/v1/export`. VictoriaMetrics writes `+Inf`, `-Inf` and `NaN` as bare words,
/// which is not JSON: they are quoted before parsing. Only the part after `"values":[` is touched,
/// as a label value (`le="+Inf"`) is a string already and its quotes arrive escaped.
fn parse_exported(line: &str) -> Exported {
    let split = line
        .find(r#","values":["#)
        .unwrap_or_else(|| panic!("no values in {line}"));
    let (metric, samples) = line.split_at(split);
    let samples = samples
        .replace("+Inf", r#""+Inf""#)
        .replace("-Inf", r#""-Inf""#)
        .replace("NaN", r#""NaN""#);
    let json: serde_json::Value = serde_json::from_str(&format!("{metric}{samples}"))
        .unwrap_or_else(|err| {
            panic!("export line {line}: {err}");
        });
    let values = json["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|value| match value {
            serde_json::Value::String(word) => match word.as_str() {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                _ => f64::NAN,
            },
            // How 1.79 writes some staleness markers (the only NaN it stores).
            serde_json::Value::Null => f64::NAN,
            number => number
                .as_f64()
                .unwrap_or_else(|| panic!("value {number} in {line}")),
        })
        .collect();
    let timestamps = json["timestamps"]
        .as_array()
        .expect("timestamps")
        .iter()
        .map(|ts| ts.as_i64().expect("a timestamp"))
        .collect();
    Exported {
        labels: serde_json::from_value(json["metric"].clone()).expect("labels"),
        values,
        timestamps,
    }
}

/// Starts VictoriaMetrics with `args`, its log going to `dir`/victoria-metrics.log.
fn spawn(args: &[String], dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join("victoria-metrics.log")).expect("log file");
    Command::new(victoria_binary())
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start victoria-metrics (apt-get install victoria-metrics)")
}

fn victoria_binary() -> PathBuf {
    std::env::var_os("VICTORIA_METRICS")
        .map_or_else(|| PathBuf::from("victoria-metrics"), PathBuf::from)
}
