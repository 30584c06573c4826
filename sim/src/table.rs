//! Server-side `meta.k8s.io/v1` Table responses (what `kubectl get` asks for to print columns).

use std::time::SystemTime;

use serde_json::{Value, json};

use super::discovery::Resource;
use super::topology::Object;

fn age(o: &Object) -> String {
    let created = o.json["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| humantime::parse_rfc3339(t).ok())
        .unwrap_or_else(SystemTime::now);
    let s = SystemTime::now()
        .duration_since(created)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match s {
        0..120 => format!("{s}s"),
        120..600 => format!("{}m{}s", s / 60, s % 60),
        600..10800 => format!("{}m", s / 60),
        10800..172800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

fn column(name: &str, kind: &str) -> Value {
    json!({"name": name, "type": kind, "format": if name == "Name" { "name" } else { "" }, "description": name, "priority": 0})
}

fn cells(res: &Resource, o: &Object) -> (Vec<Value>, Vec<Value>) {
    let j = &o.json;
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    match res.kind {
        "Pod" => {
            let statuses = j["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = j["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses
                .iter()
                .filter(|s| s["ready"].as_bool() == Some(true))
                .count();
            (
                vec![
                    column("Name", "string"),
                    column("Ready", "string"),
                    column("Status", "string"),
                    column("Restarts", "string"),
                    column("Age", "string"),
                ],
                vec![
                    json!(o.name),
                    json!(format!("{ready}/{total}")),
                    j["status"]["phase"].clone(),
                    json!("0"),
                    json!(age(o)),
                ],
            )
        }
        "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController" => {
            let want = int(&j["spec"]["replicas"]);
            let ready = int(&j["status"]["readyReplicas"]);
            (
                vec![
                    column("Name", "string"),
                    column("Ready", "string"),
                    column("Age", "string"),
                ],
                vec![
                    json!(o.name),
                    json!(format!("{ready}/{want}")),
                    json!(age(o)),
                ],
            )
        }
        "Namespace" => (
            vec![
                column("Name", "string"),
                column("Status", "string"),
                column("Age", "string"),
            ],
            vec![json!(o.name), j["status"]["phase"].clone(), json!(age(o))],
        ),
        _ => (
            vec![column("Name", "string"), column("Age", "string")],
            vec![json!(o.name), json!(age(o))],
        ),
    }
}

/// The Table of `objects` of resource `res`.
pub fn table(res: &Resource, objects: &[&Object]) -> Value {
    let mut columns = None;
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let (cols, cells) = cells(res, o);
            columns.get_or_insert(cols);
            json!({
                "cells": cells,
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.json["metadata"]},
            })
        })
        .collect();
    let columns = columns.unwrap_or_else(|| {
        cells(
            res,
            &Object {
                namespace: None,
                name: String::new(),
                labels: Default::default(),
                phase: None,
                json: json!({}),
            },
        )
        .0
    });
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "1"},
        "columnDefinitions": columns,
        "rows": rows,
    })
}
