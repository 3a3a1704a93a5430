//! The tug binary: parse, run, map the outcome to an exit code. Nothing else lives here.

use clap::Parser;
use tug::ui::{Printer, PrinterOptions};

fn main() -> std::process::ExitCode {
    let cli = tug::cli::Cli::parse();
    let g = &cli.global;
    let printer = Printer::new(PrinterOptions::resolve(g.quiet, g.json, g.no_color, g.no_progress));
    tug::logging::init(g.verbose);
    let code = match tug::commands::run(printer.clone(), cli) {
        Ok(code) => code,
        Err(err) => {
            let (code, hint) = tug::error::classify(&err);
            let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
            printer.error(&err.to_string(), &causes, hint.as_deref());
            printer.event(
                "error",
                serde_json::json!({ "message": err.to_string(), "causes": causes,
                                    "hint": hint, "exit_code": code.code() }),
            );
            code
        }
    };
    std::process::ExitCode::from(code.code() as u8)
}
