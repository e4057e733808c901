//! The `scoregrc` binary: parses the command line and hands over to the library.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match scoregrc::cli::Cli::parse().run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scoregrc: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
