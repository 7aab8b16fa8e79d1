//! Accounts: signing in and out, changing or resetting a password, the
//! second factor, and API tokens; each checked and audited here, for the
//! API, the console and the CLI alike. What belongs to HTTP (cookies, the
//! per-address rate limit, whether a request came with a session or a
//! token) stays with the server.

use confidant_store::{ApiToken, AuditEvent, AuditKind, Credential, Detail, Staff};
use zeroize::Zeroizing;

use crate::credentials::{
    DUMMY_PASSWORD_HASH, LOCK_AFTER, LOCK_SECS, backoff, hash_password, new_token, off_the_workers, totp, totp_step, unknown_id_subject,
    verify_password,
};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// One sign-in attempt, as typed.
pub struct SignInAttempt<'a> {
    /// The caller's network address, for the audit entry.
    pub address: &'a str,
    /// The staff id typed.
    pub username: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The six-digit code, when one was typed.
    pub code: Option<&'a str>,
}

/// A started session: its token (the cookie's value, shown once) and its
/// CSRF token.
pub struct Session {
    /// Who signed in.
    pub staff: Staff,
    /// The session token; only its hash is stored.
    pub token: Zeroizing<String>,
    /// The token forms and scripts send back with every change.
    pub csrf: String,
    /// The password was set by someone else and must be changed before
    /// anything else (the front ends enforce it on the session).
    pub must_change_password: bool,
}

/// A second factor waiting for its first code.
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an authenticator app.
    pub secret_base32: String,
    /// The `otpauth://` URI authenticator apps scan as a QR code.
    pub otpauth_url: String,
}

