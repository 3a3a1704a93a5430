//! What `tug publish --dry-run` says a `goproxy` publisher would change, beyond the files it
//! would upload: the records it would append to the checksum database (and the tree's new size),
//! what it would add to `@v/list` and `@latest`, and the lock it would take (or that an HTTP proxy
//! has none). The publisher reads the proxy to make it and writes nothing; the command prints
//! [`Plan::lines`] as status lines and the plan itself as a `--json` event.

/// A dry run of one module version on one `goproxy` publisher.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub module: String,
    pub version: String,
    /// The checksum database, with `sumdb:`.
    pub sumdb: Option<SumdbPlan>,
    pub list: ListPlan,
    pub lock: LockPlan,
}

/// What the version's record does to the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SumdbPlan {
    pub name: String,
    /// The database's directory or URL.
    pub location: String,
    /// The record's two go.sum lines.
    pub records: [String; 2],
    /// Already recorded with these hashes: nothing to append.
    pub recorded: bool,
    /// The tree size now and after the append.
    pub size: u64,
    pub new_size: u64,
}

/// What happens to `@v/list` and `@latest`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum ListPlan {
    /// The version would be added to the list.
    Add {
        list: String,
        /// The versions listed now.
        listed: Vec<String>,
        /// The version `@latest` would name after the change, when it changes.
        latest: Option<String>,
    },
    /// Already listed: the list stays.
    Listed { list: String },
    /// Published staged: its files only, not listed.
    Staged { list: String },
}

/// The lock the publish would take.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LockPlan {
    /// A directory: its lock file, and who holds it now (`None`: free).
    Dir {
        lock: String,
        holder: Option<String>,
        /// How long the publish would wait for it, in seconds.
        wait_seconds: u64,
    },
    /// An HTTP proxy cannot be locked.
    None { url: String },
}

