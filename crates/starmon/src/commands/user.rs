//! `starmon user add|list|remove`: who may log in to the API and the dashboard.

use anyhow::bail;
use starmon::auth;
use starmon::store::auth::AuthStore;
use starmon::store::StoreError;

use super::{load_config, open_store, read_secret, time_text};
use crate::cli::{StoreArgs, UserCommand};

pub fn run(command: UserCommand, args: &StoreArgs) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name, password_env } => {
            let config = load_config(args)?;
            auth::check_name("username", &name)?;
            let password = read_secret(
                password_env.as_deref(),
                &format!("Password for the starmon user {name}: "),
                true,
            )?;
            auth::check_new_password(&password)?;
            let hash = auth::hash_password(&password)?;
            open_store(&config)?
                .add_user(&name, &hash)
                .map_err(|e| match e {
                    StoreError::Conflict(_) => anyhow::anyhow!("a user named {name:?} exists"),
                    other => other.into(),
                })?;
            outln!("added user {name}");
            if !config.auth.enabled {
                outln!(
                    "authentication is not enabled yet: set `[auth] enabled = true` in the \
                     configuration file (or STARMON_AUTH_ENABLED=true)"
                );
            }
            Ok(())
        }
        UserCommand::List => {
            let config = load_config(args)?;
            let users = open_store(&config)?.list_users()?;
            if users.is_empty() {
                outln!("no users (starmon user add --help)");
            }
            for u in users {
                outln!("{:<24} created {}", u.username, time_text(u.created_at));
            }
            Ok(())
        }
        UserCommand::Remove { name } => {
            let config = load_config(args)?;
            if open_store(&config)?.remove_user(&name)? {
                outln!("removed user {name} with their sessions and API tokens");
                Ok(())
            } else {
                bail!("no user named {name:?}")
            }
        }
    }
}
