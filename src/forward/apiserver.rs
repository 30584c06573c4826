//! `--via apiserver`: GET through the API server's `pods/proxy` subresource with the shared client.

use super::{Fetched, ForwardError, Via, body, finish, from_kube_error, request, status_text};

/// How much of an error response is read to tell an API server `Status` from a proxy answer.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// GETs `/api/v1/namespaces/NS/pods/POD:PORT/proxy{path_and_query}`.
pub(super) async fn fetch(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path_and_query: &str,
    max_body: u64,
) -> Result<Fetched, ForwardError> {
    let uri = format!("/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy{path_and_query}");
    let req = request(&uri, kube::client::Body::empty())?;
    let response = client
        .send(req)
        .await
        .map_err(|e| from_kube_error(&e, Via::ApiServer))?;
    let (parts, raw_body) = response.into_parts();
    if !parts.status.is_success() {
        let text = body::read_limited(raw_body, ERROR_BODY_LIMIT)
            .await
            .unwrap_or_default();
        return Err(classify_failure(parts.status, &text));
    }
    let raw = body::read_limited(raw_body, max_body).await?;
    Ok(finish(&parts.headers, raw))
}

/// The API server's own failures (forbidden, pod not found, cannot dial the pod) come as a JSON
/// `Status`; anything else is the proxy's answer passed through.
fn classify_failure(status: http::StatusCode, body: &[u8]) -> ForwardError {
    let api_status = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .filter(|v| v["kind"] == "Status");
    let Some(api_status) = api_status else {
        return ForwardError::HttpStatus {
            status: status_text(status),
        };
    };
    let message = api_status["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match status.as_u16() {
        403 => ForwardError::ProxyForbidden { message },
        404 => ForwardError::PodNotFound(message),
        code => ForwardError::Api { code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_status_and_proxy_answers_are_told_apart() {
        let status = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}"#;
        assert_eq!(
            classify_failure(http::StatusCode::NOT_FOUND, status),
            ForwardError::PodNotFound("pods \"x\" not found".into())
        );
        assert_eq!(
            classify_failure(http::StatusCode::NOT_FOUND, b"not found\n"),
            ForwardError::HttpStatus {
                status: "404 Not Found".into()
            }
        );
        let forbidden = br#"{"kind":"Status","message":"pods \"x\" is forbidden","code":403}"#;
        assert!(matches!(
            classify_failure(http::StatusCode::FORBIDDEN, forbidden),
            ForwardError::ProxyForbidden { .. }
        ));
        let dial = br#"{"kind":"Status","message":"error trying to reach service: connection refused","code":503}"#;
        assert!(matches!(
            classify_failure(http::StatusCode::SERVICE_UNAVAILABLE, dial),
            ForwardError::Api { code: 503, .. }
        ));
    }
}
