//! TLS to the API server: a session store that keeps enough TLS 1.3 tickets for a burst of
//! port-forwards to resume their handshakes ([`TicketStore`]).

use std::collections::VecDeque;
use std::sync::Mutex;

use rustls::NamedGroup;
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::pki_types::ServerName;

/// How many TLS 1.3 tickets are kept for the API server: rustls' default store keeps 8 a server,
/// so a burst of `--concurrency` new connections (64 by default) found most of them used up and
/// made full handshakes.
const TICKETS: usize = 256;

/// A client session store that keeps up to [`TICKETS`] TLS 1.3 tickets for the server it last
/// talked to (a client talks to one API server), and leaves key-exchange hints and TLS 1.2
/// sessions to rustls' store.
#[derive(Debug)]
pub(super) struct TicketStore {
    others: ClientSessionMemoryCache,
    tickets: Mutex<Option<(ServerName<'static>, VecDeque<Tls13ClientSessionValue>)>>,
}

impl TicketStore {
    /// An empty store.
    pub(super) fn new() -> TicketStore {
        TicketStore {
            others: ClientSessionMemoryCache::new(32),
            tickets: Mutex::new(None),
        }
    }

    fn tickets(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(ServerName<'static>, VecDeque<Tls13ClientSessionValue>)>>
    {
        self.tickets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ClientSessionStore for TicketStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.others.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.others.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.others.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.others.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.others.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        let mut tickets = self.tickets();
        match &mut *tickets {
            Some((server, kept)) if *server == server_name => {
                if kept.len() == TICKETS {
                    kept.pop_front();
                }
                kept.push_back(value);
            }
            _ => *tickets = Some((server_name, VecDeque::from([value]))),
        }
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        match &mut *self.tickets() {
            Some((server, kept)) if server == server_name => kept.pop_back(),
            _ => None,
        }
    }
}
