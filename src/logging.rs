//! `-v` diagnostics through `tracing`, written to stderr.
//!
//! Off unless asked for: `-v` shows tug's info and debug events (each subcommand's span, every
//! external process, HTTP request, retry and git read), `-vv` adds trace events (template
//! renders). `TUG_LOG` (else `RUST_LOG`) takes a full `tracing` filter instead, e.g.
//! `TUG_LOG=tug::publish=trace`. Whenever logging is on, progress bars are off
//! (`ui::PrinterOptions::resolve`), so bars and log lines never interleave.
//!
//! Secrets: fields are redacted where they are logged (`crate::redact`), and every line also
//! passes through a [`Scrubber`] holding the values of the run's secret-looking environment
//! variables, so no token or password of the environment ever reaches stderr.

use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::env::EnvSnapshot;
use crate::redact::Scrubber;

/// The filter for `verbose` `-v` flags, unless `TUG_LOG` or `RUST_LOG` (in that order) is set
/// and not empty. `None`: logging is off.
pub fn filter_spec(verbose: u8, env: &EnvSnapshot) -> Option<String> {
    if let Some(spec) = env
        .non_empty("TUG_LOG")
        .or_else(|| env.non_empty("RUST_LOG"))
    {
        return Some(spec.to_string());
    }
    match verbose {
        0 => None,
        1 => Some("tug=debug".into()),
        _ => Some("tug=trace".into()),
    }
}

/// Install the subscriber. Returns whether logging is on (then the printer hides progress bars).
pub fn init(verbose: u8, env: &EnvSnapshot) -> bool {
    let Some(spec) = filter_spec(verbose, env) else {
        return false;
    };
    let filter = EnvFilter::try_new(&spec).unwrap_or_else(|e| {
        // A bad filter is reported, not silently ignored; tug's own debug events still show.
        let _ = writeln!(
            std::io::stderr(),
            "warning: TUG_LOG/RUST_LOG={spec:?} is not a valid tracing filter ({e}); using tug=debug"
        );
        EnvFilter::new("tug=debug")
    });
    let writer = ScrubbedStderr {
        scrubber: Scrubber::from_env(env.vars()),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .without_time()
        .with_target(true)
        .try_init();
    true
}

/// stderr, with secret values masked.
#[derive(Clone)]
struct ScrubbedStderr {
    scrubber: Scrubber,
}

impl<'a> MakeWriter<'a> for ScrubbedStderr {
    type Writer = ScrubbedLine<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubbedLine {
            scrubber: &self.scrubber,
        }
    }
}

/// One write of the formatter (a whole event), scrubbed, then written to stderr at once.
struct ScrubbedLine<'a> {
    scrubber: &'a Scrubber,
}

impl Write for ScrubbedLine<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr()
            .lock()
            .write_all(self.scrubber.scrub(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_and_overrides() {
        let none = EnvSnapshot::default();
        assert_eq!(filter_spec(0, &none), None);
        assert_eq!(filter_spec(1, &none).as_deref(), Some("tug=debug"));
        assert_eq!(filter_spec(2, &none).as_deref(), Some("tug=trace"));
        let env =
            EnvSnapshot::from_pairs([("RUST_LOG", "info"), ("TUG_LOG", "tug::publish=trace")]);
        assert_eq!(filter_spec(0, &env).as_deref(), Some("tug::publish=trace"));
        let env = EnvSnapshot::from_pairs([("RUST_LOG", "info"), ("TUG_LOG", "")]);
        assert_eq!(filter_spec(0, &env).as_deref(), Some("info"));
    }
}