impl App<'_> {
    /// Signs a staff member in: one claimed password check (at most
    /// [`LOCK_AFTER`] per lock window however many arrive at once), then
    /// the code when TOTP is enabled, each code good once. An unknown id, a
    /// wrong password, a missing or wrong code, a locked or inactive
    /// account: all spend one Argon2id verification, wait on the same
    /// backoff and get the same [`AppError::SignIn`], so none of them tells
    /// whether a staff id exists or a password was right.
    pub async fn sign_in(&self, attempt: SignInAttempt<'_>, session_secs: i64) -> Result<Session, AppError> {
        let credential = if plausible_id(attempt.username) { self.store.credential(attempt.username).await? } else { None };
        let (mut ok, claim) = self.claimed_check(credential.as_ref(), attempt.password).await?;
        let staff = match &credential {
            Some(c) => Some(self.store.staff(&c.staff_id).await?),
            None => None,
        };
        if ok && let Some(c) = credential.as_ref().filter(|c| c.totp_enabled) {
            ok = match (self.store.totp_secret(&c.staff_id).await?, attempt.code) {
                (Some(secret), Some(code)) => match totp_step(&secret, code, self.store.now_secs()) {
                    Some(step) => self.store.accept_totp_step(&c.staff_id, step).await?,
                    None => false,
                },
                _ => false,
            };
        }
        let staff = match staff {
            Some(staff) if ok && staff.active => staff,
            _ => {
                let (actor, failures) = match &credential {
                    Some(c) => (Some(c.staff_id.as_str()), claim.unwrap_or(LOCK_AFTER)),
                    None => (None, self.unknown_id_failed(attempt.username).await?),
                };
                let locked = credential.is_some() && (claim.is_none() || claim == Some(LOCK_AFTER));
                let event = AuditEvent::new(AuditKind::SignInFailed, actor).with_all([
                    Detail::Address(attempt.address.to_string()),
                    Detail::Failures(failures),
                    Detail::Locked(locked),
                ]);
                self.audit.record(vec![event]).await?;
                tokio::time::sleep(backoff(failures)).await;
                return Err(AppError::SignIn);
            }
        };
        self.store.record_sign_in_success(&staff.id).await?;
        let (token, hash) = new_token();
        let (csrf, _) = new_token();
        let event = AuditEvent::new(AuditKind::SignIn, Some(&staff.id)).with(Detail::Address(attempt.address.to_string()));
        self.store.create_session_audited(&hash, &staff.id, &csrf, self.store.now_secs() + session_secs, event).await?;
        let must_change_password = credential.as_ref().is_some_and(|c| c.must_change_password);
        Ok(Session { staff, token, csrf: csrf.to_string(), must_change_password })
    }

    /// Ends the session whose token hashes to `session` (none for a token
    /// caller: nothing to end), audited.
    pub async fn sign_out(&self, actor: &Actor, session: Option<&str>) -> Result<(), AppError> {
        let event = AuditEvent::new(AuditKind::SignOut, actor.id()).with_all(via(actor));
        match session {
            Some(hash) => self.store.revoke_session_audited(hash, event).await?,
            None => {
                self.audit.record(vec![event]).await?;
            }
        }
        Ok(())
    }

    /// Checks `password` as the actor's current one, for changes made inside
    /// a session (password, second factor). Each check is claimed like a
    /// sign-in, so guesses here count toward the same lockout.
    pub async fn check_current_password(&self, actor: &Actor, password: Option<&str>, doing: &str) -> Result<(), AppError> {
        let staff = own_account(actor, doing)?;
        let password = password.ok_or_else(|| AppError::input("current_password", "your current password"))?;
        let credential = self.store.credential(staff).await?;
        let (ok, claim) = self.claimed_check(credential.as_ref(), password).await?;
        if ok {
            self.store.record_sign_in_success(staff).await?;
            return Ok(());
        }
        let failures = claim.unwrap_or(LOCK_AFTER);
        let event = AuditEvent::new(AuditKind::AccessDenied, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Doing(doing.to_string()), Detail::Failures(failures)]);
        self.audit.record(vec![event]).await?;
        tokio::time::sleep(backoff(failures)).await;
        Err(AppError::Forbidden("current_password: not the current password (or the account is locked for a while)".into()))
    }

    /// Starts enrolling a second factor: the current password first (a
    /// stolen session alone must not bind a factor its holder controls),
    /// then a new secret that stays off until a code confirms it. Refused
    /// while one is enabled: a new enrolment would switch it off.
    pub async fn start_totp(&self, actor: &Actor, current_password: &str) -> Result<TotpEnrolment, AppError> {
        let staff = own_account(actor, "enrol TOTP")?;
        self.check_current_password(actor, Some(current_password), "enrol TOTP").await?;
        if self.store.credential(staff).await?.is_some_and(|c| c.totp_enabled) {
            return Err(AppError::Conflict("totp: already enabled for this account; an admin clears it before a new enrolment".into()));
        }
        let mut secret = Zeroizing::new([0u8; 20]);
        rand::fill(secret.as_mut());
        self.store.set_totp_secret(staff, secret.as_ref(), false).await?;
        let secret_base32 = totp(secret.as_ref())?.get_secret_base32();
        let otpauth_url =
            format!("otpauth://totp/Confidant:{staff}?secret={secret_base32}&issuer=Confidant&algorithm=SHA1&digits=6&period=30");
        Ok(TotpEnrolment { secret_base32, otpauth_url })
    }

    /// Confirms an enrolment with a current code; the factor is on from now. Audited.
    pub async fn confirm_totp(&self, actor: &Actor, code: &str) -> Result<(), AppError> {
        let staff = own_account(actor, "enrol TOTP")?;
        let secret = self.store.totp_secret(staff).await?.ok_or_else(|| AppError::input("code", "start enrolment first"))?;
        let accepted = match totp_step(&secret, code, self.store.now_secs()) {
            Some(step) => self.store.accept_totp_step(staff, step).await?,
            None => false,
        };
        if !accepted {
            return Err(AppError::input("code", "the current six-digit code from the authenticator app"));
        }
        let event = AuditEvent::new(AuditKind::TotpChanged, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Staff(staff.to_string()), Detail::Enabled(true)]);
        self.store.set_totp_secret_audited(staff, &secret, true, event).await?;
        Ok(())
    }

    /// Clears a lost second factor so its owner can enrol again (an admin or
    /// the operator; never one's own, which would let a stolen admin session
    /// shed the factor). Audited.
    pub async fn clear_totp(&self, actor: &Actor, staff_id: &str) -> Result<(), AppError> {
        self.require_admin(actor, "clear a second factor").await?;
        self.no_own_account(actor, staff_id, "clear a second factor").await?;
        let event = AuditEvent::new(AuditKind::TotpChanged, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Staff(staff_id.to_string()), Detail::Enabled(false)]);
        self.store.clear_totp_audited(staff_id, event).await?;
        Ok(())
    }

    /// Makes an API token for the actor with `scopes` (the front end checks
    /// their spelling); the token is returned once, only its hash is kept. Audited.
    pub async fn create_token(&self, actor: &Actor, name: &str, scopes: &[String]) -> Result<(String, Zeroizing<String>), AppError> {
        let staff = own_account(actor, "make an API token")?;
        let (token, hash) = new_token();
        let event = AuditEvent::new(AuditKind::TokenCreated, actor.id())
            .with_all(via(actor))
            .with_all([Detail::For(staff.to_string()), Detail::Scopes(scopes.to_vec())]);
        let id = self.store.create_api_token_audited(&hash, staff, name, scopes, event).await?;
        Ok((id, token))
    }

    /// A staff member's tokens (never their values): one's own, or anyone's
    /// for an admin or the operator.
    pub async fn tokens_of(&self, actor: &Actor, staff_id: &str) -> Result<Vec<ApiToken>, AppError> {
        if actor.id() != Some(staff_id) {
            self.require_admin(actor, "list another staff member's tokens").await?;
            self.store.staff(staff_id).await?;
        }
        Ok(self.store.api_tokens(staff_id).await?)
    }

    /// Revokes one of a staff member's tokens: one's own, or anyone's for an
    /// admin or the operator. Audited.
    pub async fn revoke_token(&self, actor: &Actor, staff_id: &str, token_id: &str) -> Result<(), AppError> {
        if actor.id() != Some(staff_id) {
            self.require_admin(actor, "revoke another staff member's token").await?;
        }
        let event = AuditEvent::new(AuditKind::TokenRevoked, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Token(token_id.to_string()), Detail::For(staff_id.to_string())]);
        self.store.revoke_api_token_audited(token_id, staff_id, event).await?;
        Ok(())
    }

    /// Revokes every API token of another staff member (an admin or the
    /// operator; one's own go one by one, or with a password change).
    /// Audited; returns how many were revoked.
    pub async fn revoke_all_tokens(&self, actor: &Actor, staff_id: &str) -> Result<u64, AppError> {
        self.require_admin(actor, "revoke another staff member's tokens").await?;
        self.no_own_account(actor, staff_id, "revoke all API tokens").await?;
        self.store.staff(staff_id).await?;
        let event = AuditEvent::new(AuditKind::TokenRevoked, actor.id()).with_all(via(actor)).with(Detail::For(staff_id.to_string()));
        Ok(self.store.revoke_api_tokens_of_audited(staff_id, event).await?)
    }

    /// Every staff member (an admin or the operator).
    pub async fn list_staff(&self, actor: &Actor) -> Result<Vec<Staff>, AppError> {
        self.require_admin(actor, "list staff").await?;
        Ok(self.store.list_staff().await?)
    }

    /// Counts a failed sign-in for a staff id that does not exist, in the
    /// vault so every server counts together: a real account's failures
    /// are shared through its row, and an unknown id's must grow the same
    /// way or the backoff would tell the two apart. Returns the failures in
    /// the lock window, at most [`LOCK_AFTER`] (an unknown id locks nothing).
    async fn unknown_id_failed(&self, username: &str) -> Result<u32, AppError> {
        let now_ms = self.store.now_secs().saturating_mul(1000);
        let counted = self.store.count_attempt(&unknown_id_subject(username), now_ms, LOCK_SECS * 1000, LOCK_AFTER, false).await?;
        Ok(counted.in_window.min(LOCK_AFTER))
    }

    /// One claimed password check: the claim first (none when the account
    /// is locked or unknown), then one Argon2id verification off the async
    /// workers, against the dummy hash when there is nothing to check, so
    /// every path costs the same. Returns whether it matched and the claim.
    async fn claimed_check(&self, credential: Option<&Credential>, password: &str) -> Result<(bool, Option<u32>), AppError> {
        let claim = match credential {
            Some(c) => self.store.claim_password_check(&c.staff_id, LOCK_AFTER, LOCK_SECS).await?,
            None => None,
        };
        let phc = match (credential, claim) {
            (Some(c), Some(_)) => c.password_hash.clone(),
            _ => DUMMY_PASSWORD_HASH.to_string(),
        };
        let password = Zeroizing::new(password.to_string());
        let matched = off_the_workers("check a password", move || verify_password(&password, &phc)).await?;
        Ok((matched && claim.is_some(), claim))
    }
}

/// The actor's own staff id, for what only a person does for themselves.
fn own_account<'a>(actor: &'a Actor, doing: &str) -> Result<&'a str, AppError> {
    actor.id().ok_or_else(|| AppError::Forbidden(format!("{doing}: a staff member does this for themselves (`--as`)")))
}

/// Argon2id off the async workers.
pub(crate) async fn blocking_hash(password: &str) -> Result<String, AppError> {
    let password = Zeroizing::new(password.to_string());
    off_the_workers("hash a password", move || hash_password(&password)).await?
}

/// Staff ids are short and plain; anything else is not looked up at all.
fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}
