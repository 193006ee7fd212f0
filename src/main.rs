use std::process::ExitCode;

fn main() -> ExitCode {
    msgen::cli::run()
}
