//! `--via portforward`: one `pods/portforward` WebSocket per fetch, HTTP/1.1 over its data stream,
//! the error channel watched for the kubelet's failure text, and an orderly close.

use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Portforwarder};
use tokio_util::task::TaskTracker;

use super::{
    FetchOptions, Fetched, ForwardError, Via, body, decoded, finish, from_kube_error, request,
    status_text,
};

/// How long to wait, after the HTTP exchange broke, for the error channel to say why.
const ERROR_GRACE: Duration = Duration::from_millis(200);

/// How long to wait for the WebSocket close handshake once done.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Opens a port-forward to `pod:port`, GETs `path_and_query` over it, decodes the body as
/// `opts` asks, and closes it, the close finishing on a task of `closes`.
pub(super) async fn fetch(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path_and_query: &str,
    opts: &FetchOptions,
    closes: &TaskTracker,
) -> Result<Fetched, ForwardError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut forwarder = api
        .portforward(pod, &[port])
        .await
        .map_err(|e| from_kube_error(&e, Via::PortForward))?;
    let result = exchange(&mut forwarder, port, path_and_query, opts.max_body).await;
    // The data stream is dropped by now, so kube's task sends its WebSocket close on its own.
    // Its reply is a round trip through the API server (under load ~13 ms on average), waited
    // for on a task of `closes`: the body is in hand, and waiting here would keep a scrape's
    // concurrency slot from the next proxy that long.
    closes.spawn(async move {
        let _ = tokio::time::timeout(CLOSE_GRACE, forwarder.join()).await;
    });
    result.and_then(|fetched| decoded(fetched, opts))
}

async fn exchange(
    forwarder: &mut Portforwarder,
    port: u16,
    path_and_query: &str,
    max_body: u64,
) -> Result<Fetched, ForwardError> {
    let missing = || ForwardError::PortForward(format!("no stream for port {port}"));
    let stream = forwarder.take_stream(port).ok_or_else(missing)?;
    let error_channel = forwarder.take_error(port).ok_or_else(missing)?;
    // The error channel resolves with `None` when it closes without a message: not a failure.
    let mut error_text = pin!(async {
        match error_channel.await {
            Some(text) => text,
            None => std::future::pending().await,
        }
    });
    let mut http = pin!(get(stream, path_and_query, max_body));
    let outcome = tokio::select! {
        outcome = &mut http => outcome,
        text = &mut error_text => return Err(ForwardError::PortForward(text.trim().to_string())),
    };
    match outcome {
        Err(err @ ForwardError::Interrupted(_)) => {
            match tokio::time::timeout(ERROR_GRACE, error_text).await {
                Ok(text) => Err(ForwardError::PortForward(text.trim().to_string())),
                Err(_) => Err(err),
            }
        }
        other => other,
    }
}

/// HTTP/1.1 GET over the forwarded stream; the connection is driven alongside and ends when the
/// request side is dropped.
async fn get(
    stream: tokio::io::DuplexStream,
    path_and_query: &str,
    max_body: u64,
) -> Result<Fetched, ForwardError> {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| ForwardError::Interrupted(e.to_string()))?;
    let mut req = request(path_and_query, Empty::<Bytes>::new())?;
    req.headers_mut().insert(
        http::header::HOST,
        http::HeaderValue::from_static("localhost"),
    );
    let exchange = async move {
        let response = sender.send_request(req).await.map_err(hyper_error)?;
        drop(sender);
        let (parts, raw_body) = response.into_parts();
        if !parts.status.is_success() {
            return Err(ForwardError::HttpStatus {
                status: status_text(parts.status),
            });
        }
        let raw = body::read_limited(raw_body, max_body).await?;
        Ok(finish(&parts.headers, raw))
    };
    let (outcome, _) = tokio::join!(exchange, connection);
    outcome
}

fn hyper_error(err: hyper::Error) -> ForwardError {
    if err.is_parse() {
        ForwardError::Decode(err.to_string())
    } else {
        ForwardError::Interrupted(err.to_string())
    }
}
