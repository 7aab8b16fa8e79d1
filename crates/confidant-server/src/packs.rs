//! The rule packs in use, for the privacy officer: where they come from,
//! their `rules_version`, the result of the packs directory's own scenarios,
//! and what the last reload changed. That last is the decisions recorded in
//! the past [`REPLAY_DAYS`] days, replayed against both rule sets. Reloading
//! is atomic. The new engine is built and checked off the async workers. The
//! switch is audited before it happens.

use std::sync::Arc;

use confidant_policy::scenario::{CategoryChange, Scenario, category_changes, problems};
use confidant_policy::{Engine, request_from_value};
use confidant_store::{AuditEvent, AuditKind, Detail};
use serde::Serialize;

use crate::AppState;

/// How far back a reload replays recorded decisions.
pub const REPLAY_DAYS: i64 = 30;
/// At most this many recorded decisions are replayed on a reload (newest first).
pub const REPLAY_LIMIT: u64 = 10_000;
/// At most this many changes are kept for the console.
const CHANGES_KEPT: usize = 200;

/// A packs directory's scenarios run against an engine.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PackTests {
    /// Scenarios that passed.
    pub passed: usize,
    /// One line per failing scenario: its name and what was wrong.
    pub failures: Vec<String>,
}

impl PackTests {
    /// Runs `scenarios` against `engine`.
    pub fn run(engine: &Engine, scenarios: &[Scenario]) -> PackTests {
        let mut out = PackTests::default();
        for scenario in scenarios {
            let found = problems(engine, scenario);
            if found.is_empty() {
                out.passed += 1;
            } else {
                out.failures.push(format!("{}: {}", scenario.name, found.join("; ")));
            }
        }
        out
    }
}

/// Runs the packs directory's own scenarios against an engine (`None`: the
/// directory has none).
pub type PackTester = Arc<dyn Fn(&Engine) -> Option<PackTests> + Send + Sync>;

/// One recorded decision whose outcome the new rules change.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayedChange {
    /// The audit entry that recorded the decision.
    pub entry: u64,
    /// The category whose outcome changed, and from what to what.
    #[serde(flatten)]
    pub change: CategoryChange,
}

/// What a reload did.
#[derive(Clone, Debug, Serialize)]
pub struct ReloadReport {
    /// When, in Unix milliseconds.
    pub at_ms: i64,
    /// The staff member who reloaded (none for SIGHUP).
    pub by: Option<String>,
    /// The catalog digest before.
    pub old_rules_version: String,
    /// The catalog digest after.
    pub new_rules_version: String,
    /// Recorded decisions replayed against both rule sets.
    pub replayed: usize,
    /// How many category outcomes changed (all of them, even past those kept).
    pub changed: usize,
    /// The changes, the most recent ones kept.
    pub changes: Vec<ReplayedChange>,
}

/// The rules in use.
#[derive(Clone, Debug, Serialize)]
pub struct RulesStatus {
    /// `built-in packs`, or the packs directory laid over them.
    pub source: String,
    /// The catalog digest decisions name.
    pub rules_version: String,
    /// How many rules are loaded.
    pub rules: usize,
    /// The packs directory's own scenarios against these rules, when it has any.
    pub tests: Option<PackTests>,
    /// The last reload since the server started.
    pub last_reload: Option<ReloadReport>,
}

/// What the server knows of its packs beyond the engine itself (whose
/// version and rules are read from the engine in use, not kept twice).
#[derive(Clone, Debug)]
pub(crate) struct PacksRecord {
    source: String,
    tests: Option<PackTests>,
    last_reload: Option<ReloadReport>,
}

impl Default for PacksRecord {
    fn default() -> PacksRecord {
        PacksRecord { source: "built-in packs".into(), tests: None, last_reload: None }
    }
}

