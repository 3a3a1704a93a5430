//! Places diagnostics that a section reported without a location. Some section validators
//! (notably `environments:`, whose types keep few spans) report problems such as "health_check
//! needs exactly one of http, tcp, command" or "host name \"h1\" appears twice" with no
//! `file:line:column`; this finds the key they are about in the located tree, so every problem
//! of `tug check` has a line, a caret and a path.

use super::deploy::{host_name, EnvironmentConfig};
use super::tree::Node;
use super::{Config, Diagnostic, Location};

/// Give every unlocated diagnostic the location of the key it is about (by the environment it
/// was reported for and what it says), or at least of its section.
pub fn place_unlocated(config: &Config, tree: &Node, diagnostics: &mut [Diagnostic]) {
    for d in diagnostics.iter_mut().filter(|d| d.line == 0) {
        let at = config
            .environments
            .iter()
            .find(|(name, _)| d.message.contains(&format!("{name:?}")))
            .map(|(name, e)| environment_location(name, e, tree, &d.message))
            .unwrap_or_else(|| tree.at);
        if at.line() > 0 {
            d.line = at.line();
            d.column = at.column();
        }
    }
}

/// Place one environment's unlocated diagnostics (`name` may not appear in their message).
pub fn place_environment(
    name: &str,
    e: &EnvironmentConfig,
    tree: &Node,
    diagnostics: &mut [Diagnostic],
) {
    for d in diagnostics.iter_mut().filter(|d| d.line == 0) {
        let at = environment_location(name, e, tree, &d.message);
        if at.line() > 0 {
            d.line = at.line();
            d.column = at.column();
        }
    }
}

fn quoted_after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn environment_location(name: &str, e: &EnvironmentConfig, tree: &Node, message: &str) -> Location {
    let base = format!("environments.{name}");
    let at = |rel: &str| tree.locate(&format!("{base}.{rel}"));
    if message.contains("has no hosts") {
        return at("target.hosts");
    }
    if message.contains("health_check needs exactly one") {
        return at("health_check");
    }
    if let Some(dup) = quoted_after(message, "host name ") {
        // The second host of that name: its `name` key, else address, else path.
        let mut seen = 0;
        for (i, h) in e.target.hosts.iter().enumerate() {
            if host_name(h) == dup {
                seen += 1;
                if seen == 2 {
                    for key in ["name", "address", "path"] {
                        let path = format!("{base}.target.hosts[{i}].{key}");
                        if tree.find(&path).is_some() {
                            return tree.locate(&path);
                        }
                    }
                    return at(&format!("target.hosts[{i}]"));
                }
            }
        }
    }
    if let Some(path) = quoted_after(message, "ssh host ") {
        if let Some(i) = e.target.hosts.iter().position(|h| h.path == path) {
            return at(&format!("target.hosts[{i}]"));
        }
    }
    if message.contains("strategy needs `batch`") || message.contains("strategy needs `steps`") {
        return at("strategy.type");
    }
    if let Some(slot) = quoted_after(message, "slot name ") {
        return at(&format!("strategy.slots.{slot}"));
    }
    if message.contains("slots") {
        return at("strategy.slots");
    }
    if message.contains("steps cannot have `hosts`") {
        if let Some(i) = e.strategy.steps.iter().position(|s| s.hosts.is_some()) {
            return at(&format!("strategy.steps[{i}]"));
        }
    }
    if message.contains("canary step needs exactly one") {
        if let Some(i) = e.strategy.steps.iter().position(|s| {
            [s.hosts.is_some(), s.pause.is_some(), s.analysis.is_some()]
                .iter()
                .filter(|b| **b)
                .count()
                != 1
        }) {
            return at(&format!("strategy.steps[{i}]"));
        }
    }
    if let Some(analysis) = quoted_after(message, "analysis ") {
        return at(&format!("analyses.{analysis}"));
    }
    tree.locate(&base)
}
