//! The secrets staff sign in with: Argon2id password hashes, random session
//! and API tokens kept only as hashes, and RFC 6238 codes for the second
//! factor; with the sign-in limits every front end shares.
//!
//! Why these crates: `argon2` (RustCrypto) is the reference Rust Argon2id
//! with PHC strings; `totp-rs` implements RFC 6238 and is widely used; both
//! are pure Rust. `subtle` compares codes in constant time.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use crate::AppError;

/// Failed password checks in a row that lock an account.
pub const LOCK_AFTER: u32 = 5;
/// How long a locked account stays locked, in seconds.
pub const LOCK_SECS: i64 = 15 * 60;
/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A PHC string with the same Argon2id parameters as real ones, checked
/// against when the staff id is unknown or the account is locked, so every
/// refused sign-in costs the same work.
pub const DUMMY_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1NMUhUtpHA7uo7dT7mZWp4q4tCvgHdQmVd8uh6f26IM";

/// An Argon2id PHC string for `password` (a fresh random salt). Slow on
/// purpose: call it off the async workers.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let failed = |e: argon2::password_hash::Error| AppError::Credentials { doing: "hash a password", source: Box::new(e) };
    let salt = SaltString::encode_b64(&salt_bytes).map_err(failed)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(failed)
}

/// The environment variable that sets [`argon2_slots`] (a positive number).
pub const ARGON2_SLOTS_ENV: &str = "CONFIDANT_ARGON2_SLOTS";

/// How many Argon2id computations run at once in this process: half the
/// cores, at least one, unless [`ARGON2_SLOTS_ENV`] says otherwise. Each
/// takes 19 MiB and a core for tens of milliseconds, so a storm of sign-ins
/// would otherwise take every core (and hundreds of megabytes) from
/// decisions and reads; over the limit, sign-ins wait their turn, which a
/// slow check invites anyway.
pub fn argon2_slots() -> usize {
    let set = std::env::var(ARGON2_SLOTS_ENV).ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|n| *n > 0);
    set.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)))
}

/// A job for the Argon2id threads.
type Argon2Job = Box<dyn FnOnce() + Send>;

/// The Argon2id threads: [`argon2_slots`] long-lived threads fed by one
/// queue. Dedicated threads, not the blocking pool, because the allocator
/// keeps each 19 MiB buffer a thread frees for that thread's next use: on
/// the blocking pool's dozens of short-lived threads a sign-in storm left
/// hundreds of megabytes behind (benches/load.rs, 263 MiB peak), while here
/// the memory held is the slots times 19 MiB at most.
static ARGON2: std::sync::LazyLock<Result<std::sync::mpsc::Sender<Argon2Job>, String>> = std::sync::LazyLock::new(|| {
    let (jobs, queue) = std::sync::mpsc::channel::<Argon2Job>();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
    for n in 0..argon2_slots() {
        let queue = std::sync::Arc::clone(&queue);
        std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = next else { return };
                    // A job that panics drops its answer (the caller sees an
                    // error) and leaves this thread serving the rest.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .map_err(|e| format!("start an Argon2id thread: {e}"))?;
    }
    Ok(jobs)
});

/// Runs `work` (an Argon2id hash or verification) on one of the Argon2id
/// threads: never on an async worker, never more than the
/// [`argon2_slots`] at once; over the limit, calls wait in order.
pub async fn off_the_workers<T: Send + 'static>(doing: &'static str, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| AppError::Credentials { doing, source: e };
    let jobs = ARGON2.as_ref().map_err(|e| failed(e.clone().into()))?;
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Argon2Job = Box::new(move || {
        let _ = answer.send(work());
    });
    jobs.send(job).map_err(|_| failed("the Argon2id threads have stopped".into()))?;
    answered.await.map_err(|e| failed(Box::new(e)))
}

/// Whether `password` matches the PHC string. Slow on purpose.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Refuses a password too short to be one (checked before anything is stored).
pub fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::input("password", format!("at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// A random token (64 hex digits) and the hash kept in the database.
pub fn new_token() -> (Zeroizing<String>, String) {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::fill(bytes.as_mut());
    let token = Zeroizing::new(hex::encode(bytes.as_ref()));
    let hash = token_hash(&token);
    (token, hash)
}

/// The hash a session or API token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// RFC 6238 with the parameters authenticator apps expect: SHA-1, 6 digits,
/// 30-second steps.
pub fn totp(secret: &[u8]) -> Result<TOTP, AppError> {
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret.to_vec())
        .map_err(|e| AppError::Credentials { doing: "read a second factor", source: Box::new(e) })
}

/// The 30-second time step `code` is valid for at `now` (Unix seconds; one
/// step of skew either way), so the caller can refuse a step already used.
/// Compared in constant time.
pub fn totp_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    use subtle::ConstantTimeEq;
    let t = totp(secret).ok()?;
    let code = code.trim();
    let step = now.div_euclid(30);
    let mut found = None;
    for candidate in [step - 1, step, step + 1] {
        let at = u64::try_from(candidate.max(0) * 30).unwrap_or(0);
        let expected = t.generate(at);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(candidate);
        }
    }
    found
}

/// How long a refused password check waits before answering: growing with
/// the failures in a row, the same for unknown ids, wrong passwords and locks.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << failures.min(LOCK_AFTER)))
}

/// The subject failed sign-ins of a staff id that does not exist are
/// counted under (in the vault, shared by every server): a hash, so the
/// database never holds what someone typed as a name.
pub fn unknown_id_subject(username: &str) -> String {
    token_hash(&format!("unknown staff id\0{username}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn argon2_work_runs_on_its_own_threads_and_survives_a_panicking_job() {
        let thread = off_the_workers("test", || std::thread::current().name().map(str::to_string)).await.unwrap();
        assert!(thread.is_some_and(|name| name.starts_with("argon2-")));
        let panicked = off_the_workers("test", || -> u8 { panic!("a job that fails") }).await;
        assert!(matches!(panicked, Err(AppError::Credentials { doing: "test", .. })));
        // Every slot still serves after the panic.
        for _ in 0..argon2_slots() * 2 {
            assert_eq!(off_the_workers("test", || 7).await.unwrap(), 7);
        }
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterz", &phc));
        assert!(!verify_password("anything", "not a phc string"));
        assert!(!verify_password("anything", DUMMY_PASSWORD_HASH));
    }

    #[test]
    fn short_passwords_are_refused_naming_the_field() {
        let e = check_new_password("short").unwrap_err();
        assert_eq!(e.to_string(), "password: at least 12 characters");
        assert!(check_new_password("twelve chars").is_ok());
    }

    #[test]
    fn a_totp_code_is_good_for_its_step_and_one_either_side() {
        let secret = [7u8; 20];
        let t = totp(&secret).unwrap();
        let now = 1_800_000_000;
        let code = t.generate(u64::try_from(now).unwrap());
        assert_eq!(totp_step(&secret, &code, now), Some(now / 30));
        assert_eq!(totp_step(&secret, &code, now + 30), Some(now / 30));
        assert_eq!(totp_step(&secret, &code, now + 90), None);
        assert_eq!(totp_step(&secret, "000000x", now), None);
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_hash() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), hash_a);
        assert_ne!(hash_a, a.as_str());
    }
}
