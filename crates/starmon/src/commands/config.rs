//! `starmon config`: the commented default configuration file.

pub fn run() -> anyhow::Result<()> {
    outln!("{}", starmon::config::Config::default_toml().trim_end());
    Ok(())
}
