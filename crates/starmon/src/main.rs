use clap::Parser;

fn main() {
    let cli = starmon::cli::Cli::parse();
    if let Err(e) = starmon::startup::run(cli) {
        // One line a user can act on, whatever RUST_BACKTRACE says.
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
