//! Sign-in state and need-to-know in the database: credentials (the server
//! hashes; this stores the PHC string), failed attempts and lockout, TOTP
//! secrets (sealed), sessions and API tokens (only hashes of the tokens),
//! break-glass grants with their review, and who may see which client
//! (caseload, care team, or a live break-glass grant).

use serde::Serialize;
use sqlx::Row;
use zeroize::Zeroizing;

use crate::audit::{AuditEvent, AuditKind};
use crate::audit_detail::Detail;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::vault::{Store, Tx, corrupt, new_id, not_found, require};

/// A staff member's sign-in record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The staff member it belongs to.
    pub staff_id: String,
    /// The password hash as a PHC string (Argon2id, made by the server).
    pub password_hash: String,
    /// Password checks counted since the last success (reset when a lock ends).
    pub failed_attempts: u32,
    /// Unix seconds until which sign-in is refused.
    pub locked_until: Option<i64>,
    /// Whether sign-in also needs a TOTP code (enrolment confirmed).
    pub totp_enabled: bool,
    /// Set by someone else (a one-time or reset password): a session may
    /// only change it or sign out until it is changed.
    pub must_change_password: bool,
}

/// A session found by its token's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The signed-in staff member.
    pub staff_id: String,
    /// The token a console form must echo (CSRF protection).
    pub csrf_token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// An API token found by its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// The token's id (`tok-…`), safe to show; the secret is never stored.
    pub id: String,
    /// The staff member the token acts as.
    pub staff_id: String,
    /// The name its owner gave it.
    pub name: String,
    /// The scopes it is limited to, by their wire names.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `None` while the token is live.
    pub revoked_at: Option<i64>,
}

/// A break-glass access, opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BreakGlass {
    /// The grant's id (`bg-…`).
    pub id: String,
    /// Who broke the glass.
    pub staff_id: String,
    /// The client opened outside the caseload.
    pub client_id: String,
    /// The stated reason (sealed at rest).
    pub reason: String,
    /// Unix seconds.
    pub opened_at: i64,
    /// Unix seconds; an unjustified review moves it to the review's time.
    pub expires_at: i64,
    /// The privacy officer who reviewed it; `None` while queued.
    pub reviewed_by: Option<String>,
    /// Unix seconds.
    pub reviewed_at: Option<i64>,
    /// `justified` or `unjustified` once reviewed.
    pub outcome: Option<String>,
    /// The audit entry that recorded the opening.
    pub audit_seq: u64,
}

/// Whether `$1` (a staff member) has `$2` (a client) on their caseload or
/// care team: a row when they do. (SQLite numbers `$1` and `$2` by first
/// use, so rusqlite binds them positionally too.)
pub(crate) const ON_CASELOAD: &str = "SELECT 1 AS x FROM caseload_assignments WHERE staff_id = $1 AND client_id = $2 \
     UNION SELECT 1 AS x FROM clients c JOIN care_team_members m ON m.team_id = c.team_id WHERE c.id = $2 AND m.staff_id = $1";

