//! Who is calling, by network address: the TCP peer, or behind trusted reverse proxies the
//! address they forwarded. Used for throttling only, never logged.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::web::Data;

/// The reverse proxies (load balancers) whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// The caller's address. Behind trusted proxies it is the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy; a client cannot forge it, because
/// entries it wrote come before those the proxies appended. Otherwise it is the TCP peer.
pub fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<Data<TrustedProxies>>()
        .map(|proxies| proxies.0.as_slice())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|address| !trusted.contains(address))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn address(trusted: &[&str], forwarded: Option<&str>) -> Option<IpAddr> {
        let mut request = TestRequest::default()
            .peer_addr("10.0.0.1:40000".parse().unwrap())
            .app_data(Data::new(TrustedProxies(
                trusted.iter().map(|a| a.parse().unwrap()).collect(),
            )));
        if let Some(value) = forwarded {
            request = request.insert_header(("x-forwarded-for", value));
        }
        client_address(&request.to_http_request())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(address(&[], Some("203.0.113.5")), "10.0.0.1".parse().ok());
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_forwarded_address_is_the_client() {
        let forged_then_real = Some("198.51.100.7, 203.0.113.5");
        assert_eq!(
            address(&["10.0.0.1"], forged_then_real),
            "203.0.113.5".parse().ok()
        );
        assert_eq!(
            address(&["10.0.0.1", "10.0.0.2"], Some("203.0.113.5, 10.0.0.2")),
            "203.0.113.5".parse().ok()
        );
        assert_eq!(address(&["10.0.0.1"], None), "10.0.0.1".parse().ok());
        assert_eq!(
            address(&["10.0.0.1"], Some("garbage")),
            "10.0.0.1".parse().ok()
        );
    }
}
