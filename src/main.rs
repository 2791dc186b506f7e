use std::process::ExitCode;

fn main() -> ExitCode {
    tokenwise::cli::main()
}
