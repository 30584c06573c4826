//! The bearer token an exec credential plugin printed, sent on every request of a run and renewed
//! as client-go renews it: by running the plugin again shortly before `expirationTimestamp`, and
//! once when the API server refuses the token (401). One [`ExecToken`] is shared by every clone of
//! the client, so concurrent requests wait for a single run of the plugin.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderValue, Request, Response, StatusCode, header::AUTHORIZATION};

use super::exec::{Credential, ExecError, Plugin};

/// How long before its expiry a token is renewed, at most (kube's margin); a short-lived token is
/// renewed when a quarter of its life is left.
const RENEW_MARGIN: Duration = Duration::from_secs(10);

/// After a renewal fails, requests fail with its error for this long before the plugin runs again,
/// so a fan-out does not run a broken plugin once per request.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// The exec plugin's current token and when to renew it.
pub(super) struct ExecToken {
    plugin: Plugin,
    current: Mutex<Issued>,
    /// Whether the current token replaced one the API server refused and has not been accepted
    /// yet: if it is refused too, the plugin is not run again (once per 401, not per request).
    unproven: AtomicBool,
}

/// One token the plugin printed.
struct Issued {
    /// `Bearer <token>`, marked sensitive.
    header: HeaderValue,
    /// When to run the plugin again (`None`: the token does not expire).
    renew_at: Option<Instant>,
    /// Whether the API server refused this token (a renewal is due).
    refused: bool,
    /// The last renewal's failure and when it happened.
    failed: Option<(Instant, Arc<ExecError>)>,
}

impl Issued {
    /// Whether it is time to run the plugin again.
    fn due(&self, now: Instant) -> bool {
        self.renew_at.is_some_and(|at| now >= at)
    }

    /// Whether the last renewal failed less than [`RETRY_AFTER`] ago.
    fn failed_lately(&self, now: Instant) -> bool {
        self.failed
            .as_ref()
            .is_some_and(|(at, _)| now < *at + RETRY_AFTER)
    }
}

/// A renewal that failed: the plugin's error, for the requests that needed the new token.
#[derive(Debug, thiserror::Error)]
#[error("cannot renew the credential: {0}")]
pub(super) struct RenewFailed(Arc<ExecError>);

