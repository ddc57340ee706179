use clap::Parser;

fn main() {
    let cli = starmon::cli::Cli::parse();
    if let Err(e) = starmon::startup::run(cli) {
        // One line a user can act on, whatever RUST_BACKTRACE says.
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the line already
/// holds (an error that prints its source in its own message would otherwise say it twice).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read starmon.toml: {source}")]
    struct Read {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let inner = std::io::Error::other("permission denied");
        let e = anyhow::Error::new(Read { source: inner }).context("cannot load the config");
        assert_eq!(
            one_line(&e),
            "cannot load the config: cannot read starmon.toml: permission denied"
        );
    }
}
