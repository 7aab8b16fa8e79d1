//! State that several servers on one database share (migration 14): the
//! version every server polls to know when its cached principals may be
//! wrong, and the sliding windows of recent sign-in attempts behind the
//! per-address rate limit and the failures of unknown staff ids.
//!
//! Nothing here names a person: subjects are hashes chosen by the caller.

use sqlx::Row;

use crate::error::StoreError;
use crate::vault::{Store, corrupt};

/// A sign-in attempt counted under one subject's sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountedAttempt {
    /// Whether the attempt was within the limit (and so recorded).
    pub allowed: bool,
    /// Attempts in the window, this one included when it was recorded.
    pub in_window: u32,
    /// When the oldest attempt in the window leaves it (Unix ms), if any.
    pub frees_at_ms: Option<i64>,
}

impl Store {
    /// The shared principal version: moved by the database itself (triggers
    /// of migration 14) in the same transaction as any change to a staff
    /// member, a session, an API token or whether a password must change.
    /// Zero until the first such change.
    pub async fn principal_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT version FROM principal_version WHERE id = 1").fetch_optional(self.pool()).await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }

    /// Counts an attempt under `subject` in a sliding window of `window_ms`
    /// ending at `now_ms`, for every process on this database at once: the
    /// subject's row is locked (an upsert) for the read and the write, so of
    /// concurrent attempts from several servers exactly `limit` get through.
    /// With `refuse_over_limit`, an attempt that finds `limit` already in
    /// the window is refused and not recorded; without it, it is always
    /// recorded and only the latest `limit` are kept (a count that
    /// saturates).
    pub async fn count_attempt(
        &self,
        subject: &str,
        now_ms: i64,
        window_ms: i64,
        limit: u32,
        refuse_over_limit: bool,
    ) -> Result<CountedAttempt, StoreError> {
        let mut tx = self.begin().await?;
        // Makes the row or locks the existing one, and reads it.
        let row = sqlx::query(
            "INSERT INTO sign_in_limits (subject, attempts, last_ms) VALUES ($1, '', $2) \
             ON CONFLICT (subject) DO UPDATE SET last_ms = sign_in_limits.last_ms RETURNING attempts",
        )
        .bind(subject.to_string())
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let text: String = row.try_get(0)?;
        let mut recent = text
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>().map_err(|_| corrupt("sign-in attempts")))
            .collect::<Result<Vec<i64>, StoreError>>()?;
        recent.retain(|at| *at > now_ms - window_ms);
        let limit_len = usize::try_from(limit).unwrap_or(usize::MAX);
        let allowed = !refuse_over_limit || recent.len() < limit_len;
        if allowed {
            recent.push(now_ms);
            let excess = recent.len().saturating_sub(limit_len);
            recent.drain(..excess);
        }
        let kept = recent.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query("UPDATE sign_in_limits SET attempts = $2, last_ms = $3 WHERE subject = $1")
            .bind(subject.to_string())
            .bind(kept)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(CountedAttempt {
            allowed,
            in_window: u32::try_from(recent.len()).unwrap_or(u32::MAX),
            frees_at_ms: recent.first().map(|at| at + window_ms),
        })
    }

    /// Forgets the sign-in windows whose last attempt is at or before
    /// `before_ms`; returns how many went.
    pub async fn prune_attempts(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sign_in_limits WHERE last_ms <= $1").bind(before_ms).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}