impl AppState {
    /// The rules in use, as the console shows them.
    pub fn rules_status(&self) -> RulesStatus {
        let record = match self.packs.read() {
            Ok(record) => record.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let engine = self.engine();
        RulesStatus {
            source: record.source,
            rules_version: engine.catalog().version().to_string(),
            rules: engine.rules().len(),
            tests: record.tests,
            last_reload: record.last_reload,
        }
    }

    fn update_packs(&self, change: impl FnOnce(&mut PacksRecord)) {
        match self.packs.write() {
            Ok(mut record) => change(&mut record),
            Err(poisoned) => change(&mut poisoned.into_inner()),
        }
    }

    /// Names where the packs come from and how to test them; runs the tests
    /// on the rules in use now.
    pub fn set_packs(&self, source: String, tester: PackTester) {
        let tests = tester(&self.engine());
        let _ = self.tester.set(tester);
        self.update_packs(|record| {
            record.source = source;
            record.tests = tests;
        });
    }

    /// Loads the packs again and, only if they load and validate, switches
    /// to them at once; the switch is an audit event naming both rule
    /// versions. Before switching, the packs' own scenarios run against the
    /// new rules and the decisions of the last [`REPLAY_DAYS`] days are
    /// replayed against both; the console shows both results. On any
    /// failure the current rules stay and the reason is logged and returned.
    /// Returns the old and new `rules_version`.
    pub async fn reload_rules(&self, actor: Option<&str>) -> Result<(String, String), String> {
        let reloader =
            self.reloader.get().cloned().ok_or_else(|| "this server was started without a packs directory to reload from".to_string())?;
        let _one_at_a_time = self.reloading.lock().await;
        let built = tokio::task::spawn_blocking(move || reloader()).await.map_err(|e| e.to_string())?;
        let engine = match built {
            Ok(engine) => Arc::new(engine),
            Err(reason) => {
                tracing::warn!(%reason, "rule packs refused; keeping the current rules");
                return Err(reason);
            }
        };
        let old = self.engine();
        let recorded = self.recorded_requests().await.map_err(|e| e.detail)?;
        let tester = self.tester.get().cloned();
        let (tests, replayed, changed, changes) = tokio::task::spawn_blocking({
            let (old, new) = (old.clone(), engine.clone());
            move || {
                let tests = tester.and_then(|t| t(&new));
                let (replayed, changed, changes) = replay(&old, &new, &recorded);
                (tests, replayed, changed, changes)
            }
        })
        .await
        .map_err(|e| e.to_string())?;
        let new_version = engine.catalog().version().to_string();
        let old_version = old.catalog().version().to_string();
        // Recorded before the switch: no decision comes from rules the log
        // does not name.
        let event = AuditEvent::new(AuditKind::RulesReloaded, actor).with_all([
            Detail::OldRulesVersion(old_version.clone()),
            Detail::NewRulesVersion(new_version.clone()),
            Detail::Replayed(replayed),
            Detail::Changed(changed),
        ]);
        self.audit.one(event).await.map_err(|e| e.detail)?;
        match self.engine.write() {
            Ok(mut slot) => *slot = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
        let report = ReloadReport {
            at_ms: self.store.now_secs() * 1000,
            by: actor.map(str::to_string),
            old_rules_version: old_version.clone(),
            new_rules_version: new_version.clone(),
            replayed,
            changed,
            changes,
        };
        self.update_packs(|record| {
            record.tests = tests;
            record.last_reload = Some(report);
        });
        tracing::info!(old = %old_version, new = %new_version, replayed, changed, "rule packs reloaded");
        Ok((old_version, new_version))
    }

    /// The requests behind the decisions and disclosures recorded in the
    /// last [`REPLAY_DAYS`] days (at most [`REPLAY_LIMIT`]), newest first.
    async fn recorded_requests(&self) -> Result<Vec<(u64, serde_json::Value)>, crate::problem::Problem> {
        let since_ms = (self.store.now_secs() - REPLAY_DAYS * 86_400) * 1000;
        let mut out = self.store.recorded_requests(since_ms, Some(REPLAY_LIMIT)).await?;
        out.reverse();
        Ok(out)
    }
}

/// Replays `recorded` against both engines: how many were replayed, how many
/// category outcomes changed, and the first changes.
fn replay(old: &Engine, new: &Engine, recorded: &[(u64, serde_json::Value)]) -> (usize, usize, Vec<ReplayedChange>) {
    let (mut replayed, mut changed, mut kept) = (0, 0, Vec::new());
    for (entry, value) in recorded {
        // A request recorded under an older contract may no longer parse: skipped.
        let Ok(request) = request_from_value(value, "") else { continue };
        let Ok(changes) = category_changes(old, new, &request) else { continue };
        replayed += 1;
        changed += changes.len();
        for change in changes {
            if kept.len() < CHANGES_KEPT {
                kept.push(ReplayedChange { entry: *entry, change });
            }
        }
    }
    (replayed, changed, kept)
}
