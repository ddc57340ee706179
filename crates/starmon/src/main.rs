use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = starmon::cli::Cli::parse();
    starmon::startup::run(cli)
}