/// One line of the plan: a status verb (right-aligned by the printer), or `None` for a line
/// that continues the one before.
pub type Line = (Option<&'static str>, String);

impl Plan {
    /// The plan as the lines `--dry-run` prints (each after `<publisher>: `, continuations
    /// indented).
    pub fn lines(&self) -> Vec<Line> {
        let mut out: Vec<Line> = Vec::new();
        let at = format!("{}@{}", self.module, self.version);
        if let Some(db) = &self.sumdb {
            if db.recorded {
                out.push((
                    Some("Unchanged"),
                    format!(
                        "checksum database {} already records {at} (tree of {} records, {})",
                        db.name, db.size, db.location
                    ),
                ));
            } else {
                out.push((
                    Some("Would append"),
                    format!(
                        "to the checksum database {} ({}), tree of {} -> {} records:",
                        db.name, db.location, db.size, db.new_size
                    ),
                ));
                for r in &db.records {
                    out.push((None, r.clone()));
                }
            }
        }
        match &self.list {
            ListPlan::Add {
                list,
                listed,
                latest,
            } => {
                let now = if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.join(" ")
                };
                let latest = match latest {
                    Some(v) => format!("@latest -> {v}"),
                    None => "@latest stays".to_string(),
                };
                out.push((
                    Some("Would list"),
                    format!("{} in {list} (listed now: {now}; {latest})", self.version),
                ));
            }
            ListPlan::Listed { list } => out.push((
                Some("Unchanged"),
                format!("{} is already listed in {list}", self.version),
            )),
            ListPlan::Staged { list } => out.push((
                Some("Would stage"),
                format!(
                    "{at}: its files only, not in {list} or @latest until `tug publish --promote {}`",
                    self.version
                ),
            )),
        }
        match &self.lock {
            LockPlan::Dir {
                lock,
                holder: None,
                ..
            } => out.push((
                Some("Would lock"),
                format!("{lock} while writing (free now)"),
            )),
            LockPlan::Dir {
                lock,
                holder: Some(holder),
                wait_seconds,
            } => out.push((
                Some("Would wait"),
                format!(
                    "for the lock on {lock}, {holder} (up to {})",
                    humantime::format_duration(std::time::Duration::from_secs(*wait_seconds))
                ),
            )),
            LockPlan::None { url } => out.push((
                Some("No lock"),
                format!(
                    "{url} is an HTTP proxy, which tug cannot lock: only one publisher at a time may publish to it"
                ),
            )),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(plan: &Plan) -> String {
        plan.lines()
            .iter()
            .map(|(verb, text)| match verb {
                Some(v) => format!("{v:>12} {text}\n"),
                None => format!("{:>12}   {text}\n", ""),
            })
            .collect()
    }

    #[test]
    fn a_dry_run_names_the_records_the_tree_size_and_the_list() {
        let plan = Plan {
            module: "example.com/Lib".into(),
            version: "v1.1.0".into(),
            sumdb: Some(SumdbPlan {
                name: "sum.example.com".into(),
                location: "/srv/proxy/sumdb/sum.example.com".into(),
                records: [
                    "example.com/Lib v1.1.0 h1:zip=".into(),
                    "example.com/Lib v1.1.0/go.mod h1:mod=".into(),
                ],
                recorded: false,
                size: 1,
                new_size: 2,
            }),
            list: ListPlan::Add {
                list: "/srv/proxy/example.com/!lib/@v/list".into(),
                listed: vec!["v1.0.0".into()],
                latest: Some("v1.1.0".into()),
            },
            lock: LockPlan::Dir {
                lock: "/srv/proxy/.tug-publish.lock".into(),
                holder: None,
                wait_seconds: 300,
            },
        };
        assert_eq!(
            render(&plan),
            "\
Would append to the checksum database sum.example.com (/srv/proxy/sumdb/sum.example.com), tree of 1 -> 2 records:
               example.com/Lib v1.1.0 h1:zip=
               example.com/Lib v1.1.0/go.mod h1:mod=
  Would list v1.1.0 in /srv/proxy/example.com/!lib/@v/list (listed now: v1.0.0; @latest -> v1.1.0)
  Would lock /srv/proxy/.tug-publish.lock while writing (free now)
"
        );
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["sumdb"]["new_size"], 2);
        assert_eq!(json["list"]["change"], "add");
        assert_eq!(json["lock"]["kind"], "dir");
    }

    #[test]
    fn a_recorded_staged_version_over_http_changes_nothing_and_says_there_is_no_lock() {
        let plan = Plan {
            module: "example.com/Lib".into(),
            version: "v2.0.0".into(),
            sumdb: Some(SumdbPlan {
                name: "sum.example.com".into(),
                location: "https://repo.example.com/go/sumdb/sum.example.com".into(),
                records: ["a".into(), "b".into()],
                recorded: true,
                size: 3,
                new_size: 3,
            }),
            list: ListPlan::Staged {
                list: "https://repo.example.com/go/example.com/!lib/@v/list".into(),
            },
            lock: LockPlan::None {
                url: "https://repo.example.com/go".into(),
            },
        };
        assert_eq!(
            render(&plan),
            "   Unchanged checksum database sum.example.com already records example.com/Lib@v2.0.0 (tree of 3 records, https://repo.example.com/go/sumdb/sum.example.com)
 Would stage example.com/Lib@v2.0.0: its files only, not in https://repo.example.com/go/example.com/!lib/@v/list or @latest until `tug publish --promote v2.0.0`
     No lock https://repo.example.com/go is an HTTP proxy, which tug cannot lock: only one publisher at a time may publish to it
"
        );
        let held = Plan {
            sumdb: None,
            list: ListPlan::Listed { list: "l".into() },
            lock: LockPlan::Dir {
                lock: "/p/.tug-publish.lock".into(),
                holder: Some("held by pid 7 on ci".into()),
                wait_seconds: 90,
            },
            ..plan
        };
        assert_eq!(
            render(&held),
            "   Unchanged v2.0.0 is already listed in l\n  Would wait for the lock on /p/.tug-publish.lock, held by pid 7 on ci (up to 1m 30s)\n"
        );
    }
}
