//! `starmon token create|list|revoke`: API tokens for scripts.

use anyhow::bail;
use starmon::auth;
use starmon::store::auth::AuthStore;
use starmon::store::StoreError;

use super::{load_config, open_store, time_text};
use crate::cli::TokenCommand;

pub fn run(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { store, name, user } => {
            let config = load_config(&store)?;
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
            println!("{}", secrecy::ExposeSecret::expose_secret(&token));
            Ok(())
        }
        TokenCommand::List { store, user } => {
            let config = load_config(&store)?;
            let tokens = open_store(&config)?.list_tokens(user.as_deref())?;
            if tokens.is_empty() {
                println!("no API tokens (starmon token create --help)");
                return Ok(());
            }
            println!(
                "{:<4} {:<20} {:<16} {:<26} {:<26} STATE",
                "ID", "NAME", "USER", "CREATED", "LAST USED"
            );
            for t in tokens {
                println!(
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
        TokenCommand::Revoke { store, id } => {
            let config = load_config(&store)?;
            let now = chrono::Utc::now().timestamp_millis();
            if open_store(&config)?.revoke_token(id, None, now)? {
                println!("revoked API token {id}");
                Ok(())
            } else {
                bail!("no active API token with id {id}")
            }
        }
    }
}
