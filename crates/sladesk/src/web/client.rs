//! The client's address: the connection's, or, when the connection comes from a reverse proxy
//! listed in `trusted_proxies`, the right-most address in `X-Forwarded-For` that is not itself
//! a trusted proxy (the left part of that header is whatever the client chose to send).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The client of a request, as worked out once by [`find`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// Whether the request came straight from this machine: a loopback connection that no
    /// proxy forwarded (a proxy on this machine would otherwise make everyone look local).
    pub local: bool,
}

impl Client {
    fn unknown() -> Client {
        Client {
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            local: false,
        }
    }
}

/// The client, from the connection and the headers.
pub fn client_of(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Client {
    let Some(peer) = peer else {
        return Client::unknown();
    };
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    let local = peer.is_loopback() && !forwarded;
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return Client { ip: peer, local };
    }
    let chain: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| part.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let ip = chain
        .iter()
        .rev()
        .find(|ip| !trusted.iter().any(|net| net.contains(*ip)))
        .or(chain.first())
        .copied()
        .unwrap_or(peer);
    Client { ip, local }
}

/// Middleware: works the client out once and puts it in the request's extensions.
pub async fn find(
    axum::extract::State(trusted): axum::extract::State<std::sync::Arc<[IpNet]>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let client = client_of(peer, request.headers(), &trusted);
    request.extensions_mut().insert(client);
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Client>()
            .copied()
            .unwrap_or_else(Client::unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpNet = "10.0.0.5/32".parse().unwrap();
        let peer = Some("10.0.0.5".parse().unwrap());
        // From the proxy: the right-most address that is not a proxy; a forged left part is ignored.
        let c = client_of(peer, &headers("6.6.6.6, 203.0.113.7"), &[proxy]);
        assert_eq!(c.ip, "203.0.113.7".parse::<IpAddr>().unwrap());
        assert!(!c.local);
        // From anyone else the header is ignored.
        let c = client_of(
            Some("198.51.100.1".parse().unwrap()),
            &headers("1.2.3.4"),
            &[proxy],
        );
        assert_eq!(c.ip, "198.51.100.1".parse::<IpAddr>().unwrap());
        // Garbage in the header: the proxy itself is the client.
        let c = client_of(peer, &headers("not an address"), &[proxy]);
        assert_eq!(c.ip, "10.0.0.5".parse::<IpAddr>().unwrap());
        // Loopback is local only when nothing was forwarded.
        let loopback = Some("127.0.0.1".parse().unwrap());
        assert!(client_of(loopback, &HeaderMap::new(), &[]).local);
        assert!(!client_of(loopback, &headers("203.0.113.7"), &[]).local);
        assert!(!client_of(None, &HeaderMap::new(), &[]).local);
    }
}