impl Store {
    /// Sets (or replaces) a staff member's password hash and clears lockout
    /// and any must-change flag.
    pub async fn set_password_hash(&self, staff_id: &str, phc: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.write_password_hash(&mut tx, staff_id, phc, false).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a password hash, flagged to be changed at the next sign-in when
    /// `must_change`, with its audit entry in the same transaction.
    pub async fn set_password_hash_audited(
        &self,
        staff_id: &str,
        phc: &str,
        must_change: bool,
        audit: AuditEvent,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.write_password_hash(&mut tx, staff_id, phc, must_change).await?;
        self.commit_audited(tx, audit).await
    }

    async fn write_password_hash(&self, tx: &mut Tx, staff_id: &str, phc: &str, must_change: bool) -> Result<(), StoreError> {
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        sqlx::query(
            "INSERT INTO staff_credentials (staff_id, password_hash, failed_attempts, updated_at, must_change_password) VALUES ($1, $2, 0, $3, $4) \
             ON CONFLICT (staff_id) DO UPDATE SET password_hash = $2, failed_attempts = 0, locked_until = NULL, updated_at = $3, must_change_password = $4",
        )
        .bind(staff_id.to_string())
        .bind(phc.to_string())
        .bind(self.now_secs())
        .bind(i64::from(must_change))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The staff member's sign-in record; `None` when no password is set.
    pub async fn credential(&self, staff_id: &str) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(
            "SELECT staff_id, password_hash, failed_attempts, locked_until, totp_enabled, must_change_password FROM staff_credentials WHERE staff_id = $1",
        )
        .bind(staff_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let failed: i64 = r.try_get("failed_attempts")?;
            let totp: i64 = r.try_get("totp_enabled")?;
            Ok(Credential {
                staff_id: r.try_get("staff_id")?,
                password_hash: r.try_get("password_hash")?,
                failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
                locked_until: r.try_get("locked_until")?,
                totp_enabled: totp != 0,
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            })
        })
        .transpose()
    }

