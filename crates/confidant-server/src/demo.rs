//! Sign-ins for the demo organization that `serve --demo` runs: one account
//! per role that matters for a first look, each with a password made for
//! this run only (printed once; nothing is kept outside the throwaway data
//! directory).

use confidant_store::{Store, StoreError};

use confidant_app::credentials::hash_password;

/// A demo sign-in.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// The staff id to sign in with.
    pub staff_id: &'static str,
    /// The role, in words, for the printed list.
    pub role: &'static str,
    /// A random password made at start-up (demo vaults only).
    pub password: String,
}

/// The staff of `confidant_store::demo::fill` who get a password.
pub const DEMO_STAFF: &[(&str, &str)] = &[
    ("st-peer-support-specialist-1", "peer support specialist"),
    ("st-psychotherapist-1", "psychotherapist"),
    ("st-case-manager-1", "case manager"),
    ("st-privacy-officer-1", "privacy officer"),
    ("st-admin-1", "admin"),
];

/// Gives each demo staff member a fresh random password.
pub async fn create_demo_accounts(store: &Store) -> Result<Vec<DemoAccount>, StoreError> {
    let mut out = Vec::new();
    for (staff_id, role) in DEMO_STAFF {
        let mut bytes = [0u8; 9];
        rand::fill(&mut bytes);
        let password = format!("demo-{}", hex::encode(bytes));
        let phc = hash_password(&password).map_err(|e| StoreError::invalid("password", e.to_string()))?;
        store.set_password_hash(staff_id, &phc).await?;
        out.push(DemoAccount { staff_id, role, password });
    }
    Ok(out)
}
