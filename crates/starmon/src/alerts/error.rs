//! `AlertError`: why a channel cannot be used, reached or tested, as the API and the log show it.

use crate::target_policy::RefusedTarget;

/// `url::ParseError`, named through reqwest (which re-exports `Url` but not its error).
type UrlParseError = <reqwest::Url as std::str::FromStr>::Err;

/// What went wrong with a channel. Every text names the problem and never a URL, a token or a
/// receiver's answer (a webhook URL holds its credential; a receiver's body is not quoted).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// A stored or submitted channel whose kind starmon does not know.
    #[error("unknown channel kind {0:?}")]
    UnknownChannelKind(String),
    /// E-mail settings that are not the expected JSON.
    #[error("email: {0}")]
    EmailJson(#[source] serde_json::Error),
    /// E-mail settings missing the server, the sender or every recipient.
    #[error("email: host, from and at least one address in to are required")]
    EmailIncomplete,
    /// A webhook URL that does not parse (the parser's reason, never the URL).
    #[error("invalid URL: {0}")]
    InvalidUrl(#[source] UrlParseError),
    /// `[notify]` refuses the channel's target address.
    #[error(transparent)]
    Refused(#[from] RefusedTarget),
    /// A delivery the receiver did not accept: the HTTP status and the vendor's documented error
    /// fields, or what failed on the way (timeout, connection refused, SMTP reply code).
    #[error("{0}")]
    Delivery(String),
}

#[cfg(test)]
mod tests {
    use super::super::email_settings;

    #[test]
    fn texts_are_those_the_api_returned_before() {
        let incomplete = email_settings(r#"{"host":" ","from":"a@b","to":["c@d"]}"#);
        assert_eq!(
            incomplete.map(|_| ()).expect_err("incomplete").to_string(),
            "email: host, from and at least one address in to are required"
        );
        let bad = email_settings(r#"{"host":"h","from":"a@b","to":[],"x":1}"#);
        let text = bad.map(|_| ()).expect_err("unknown field").to_string();
        assert!(text.starts_with("email: unknown field `x`"), "{text}");
    }
}
