//! `-v` diagnostics through `tracing`, written to stderr. Off unless asked for; `TUG_LOG` takes a
//! full `tracing` filter (e.g. `TUG_LOG=tug::deploy=trace`) for finer control.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8) {
    let filter = match std::env::var("TUG_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(match verbose {
            0 => "off",
            1 => "tug=debug",
            _ => "tug=trace",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(true)
        .try_init();
}