impl ExecToken {
    /// The token of the plugin's first run (`token`, valid until `expires`).
    pub(super) fn new(
        plugin: Plugin,
        token: &str,
        expires: Option<SystemTime>,
    ) -> Result<ExecToken, ExecError> {
        let current = issued(&plugin, token, expires)?;
        Ok(ExecToken {
            plugin,
            current: Mutex::new(current),
            unproven: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Issued> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the token must be renewed before the next request.
    fn due(&self, now: Instant) -> bool {
        self.lock().due(now)
    }

    /// The header to send, or why there is none (a renewal failed moments ago).
    fn header(&self, now: Instant) -> Result<HeaderValue, RenewFailed> {
        let current = self.lock();
        match &current.failed {
            Some((_, err)) if current.failed_lately(now) => Err(RenewFailed(err.clone())),
            _ => Ok(current.header.clone()),
        }
    }

    /// The API server refused `sent`: renew before the next request, unless `sent` is no longer
    /// the current token or itself replaced a refused one that was never accepted.
    fn refused(&self, sent: &HeaderValue) {
        let mut current = self.lock();
        if current.header == *sent && !current.refused && !self.unproven.load(Ordering::Relaxed) {
            current.refused = true;
            current.renew_at = Some(Instant::now());
        }
    }

    /// The API server accepted `sent`: should it be refused later, it is renewed again.
    fn accepted(&self, sent: &HeaderValue) {
        if self.unproven.load(Ordering::Relaxed) && self.lock().header == *sent {
            self.unproven.store(false, Ordering::Relaxed);
        }
    }

    /// Runs the plugin again (off the async threads) and takes its token, unless another renewal
    /// did since `due` was seen.
    async fn renew(self: Arc<Self>) {
        let now = Instant::now();
        {
            let current = self.lock();
            if current.failed_lately(now) || !current.due(now) {
                return;
            }
        }
        let plugin = self.plugin.clone();
        let ran = tokio::task::spawn_blocking(move || plugin.run()).await;
        let outcome = match ran {
            Ok(Ok(Credential::Token { token, expires })) => issued(&self.plugin, &token, expires),
            Ok(Ok(Credential::Certificate { .. })) => Err(ExecError::NotToken {
                command: self.plugin.command().to_string(),
            }),
            Ok(Err(err)) => Err(err),
            Err(join) => Err(ExecError::Run {
                command: self.plugin.command().to_string(),
                source: std::io::Error::other(join.to_string()),
            }),
        };
        let mut current = self.lock();
        match outcome {
            Ok(fresh) => {
                self.unproven.store(current.refused, Ordering::Relaxed);
                *current = fresh;
            }
            Err(err) => current.failed = Some((Instant::now(), Arc::new(err))),
        }
    }
}

/// `token` as the header to send and when to renew it.
fn issued(plugin: &Plugin, token: &str, expires: Option<SystemTime>) -> Result<Issued, ExecError> {
    let mut header =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ExecError::InvalidToken {
            command: plugin.command().to_string(),
        })?;
    header.set_sensitive(true);
    Ok(Issued {
        header,
        renew_at: expires.map(|at| renew_at(Instant::now(), SystemTime::now(), at)),
        refused: false,
        failed: None,
    })
}

/// When to renew a token that expires at `expires`, given the time now on both clocks: shortly
/// before it expires ([`RENEW_MARGIN`], or a quarter of its life when that is shorter).
fn renew_at(now: Instant, wall: SystemTime, expires: SystemTime) -> Instant {
    let left = expires.duration_since(wall).unwrap_or_default();
    now + left - RENEW_MARGIN.min(left / 4)
}

/// The tower layer that sends the exec plugin's token ([`ExecToken`]) on every request.
pub(super) struct TokenLayer {
    pub(super) token: Arc<ExecToken>,
}

impl<S> tower::Layer<S> for TokenLayer {
    type Service = SendToken<S>;

    fn layer(&self, inner: S) -> SendToken<S> {
        SendToken {
            inner,
            token: self.token.clone(),
            renewing: None,
        }
    }
}

/// The service [`TokenLayer`] wraps around kube's stack. A due renewal is driven in `poll_ready`,
/// so the requests behind it (kube queues them in one buffer) wait for it.
pub(super) struct SendToken<S> {
    inner: S,
    token: Arc<ExecToken>,
    renewing: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<S, B, RB> tower::Service<Request<B>> for SendToken<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Error: Into<tower::BoxError>,
    S::Future: Send + 'static,
    RB: Send + 'static,
{
    type Response = Response<RB>;
    type Error = tower::BoxError;
    type Future = futures::future::BoxFuture<'static, Result<Response<RB>, tower::BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.renewing.is_none() && self.token.due(Instant::now()) {
            self.renewing = Some(Box::pin(self.token.clone().renew()));
        }
        if let Some(renewing) = &mut self.renewing {
            ready!(renewing.as_mut().poll(cx));
            self.renewing = None;
        }
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let header = match self.token.header(Instant::now()) {
            Ok(header) => header,
            Err(failed) => return Box::pin(futures::future::ready(Err(failed.into()))),
        };
        req.headers_mut().insert(AUTHORIZATION, header.clone());
        let token = self.token.clone();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await.map_err(Into::into)?;
            if response.status() == StatusCode::UNAUTHORIZED {
                token.refused(&header);
            } else {
                token.accepted(&header);
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_shortly_before_it_expires() {
        let now = Instant::now();
        let wall = SystemTime::now();
        let in_secs = |s| wall + Duration::from_secs(s);
        assert_eq!(
            renew_at(now, wall, in_secs(900)),
            now + Duration::from_secs(890)
        );
        assert_eq!(
            renew_at(now, wall, in_secs(8)),
            now + Duration::from_secs(6)
        );
        assert_eq!(renew_at(now, wall, wall - Duration::from_secs(1)), now);
    }
}
