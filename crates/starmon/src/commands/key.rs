//! `starmon key reset`: replace a lost or wrong key for the stored secrets.

use anyhow::Context;

use super::load_config;
use crate::cli::{KeyCommand, StoreArgs};

pub fn run(command: KeyCommand, args: &StoreArgs) -> anyhow::Result<()> {
    match command {
        KeyCommand::Reset => {
            let config = load_config(args)?;
            let db = &config.database;
            let report = starmon::store::keycheck::reset_key(db)
                .with_context(|| format!("cannot reset the key of {}", db.display()))?;
            if let Some(aside) = &report.set_aside {
                outln!("the previous key file was moved to {}", aside.display());
            }
            outln!(
                "new key file {}; {} secret(s) kept",
                starmon::secretbox::key_path(db).display(),
                report.kept
            );
            for name in &report.passwords_cleared {
                outln!(
                    "cluster {name}: password emptied, its collections fail until it is entered \
                     again (dashboard, or PATCH /api/v1/clusters/{{id}} {{\"password\": …}})"
                );
            }
            for name in &report.channels_removed {
                outln!("channel {name}: removed, create it again");
            }
            Ok(())
        }
    }
}
