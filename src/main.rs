//! The tug binary: read the environment once, parse, run, print the error with its causes, map
//! the outcome to an exit code. Nothing else lives here.

use clap::Parser;
use tug::config::env::EnvSnapshot;
use tug::ui::{Printer, PrinterOptions};

fn main() -> std::process::ExitCode {
    let cli = tug::cli::Cli::parse();
    let env = EnvSnapshot::capture();
    let g = &cli.global;
    let logging = tug::logging::init(g.verbose, &env);
    let printer = Printer::new(PrinterOptions::resolve(
        g.quiet,
        g.json,
        g.no_color,
        g.no_progress || logging,
        &env,
    ));
    let code = match tug::commands::run(printer.clone(), cli, env) {
        Ok(code) => code,
        Err(err) => {
            let (code, hint) = tug::error::classify(&err);
            let causes = tug::ui::causes(&err);
            let message = err.to_string();
            printer.error(&message, &causes, hint.as_deref());
            printer.event(
                "error",
                serde_json::json!({ "message": message, "causes": causes,
                                    "hint": hint, "exit_code": code.code() }),
            );
            code
        }
    };
    std::process::ExitCode::from(code.code() as u8)
}
