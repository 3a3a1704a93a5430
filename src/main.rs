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
        g.no_progress,
        logging,
        &env,
    ));
    // Errors are shown with the values of secret-looking variables masked, like the logs.
    let scrubber = tug::redact::Scrubber::from_env(env.vars());
    let code = match tug::commands::run(printer.clone(), cli, env) {
        Ok(code) => code,
        Err(err) => {
            let (code, hint) = tug::error::classify(&err);
            let scrub = |s: &str| scrubber.scrub(s).into_owned();
            let causes: Vec<String> = tug::ui::causes(&err).iter().map(|c| scrub(c)).collect();
            let message = scrub(&err.to_string());
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
