//! Passwords: the one-time passwords `init` prints, and setting a staff
//! member's password with its audit entry in the same transaction. A
//! password someone else set (the operator, an admin) must be changed at
//! the next sign-in; one chosen by its owner (with their current one) need
//! not. Hashing is `credentials.rs`'s.

use confidant_store::{AuditEvent, AuditKind, Detail};

use crate::credentials::check_new_password;
pub use crate::credentials::{MIN_PASSWORD_CHARS, hash_password};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// A random one-time password: five groups of four letters and digits
/// (no look-alikes), about 103 bits.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    let mut out = String::with_capacity(24);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 256 is not a multiple of 31: the small bias costs well under a bit.
        let at = usize::from(*b) % ALPHABET.len();
        out.push(char::from(ALPHABET.get(at).copied().unwrap_or(b'a')));
    }
    out
}

/// What setting a password ended besides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordChange {
    /// Sessions of the staff member that were signed out.
    pub sessions_ended: u64,
    /// API tokens of the staff member that were revoked.
    pub tokens_revoked: u64,
}

impl App<'_> {
    /// Sets another staff member's password: the operator's or an admin's
    /// work (never one's own: that is [`App::change_own_password`], which
    /// asks for the current one). `must_change` flags it to be changed at
    /// the next sign-in. Every session of theirs (all but `keep_session`, a
    /// session token's hash) and every API token end: they may belong to
    /// whoever held the account. Audited as `password_set` in the same
    /// transaction.
    pub async fn set_password(
        &self,
        actor: &Actor,
        staff_id: &str,
        password: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> Result<PasswordChange, AppError> {
        self.require_admin(actor, "set another staff member's password").await?;
        self.no_own_account(actor, staff_id, "reset a password").await?;
        self.write_password(actor, staff_id, password, must_change, keep_session).await
    }

    /// Changes the actor's own password, after checking the current one (a
    /// stolen session alone must not take the account over; guesses count
    /// toward the lockout). The session `keep_session` stays signed in;
    /// their other sessions and their API tokens end. Audited.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: Option<&str>,
        password: &str,
        keep_session: Option<&str>,
    ) -> Result<PasswordChange, AppError> {
        let Some(staff_id) = actor.id().map(str::to_string) else {
            return Err(AppError::Forbidden("change password: a staff member changes their own (`--as`)".into()));
        };
        self.check_current_password(actor, current, "change password").await?;
        self.write_password(actor, &staff_id, password, false, keep_session).await
    }

    async fn write_password(
        &self,
        actor: &Actor,
        staff_id: &str,
        password: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> Result<PasswordChange, AppError> {
        check_new_password(password)?;
        self.store.staff(staff_id).await?;
        let phc = crate::accounts::blocking_hash(password).await?;
        let sessions_ended = self.store.revoke_sessions_of(staff_id, keep_session).await?;
        let tokens_revoked = self.store.revoke_api_tokens_of(staff_id).await?;
        let event = AuditEvent::new(AuditKind::PasswordSet, actor.id()).with_all(via(actor)).with_all([
            Detail::Staff(staff_id.to_string()),
            Detail::MustChange(must_change),
            Detail::SessionsEnded(sessions_ended),
            Detail::TokensRevoked(tokens_revoked),
        ]);
        self.store.set_password_hash_audited(staff_id, &phc, must_change, event).await?;
        Ok(PasswordChange { sessions_ended, tokens_revoked })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn one_time_passwords_are_long_random_and_grouped() {
        let a = one_time_password();
        assert_eq!(a.len(), 24);
        assert_eq!(a.split('-').count(), 5);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']));
        assert_ne!(a, one_time_password());
        assert!(hash_password(&a).unwrap().starts_with("$argon2id$"));
    }
}
