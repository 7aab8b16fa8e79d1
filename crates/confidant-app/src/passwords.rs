//! Passwords: Argon2id hashing (RustCrypto's `argon2`, PHC strings), the
//! one-time passwords `init` prints, and setting a staff member's password
//! with its audit entry. A password someone else set (the operator, an
//! admin) must be changed at the next sign-in; one chosen by its owner
//! need not.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use confidant_store::{AuditEvent, AuditKind, StaffRole};
use serde_json::json;

use crate::access::refuse;
use crate::ops::via;
use crate::{Actor, App, AppError};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// An Argon2id PHC string for `password`, under a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::Input { field: "password".into(), expected: e.to_string() })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Input { field: "password".into(), expected: format!("a password Argon2id accepts ({e})") })
}

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
    /// Sets `staff_id`'s password: the operator or an admin for anyone, a
    /// staff member for themselves (a front end checks their current
    /// password first). `must_change` flags it to be changed at the next
    /// sign-in. The staff member's other sessions (all but `keep_session`,
    /// a session token's hash) and every API token end: they may belong to
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
        let own = actor.id() == Some(staff_id);
        if !(own || actor.is_operator() || actor.role() == Some(StaffRole::Admin)) {
            refuse(self, actor, None, "set another staff member's password").await?;
            return Err(AppError::Forbidden("set a password: only an admin sets another staff member's password".into()));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AppError::Input { field: "password".into(), expected: format!("at least {MIN_PASSWORD_CHARS} characters") });
        }
        self.store.staff(staff_id).await?;
        let phc = hash_password(password)?;
        let sessions_ended = self.store.revoke_sessions_of(staff_id, keep_session).await?;
        let tokens_revoked = self.store.revoke_api_tokens_of(staff_id).await?;
        let event = AuditEvent::new(AuditKind::PasswordSet, actor.id()).details(via(
            actor,
            json!({ "staff": staff_id, "must_change": must_change, "sessions_ended": sessions_ended, "tokens_revoked": tokens_revoked }),
        ));
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
