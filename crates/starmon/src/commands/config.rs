//! `starmon config`: the commented default configuration file.

pub fn run() {
    print!("{}", starmon::config::Config::default_toml());
}
