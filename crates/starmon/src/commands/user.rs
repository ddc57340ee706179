//! `starmon user add|list|remove`: who may log in to the API and the dashboard.

use anyhow::bail;
use starmon::auth;
use starmon::store::auth::AuthStore;
use starmon::store::StoreError;

use super::{load_config, open_store, read_secret, time_text};
use crate::cli::UserCommand;

pub fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            store,
            name,
            password_env,
        } => {
            let config = load_config(&store)?;
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
            println!("added user {name}");
            if !config.auth.enabled {
                println!(
                    "authentication is not enabled yet: set `[auth] enabled = true` in the \
                     configuration file (or STARMON_AUTH_ENABLED=true)"
                );
            }
            Ok(())
        }
        UserCommand::List { store } => {
            let config = load_config(&store)?;
            let users = open_store(&config)?.list_users()?;
            if users.is_empty() {
                println!("no users (starmon user add --help)");
            }
            for u in users {
                println!("{:<24} created {}", u.username, time_text(u.created_at));
            }
            Ok(())
        }
        UserCommand::Remove { store, name } => {
            let config = load_config(&store)?;
            if open_store(&config)?.remove_user(&name)? {
                println!("removed user {name} with their sessions and API tokens");
                Ok(())
            } else {
                bail!("no user named {name:?}")
            }
        }
    }
}