    /// Claims one password check for `staff_id` before it is made, in one
    /// conditional statement: of any number of concurrent attempts at most
    /// `lock_after` are let through in a lock window, and the one that
    /// reaches the limit starts the lock (a success then lifts it). A lock
    /// that has ended is forgotten first, count and all. `None` when the
    /// account is locked (or has no password).
    pub async fn claim_password_check(&self, staff_id: &str, lock_after: u32, lock_secs: i64) -> Result<Option<u32>, StoreError> {
        let now = self.now_secs();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff_credentials SET failed_attempts = 0, locked_until = NULL WHERE staff_id = $1 AND locked_until IS NOT NULL AND locked_until <= $2")
            .bind(staff_id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let claimed = sqlx::query(
            "UPDATE staff_credentials SET failed_attempts = failed_attempts + 1, \
             locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END, updated_at = $4 \
             WHERE staff_id = $1 AND failed_attempts < $2 AND (locked_until IS NULL OR locked_until <= $4)",
        )
        .bind(staff_id.to_string())
        .bind(i64::from(lock_after))
        .bind(now + lock_secs)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let count = if claimed.rows_affected() == 1 {
            let row = sqlx::query("SELECT failed_attempts FROM staff_credentials WHERE staff_id = $1")
                .bind(staff_id.to_string())
                .fetch_one(&mut *tx)
                .await?;
            let n: i64 = row.try_get("failed_attempts")?;
            Some(u32::try_from(n).unwrap_or(u32::MAX))
        } else {
            None
        };
        tx.commit().await?;
        Ok(count)
    }

    /// Accepts a TOTP time step once: true when `step` is later than every
    /// step accepted before for this account (a replayed code is refused).
    pub async fn accept_totp_step(&self, staff_id: &str, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE staff_credentials SET totp_last_step = $2 WHERE staff_id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(staff_id.to_string())
        .bind(step)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Clears failed attempts and any lock after a successful sign-in.
    pub async fn record_sign_in_success(&self, staff_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff_credentials SET failed_attempts = 0, locked_until = NULL, updated_at = $2 WHERE staff_id = $1")
            .bind(staff_id.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a TOTP secret sealed under the staff member's data key;
    /// `enabled` false while enrolment waits for a first valid code.
    pub async fn set_totp_secret(&self, staff_id: &str, secret: &[u8], enabled: bool) -> Result<(), StoreError> {
        self.set_totp_secret_with(staff_id, secret, enabled, None).await
    }

    /// [`Store::set_totp_secret`] with `audit` in the same transaction.
    pub async fn set_totp_secret_audited(&self, staff_id: &str, secret: &[u8], enabled: bool, audit: AuditEvent) -> Result<(), StoreError> {
        self.set_totp_secret_with(staff_id, secret, enabled, Some(audit)).await
    }

    async fn set_totp_secret_with(
        &self,
        staff_id: &str,
        secret: &[u8],
        enabled: bool,
        audit: Option<AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("SELECT s.data_key_id, d.kek_id, d.wrapped FROM staff s JOIN data_keys d ON d.id = s.data_key_id WHERE s.id = $1")
                .bind(staff_id.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| not_found("staff", staff_id))?;
        let key = self.unwrap_row(&row)?;
        let sealed =
            key.seal(&field_aad("staff_credentials", "totp_secret", staff_id), secret).map_err(StoreError::crypto("totp secret"))?;
        let updated = sqlx::query("UPDATE staff_credentials SET totp_secret = $2, totp_enabled = $3, updated_at = $4 WHERE staff_id = $1")
            .bind(staff_id.to_string())
            .bind(sealed)
            .bind(i64::from(enabled))
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::invalid("staff", format!("a staff member with a password; `{staff_id}` has none")));
        }
        self.finish(tx, audit).await
    }

    /// Removes a staff member's TOTP secret and turns the second factor off
    /// (an admin's recovery for a lost authenticator); "not found" when the
    /// staff member has no password.
    pub async fn clear_totp(&self, staff_id: &str) -> Result<(), StoreError> {
        self.clear_totp_with(staff_id, None).await
    }

    /// [`Store::clear_totp`] with `audit` in the same transaction.
    pub async fn clear_totp_audited(&self, staff_id: &str, audit: AuditEvent) -> Result<(), StoreError> {
        self.clear_totp_with(staff_id, Some(audit)).await
    }

    async fn clear_totp_with(&self, staff_id: &str, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query("UPDATE staff_credentials SET totp_secret = NULL, totp_enabled = 0, updated_at = $2 WHERE staff_id = $1")
            .bind(staff_id.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() != 1 {
            return Err(not_found("staff credential", staff_id));
        }
        self.finish(tx, audit).await
    }

    /// The TOTP secret, opened, when one is stored.
    pub async fn totp_secret(&self, staff_id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let row = sqlx::query(
            "SELECT c.totp_secret, s.data_key_id, d.kek_id, d.wrapped FROM staff_credentials c JOIN staff s ON s.id = c.staff_id \
             JOIN data_keys d ON d.id = s.data_key_id WHERE c.staff_id = $1",
        )
        .bind(staff_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Option<Vec<u8>> = row.try_get("totp_secret")?;
        let Some(sealed) = sealed else { return Ok(None) };
        let key = self.unwrap_row(&row)?;
        Ok(Some(key.open(&field_aad("staff_credentials", "totp_secret", staff_id), &sealed).map_err(StoreError::crypto("totp secret"))?))
    }

    /// Stores a new session by its token's hash (the token itself is never stored).
    pub async fn create_session(&self, token_hash: &str, staff_id: &str, csrf_token: &str, expires_at: i64) -> Result<(), StoreError> {
        self.create_session_with(token_hash, staff_id, csrf_token, expires_at, None).await
    }

    /// [`Store::create_session`] with `audit` (the sign-in) in the same transaction.
    pub async fn create_session_audited(
        &self,
        token_hash: &str,
        staff_id: &str,
        csrf_token: &str,
        expires_at: i64,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.create_session_with(token_hash, staff_id, csrf_token, expires_at, Some(audit)).await
    }

    async fn create_session_with(
        &self,
        token_hash: &str,
        staff_id: &str,
        csrf_token: &str,
        expires_at: i64,
        audit: Option<AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (token_hash, staff_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash.to_string())
            .bind(staff_id.to_string())
            .bind(csrf_token.to_string())
            .bind(self.now_secs())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        self.finish(tx, audit).await
    }

    /// A live session (not expired, not revoked, staff still active).
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT x.staff_id, x.csrf_token, x.expires_at FROM sessions x JOIN staff s ON s.id = x.staff_id \
             WHERE x.token_hash = $1 AND x.revoked_at IS NULL AND x.expires_at > $2 AND s.active = 1",
        )
        .bind(token_hash.to_string())
        .bind(self.now_secs())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                staff_id: r.try_get("staff_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session (sign-out); an unknown or ended one is left as it is.
    pub async fn revoke_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.revoke_session_with(token_hash, None).await
    }

    /// [`Store::revoke_session`] with `audit` (the sign-out) in the same transaction.
    pub async fn revoke_session_audited(&self, token_hash: &str, audit: AuditEvent) -> Result<(), StoreError> {
        self.revoke_session_with(token_hash, Some(audit)).await
    }

    async fn revoke_session_with(&self, token_hash: &str, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        self.finish(tx, audit).await
    }

    /// Ends every live (unexpired, unrevoked) session of `staff_id` except the one whose hash is
    /// `keep` (after a password change, other devices must sign in again).
    /// Returns how many were ended.
    pub async fn revoke_sessions_of(&self, staff_id: &str, keep: Option<&str>) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let now = self.now_secs();
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND token_hash <> $3",
        )
        .bind(staff_id.to_string())
        .bind(now)
        .bind(keep.unwrap_or_default().to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Stores an API token by its hash with a name and scopes; returns the token's id.
    pub async fn create_api_token(&self, token_hash: &str, staff_id: &str, name: &str, scopes: &[String]) -> Result<String, StoreError> {
        self.create_api_token_with(token_hash, staff_id, name, scopes, None).await
    }

    /// [`Store::create_api_token`] with `audit` in the same transaction; its
    /// details name the new token's id (`"token"`).
    pub async fn create_api_token_audited(
        &self,
        token_hash: &str,
        staff_id: &str,
        name: &str,
        scopes: &[String],
        audit: AuditEvent,
    ) -> Result<String, StoreError> {
        self.create_api_token_with(token_hash, staff_id, name, scopes, Some(audit)).await
    }

    async fn create_api_token_with(
        &self,
        token_hash: &str,
        staff_id: &str,
        name: &str,
        scopes: &[String],
        audit: Option<AuditEvent>,
    ) -> Result<String, StoreError> {
        if name.trim().is_empty() {
            return Err(StoreError::invalid("name", "a name for the token"));
        }
        let id = new_id("tok");
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        sqlx::query("INSERT INTO api_tokens (id, token_hash, staff_id, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.clone())
            .bind(token_hash.to_string())
            .bind(staff_id.to_string())
            .bind(name.to_string())
            .bind(scopes.join(","))
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        self.finish(tx, audit.map(|a| a.with(Detail::Token(id.clone())))).await?;
        Ok(id)
    }

    fn token_of_row(row: &sqlx::any::AnyRow) -> Result<ApiToken, StoreError> {
        let scopes: String = row.try_get("scopes")?;
        Ok(ApiToken {
            id: row.try_get("id")?,
            staff_id: row.try_get("staff_id")?,
            name: row.try_get("name")?,
            scopes: scopes.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            created_at: row.try_get("created_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }

    /// A live (unrevoked) token of an active staff member.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(
            "SELECT t.id, t.staff_id, t.name, t.scopes, t.created_at, t.revoked_at FROM api_tokens t JOIN staff s ON s.id = t.staff_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.active = 1",
        )
        .bind(token_hash.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Self::token_of_row(&r)).transpose()
    }

    /// Every token of `staff_id`, revoked ones included, oldest first.
    pub async fn api_tokens(&self, staff_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, staff_id, name, scopes, created_at, revoked_at FROM api_tokens WHERE staff_id = $1 ORDER BY created_at, id",
        )
        .bind(staff_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(Self::token_of_row).collect()
    }

    /// Revokes every live token of `staff_id`; returns how many.
    pub async fn revoke_api_tokens_of(&self, staff_id: &str) -> Result<u64, StoreError> {
        self.revoke_api_tokens_of_with(staff_id, None).await
    }

    /// [`Store::revoke_api_tokens_of`] with `audit` in the same transaction;
    /// its details say how many were revoked (`"tokens_revoked"`).
    pub async fn revoke_api_tokens_of_audited(&self, staff_id: &str, audit: AuditEvent) -> Result<u64, StoreError> {
        self.revoke_api_tokens_of_with(staff_id, Some(audit)).await
    }

    async fn revoke_api_tokens_of_with(&self, staff_id: &str, audit: Option<AuditEvent>) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL")
            .bind(staff_id.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        self.finish(tx, audit.map(|a| a.with(Detail::TokensRevoked(done.rows_affected())))).await?;
        Ok(done.rows_affected())
    }

    /// Revokes one of `staff_id`'s tokens; another's token is "not found".
    pub async fn revoke_api_token(&self, id: &str, staff_id: &str) -> Result<(), StoreError> {
        self.revoke_api_token_with(id, staff_id, None).await
    }

    /// [`Store::revoke_api_token`] with `audit` in the same transaction.
    pub async fn revoke_api_token_audited(&self, id: &str, staff_id: &str, audit: AuditEvent) -> Result<(), StoreError> {
        self.revoke_api_token_with(id, staff_id, Some(audit)).await
    }

    async fn revoke_api_token_with(&self, id: &str, staff_id: &str, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND staff_id = $2 AND revoked_at IS NULL")
            .bind(id.to_string())
            .bind(staff_id.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(not_found("token", id));
        }
        self.finish(tx, audit).await
    }

    /// Whether `staff_id` has `client_id` on their caseload or care team.
    pub async fn on_caseload(&self, staff_id: &str, client_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(ON_CASELOAD).bind(staff_id.to_string()).bind(client_id.to_string()).fetch_optional(self.pool()).await?;
        Ok(row.is_some())
    }

    /// The ids of every client on `staff_id`'s caseload or care teams.
    pub async fn visible_clients(&self, staff_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT client_id AS id FROM caseload_assignments WHERE staff_id = $1 \
             UNION SELECT c.id AS id FROM clients c JOIN care_team_members m ON m.team_id = c.team_id WHERE m.staff_id = $1 \
             ORDER BY id",
        )
        .bind(staff_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| r.try_get("id").map_err(StoreError::from)).collect()
    }

    /// Opens break-glass access to a client for `minutes`, flagged in the
    /// audit log in the same transaction and queued for review.
    pub async fn open_break_glass(&self, staff_id: &str, client_id: &str, reason: &str, minutes: i64) -> Result<BreakGlass, StoreError> {
        // Bounded: the reason goes into the permanent log.
        if !(10..=1000).contains(&reason.trim().chars().count()) {
            return Err(StoreError::invalid("reason", "a stated reason of 10 to 1000 characters"));
        }
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        self.lock_client(&mut tx, client_id).await?;
        let id = new_id("bg");
        let now = self.now_secs();
        let (key_id, key) = self.new_data_key(&mut tx).await?;
        let sealed =
            key.seal(&field_aad("break_glass", "reason", &id), reason.as_bytes()).map_err(StoreError::crypto("break-glass reason"))?;
        let event = AuditEvent::new(AuditKind::BreakGlass, Some(staff_id)).client(client_id).break_glass(true).with_all([
            Detail::BreakGlass(id.clone()),
            Detail::Reason(reason.to_string()),
            Detail::Minutes(minutes),
        ]);
        let (seqs, head) = self.append_audit_in(&mut tx, &[event]).await?;
        let audit_seq = seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))?;
        sqlx::query(
            "INSERT INTO break_glass (id, staff_id, client_id, data_key_id, reason, opened_at, expires_at, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(staff_id.to_string())
        .bind(client_id.to_string())
        .bind(key_id)
        .bind(sealed)
        .bind(now)
        .bind(now + minutes * 60)
        .bind(audit_seq as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(BreakGlass {
            id,
            staff_id: staff_id.to_string(),
            client_id: client_id.to_string(),
            reason: reason.to_string(),
            opened_at: now,
            expires_at: now + minutes * 60,
            reviewed_by: None,
            reviewed_at: None,
            outcome: None,
            audit_seq,
        })
    }

    /// Whether `staff_id` holds a live break-glass grant for `client_id`.
    pub async fn has_break_glass(&self, staff_id: &str, client_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS x FROM break_glass WHERE staff_id = $1 AND client_id = $2 AND expires_at > $3")
            .bind(staff_id.to_string())
            .bind(client_id.to_string())
            .bind(self.now_secs())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// Break-glass grants still open (not yet expired), for monitoring.
    pub async fn open_break_glass_count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM break_glass WHERE expires_at > $1")
            .bind(self.now_secs())
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Break-glass accesses, newest first; only those awaiting review unless `all`.
    pub async fn break_glass_queue(&self, all: bool) -> Result<Vec<BreakGlass>, StoreError> {
        let sql = if all {
            "SELECT b.*, d.kek_id, d.wrapped FROM break_glass b JOIN data_keys d ON d.id = b.data_key_id ORDER BY b.opened_at DESC, b.id"
        } else {
            "SELECT b.*, d.kek_id, d.wrapped FROM break_glass b JOIN data_keys d ON d.id = b.data_key_id WHERE b.reviewed_at IS NULL \
             ORDER BY b.opened_at DESC, b.id"
        };
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let key = self.unwrap_row(row)?;
            let sealed: Vec<u8> = row.try_get("reason")?;
            let seq: i64 = row.try_get("audit_seq")?;
            out.push(BreakGlass {
                reason: key
                    .open_text(&field_aad("break_glass", "reason", &id), &sealed)
                    .map_err(StoreError::crypto("break-glass reason"))?,
                staff_id: row.try_get("staff_id")?,
                client_id: row.try_get("client_id")?,
                opened_at: row.try_get("opened_at")?,
                expires_at: row.try_get("expires_at")?,
                reviewed_by: row.try_get("reviewed_by")?,
                reviewed_at: row.try_get("reviewed_at")?,
                outcome: row.try_get("outcome")?,
                audit_seq: seq as u64,
                id,
            });
        }
        Ok(out)
    }

    /// Records the privacy officer's review; a reviewed access cannot be
    /// reviewed again, and nobody reviews their own (the review is the check
    /// on the person who broke the glass, so it must be someone else).
    pub async fn review_break_glass(&self, id: &str, reviewer: &str, justified: bool) -> Result<(), StoreError> {
        let outcome = if justified { "justified" } else { "unjustified" };
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT staff_id, client_id FROM break_glass WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("break-glass access", id))?;
        let client: String = row.try_get("client_id")?;
        let opened_by: String = row.try_get("staff_id")?;
        if opened_by == reviewer {
            return Err(StoreError::invalid("review", "a reviewer other than the staff member who opened the access"));
        }
        // An unjustified access ends now: the window closes with the review.
        let now = self.now_secs();
        let done = sqlx::query(
            "UPDATE break_glass SET reviewed_by = $2, reviewed_at = $3, outcome = $4, \
             expires_at = CASE WHEN $5 = 1 AND expires_at > $3 THEN $3 ELSE expires_at END WHERE id = $1 AND reviewed_at IS NULL",
        )
        .bind(id.to_string())
        .bind(reviewer.to_string())
        .bind(now)
        .bind(outcome)
        .bind(i64::from(!justified))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid("review", format!("an access not yet reviewed; `{id}` was reviewed already")));
        }
        let event = AuditEvent::new(AuditKind::BreakGlassReviewed, Some(reviewer))
            .client(&client)
            .with_all([Detail::BreakGlass(id.to_string()), Detail::Outcome(outcome)]);
        let (_, head) = self.append_audit_in(&mut tx, &[event]).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(())
    }

    /// Commits `tx`, with `audit` appended in it when given.
    async fn finish(&self, tx: Tx, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        match audit {
            Some(event) => {
                self.commit_audited(tx, event).await?;
            }
            None => tx.commit().await?,
        }
        Ok(())
    }
}
