//! E-mail delivery: SMTP through lettre on tokio, TLS by rustls (the same stack as the webhooks),
//! to the address `[notify]` allowed.

use std::net::SocketAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::format::email_subject_and_body;
use super::{Attempt, Channel, EmailSettings, Notification, Notifier, SmtpSecurity};
use crate::target_policy::ResolveError;

impl Notifier {
    /// One e-mail attempt: resolves the server through `[notify]`, then sends.
    pub(super) async fn attempt_email(&self, ch: &Channel, n: &Notification) -> Attempt {
        let Some(settings) = &ch.email else {
            return Attempt::Fatal("e-mail channel without SMTP settings".to_string());
        };
        let addr = match self
            .inner
            .cfg
            .targets
            .resolve(&settings.host, settings.port)
            .await
        {
            Ok(addrs) => match addrs.first() {
                Some(a) => *a,
                None => return Attempt::Retry(format!("{} has no address", settings.host), None),
            },
            Err(ResolveError::Refused(e)) => return Attempt::Fatal(e.to_string()),
            Err(e @ ResolveError::Dns(_)) => return Attempt::Retry(e.to_string(), None),
        };
        send(settings, addr, n, self.inner.cfg.timeout).await
    }
}

/// Sends to the server at `addr`, the address of `s.host` that `[notify]` allows: connecting
/// to the checked address, not the name, so DNS cannot answer differently a second time.
/// TLS still verifies the certificate against `s.host`.
async fn send(s: &EmailSettings, addr: SocketAddr, n: &Notification, timeout: Duration) -> Attempt {
    let message = match build(s, n) {
        Ok(m) => m,
        Err(e) => return Attempt::Fatal(e),
    };
    let tls = |wrap: fn(TlsParameters) -> Tls| {
        TlsParameters::new(s.host.clone())
            .map(wrap)
            .map_err(|e| Attempt::Fatal(format!("SMTP settings: {}", smtp_error(&e))))
    };
    let tls = match s.security {
        SmtpSecurity::None => Ok(Tls::None),
        SmtpSecurity::Starttls => tls(Tls::Required),
        SmtpSecurity::Tls => tls(Tls::Wrapper),
    };
    let tls = match tls {
        Ok(t) => t,
        Err(a) => return a,
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
            .port(addr.port())
            .tls(tls)
            .timeout(Some(timeout));
    if let Some(user) = &s.username {
        let password = s
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    // lettre's own timeout covers each command; this bounds the whole exchange.
    match tokio::time::timeout(timeout * 3, transport.send(message)).await {
        Err(_) => Attempt::Retry(
            format!("SMTP: no answer within {} ms", (timeout * 3).as_millis()),
            None,
        ),
        Ok(Ok(_)) => Attempt::Delivered,
        // A 5xx reply (unknown recipient, authentication refused) will not get better.
        Ok(Err(e)) if e.is_permanent() => Attempt::Fatal(smtp_error(&e)),
        Ok(Err(e)) => Attempt::Retry(smtp_error(&e), None),
    }
}

/// The reply code, or what kind of failure; never the server's reply text, which a channel
/// pointed at some other service would read back (its banner, its error page).
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = e.status() {
        format!("SMTP: the server replied {code}")
    } else if e.is_timeout() {
        "SMTP: no answer in time".to_string()
    } else if e.is_tls() {
        "SMTP: the TLS handshake failed".to_string()
    } else if e.is_response() || e.is_client() {
        "SMTP: the server does not speak SMTP as expected".to_string()
    } else {
        // Connection errors: our own socket's reason ("Connection refused").
        format!("SMTP: {}", super::root_cause(e))
    }
}

fn build(s: &EmailSettings, n: &Notification) -> Result<Message, String> {
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|e| format!("invalid sender {:?}: {e}", s.from))?;
    if s.to.is_empty() {
        return Err("no recipients".to_string());
    }
    let (subject, body) = email_subject_and_body(n);
    let mut b = Message::builder().from(from).subject(subject);
    for to in &s.to {
        let mb: Mailbox = to
            .parse()
            .map_err(|e| format!("invalid recipient {to:?}: {e}"))?;
        b = b.to(mb);
    }
    b.header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("cannot build the message: {e}"))
}
