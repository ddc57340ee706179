//! `starmon key reset`: replace a lost or wrong key for the stored secrets.

use anyhow::Context;

use super::load_config;
use crate::cli::KeyCommand;

pub fn run(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Reset { store } => {
            let config = load_config(&store)?;
            let db = &config.database;
            let report = starmon::store::keycheck::reset_key(db)
                .with_context(|| format!("cannot reset the key of {}", db.display()))?;
            if let Some(aside) = &report.set_aside {
                println!("the previous key file was moved to {}", aside.display());
            }
            println!(
                "new key file {}; {} secret(s) kept",
                starmon::secretbox::key_path(db).display(),
                report.kept
            );
            for name in &report.passwords_cleared {
                println!(
                    "cluster {name}: password emptied, its collections fail until it is entered \
                     again (dashboard, or PATCH /api/v1/clusters/{{id}} {{\"password\": …}})"
                );
            }
            for name in &report.channels_removed {
                println!("channel {name}: removed, create it again");
            }
            Ok(())
        }
    }
}
