//! Which networks notification channels may reach: `[notify] allow_networks` and
//! `deny_networks` (CIDRs). Without them a channel could make starmon knock on any host and port
//! it can reach (cloud metadata at 169.254.169.254, admin ports inside the network).
//!
//! The check is on the address actually connected to, not the URL text: webhooks resolve names
//! through [`FilteringResolver`] (an allowed name whose DNS answer points inside a denied network
//! is refused), IP-literal URLs, which skip DNS, are checked by [`TargetPolicy::check`], and SMTP
//! resolves and checks with [`TargetPolicy::resolve`] and then connects to the checked address.
//!
//! A leaf (imports nothing of starmon): the configuration parses the lists with it when it
//! validates, and the notifier (`alerts::notify`, which re-exports it) applies it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

/// A target address the policy refuses. The text names the address and the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedTarget {
    #[error("target {0} is in [notify] deny_networks")]
    Denied(IpAddr),
    #[error("target {0} is not in [notify] allow_networks")]
    NotAllowed(IpAddr),
}

/// Why [`TargetPolicy::resolve`] found no address to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Every address is refused by the policy (the first one named).
    #[error(transparent)]
    Refused(#[from] RefusedTarget),
    /// The name does not resolve (now).
    #[error("{0}")]
    Dns(String),
}

/// Allowed and denied networks; deny wins. Empty allow list: every network not denied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
}

/// `10.0.0.0/8`, or a single address (`10.1.2.3`, `::1`) meaning just it.
fn parse_net(setting: &str, s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{setting}: {s:?} is not a network (CIDR, e.g. 10.0.0.0/8)"))
}

impl TargetPolicy {
    pub fn new(allow: &[String], deny: &[String]) -> Result<TargetPolicy, String> {
        let parse = |setting: &str, list: &[String]| {
            list.iter()
                .map(|s| parse_net(setting, s))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(TargetPolicy {
            allow: parse("notify.allow_networks", allow)?,
            deny: parse("notify.deny_networks", deny)?,
        })
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), RefusedTarget> {
        // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) reaches the IPv4 host: judge that one.
        let ip = ip.to_canonical();
        if self.deny.iter().any(|n| n.contains(&ip)) {
            return Err(RefusedTarget::Denied(ip));
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|n| n.contains(&ip)) {
            return Err(RefusedTarget::NotAllowed(ip));
        }
        Ok(())
    }

    /// The addresses of `host` (a name or an IP literal) the policy allows; an error when DNS
    /// fails or none is allowed (naming the first refused one).
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let found: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| ResolveError::Dns(format!("cannot resolve {host}: {e}")))?
                .collect(),
        };
        let mut refused = None;
        let allowed: Vec<SocketAddr> = found
            .into_iter()
            .filter(|a| match self.check(a.ip()) {
                Ok(()) => true,
                Err(e) => {
                    refused.get_or_insert(e);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refused) {
            (false, _) => Ok(allowed),
            (true, Some(e)) => Err(ResolveError::Refused(e)),
            (true, None) => Err(ResolveError::Dns(format!("{host} has no address"))),
        }
    }
}

/// reqwest's DNS step with the policy applied to every answer: connections only ever go to
/// allowed addresses. When none is left the error is the [`RefusedTarget`], which the notifier
/// finds in the error chain to fail the delivery without retrying.
pub struct FilteringResolver(pub Arc<TargetPolicy>);

impl reqwest::dns::Resolve for FilteringResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match policy.check(a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                if let Some(e) = refused {
                    return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], deny: &[&str]) -> TargetPolicy {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        TargetPolicy::new(&v(allow), &v(deny)).expect("valid")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn default_allows_everything() {
        let p = TargetPolicy::default();
        assert_eq!(p.check(ip("169.254.169.254")), Ok(()));
        assert_eq!(p.check(ip("::1")), Ok(()));
    }

    #[test]
    fn deny_wins_and_allow_limits() {
        let p = policy(&["10.0.0.0/8"], &["10.9.0.0/16"]);
        assert_eq!(p.check(ip("10.1.2.3")), Ok(()));
        assert_eq!(
            p.check(ip("10.9.1.1")).map_err(|e| e.to_string()),
            Err("target 10.9.1.1 is in [notify] deny_networks".into())
        );
        assert_eq!(
            p.check(ip("192.168.1.1")).map_err(|e| e.to_string()),
            Err("target 192.168.1.1 is not in [notify] allow_networks".into())
        );
        // The IPv4 host behind an IPv4-mapped IPv6 address is what counts.
        assert!(p.check(ip("::ffff:10.9.1.1")).is_err());
        assert_eq!(p.check(ip("::ffff:10.1.2.3")), Ok(()));
    }

    #[test]
    fn a_single_address_is_a_network_of_one_and_bad_text_is_named() {
        let p = policy(&[], &["127.0.0.1"]);
        assert!(p.check(ip("127.0.0.1")).is_err());
        assert_eq!(p.check(ip("127.0.0.2")), Ok(()));
        let err = TargetPolicy::new(&["10.0.0.0/33".into()], &[]).expect_err("bad");
        assert!(err.contains("notify.allow_networks"), "{err}");
    }

    #[tokio::test]
    async fn names_are_judged_by_their_addresses() {
        let p = policy(&[], &["127.0.0.0/8", "::1/128"]);
        let err = p
            .resolve("localhost", 25)
            .await
            .expect_err("loopback denied");
        assert!(err.to_string().contains("deny_networks"), "{err}");
        let ok = policy(&["127.0.0.0/8"], &[])
            .resolve("127.0.0.1", 25)
            .await
            .expect("allowed");
        assert_eq!(ok, vec!["127.0.0.1:25".parse().expect("addr")]);
    }
}
