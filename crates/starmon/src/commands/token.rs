//! `starmon token create|list|revoke`: API tokens for scripts.

use anyhow::bail;
use starmon::auth;
use starmon::store::auth::AuthStore;
use starmon::store::StoreError;

use super::{load_config, open_store, time_text};
use crate::cli::{StoreArgs, TokenCommand};

pub fn run(command: TokenCommand, args: &StoreArgs) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { name, user } => {
            let config = load_config(args)?;
            auth::check_name("token name", &name)?;
            let (token, digest) = auth::new_api_token()?;
            let now = chrono::Utc::now().timestamp_millis();
            let record = open_store(&config)?
                .add_token(&name, &user, &digest, now)
                .map_err(|e| match e {
                    StoreError::NotFound(_) => anyhow::anyhow!("no user named {user:?}"),
                    other => other.into(),
                })?;
            eprintln!(
                "created API token {} ({name}) for {user}; it is shown only now:",
                record.id
            );
            outln!("{}", secrecy::ExposeSecret::expose_secret(&token));
            Ok(())
        }
        TokenCommand::List { user } => {
            let config = load_config(args)?;
            let tokens = open_store(&config)?.list_tokens(user.as_deref())?;
            if tokens.is_empty() {
                outln!("no API tokens (starmon token create --help)");
                return Ok(());
            }
            outln!(
                "{:<4} {:<20} {:<16} {:<26} {:<26} STATE",
                "ID",
                "NAME",
                "USER",
                "CREATED",
                "LAST USED"
            );
            for t in tokens {
                outln!(
                    "{:<4} {:<20} {:<16} {:<26} {:<26} {}",
                    t.id,
                    t.name,
                    t.username,
                    time_text(t.created_at),
                    t.last_used_at.map(time_text).unwrap_or_else(|| "-".into()),
                    match t.revoked_at {
                        Some(at) => format!("revoked {}", time_text(at)),
                        None => "active".into(),
                    }
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let config = load_config(args)?;
            let now = chrono::Utc::now().timestamp_millis();
            if open_store(&config)?.revoke_token(id, None, now)? {
                outln!("revoked API token {id}");
                Ok(())
            } else {
                bail!("no active API token with id {id}")
            }
        }
    }
}
