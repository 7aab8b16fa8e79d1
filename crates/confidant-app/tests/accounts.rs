//! Accounts in the operations layer: a password set by the operator signs
//! in, every refusal reads the same, the lockout ends on the clock and not
//! before, one's own password changes only with the current one, and nobody
//! clears their own second factor. SQLite always, PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_app::credentials::{LOCK_AFTER, LOCK_SECS};
use confidant_app::{Actor, App, AppError, Channel, SignInAttempt};
use confidant_audit::LogSigningKey;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditFilter, AuditKind, Clock, KeyRing, NewStaff, StaffRole, Store, WITNESS_FILE_NAME};

const PASSWORD: &str = "a long enough passphrase";

async fn vault(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[6; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store.set_clock(Clock::fixed(1_800_000_000));
    for (id, role) in [("st-admin", StaffRole::Admin), ("st-n", StaffRole::Nurse)] {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: format!("Staff {id}"), role }).await.unwrap();
    }
    store
}

fn attempt<'a>(username: &'a str, password: &'a str) -> SignInAttempt<'a> {
    SignInAttempt { address: "192.0.2.7", username, password, code: None }
}

async fn count(store: &Store, kind: AuditKind) -> usize {
    store.audit_entries(&AuditFilter { kind: Some(kind), ..AuditFilter::default() }).await.unwrap().len()
}

#[tokio::test]
async fn the_operator_sets_a_password_that_signs_in_and_refusals_all_read_the_same() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        app.set_password(&Actor::operator(None), "st-n", PASSWORD, false, None).await.unwrap();
        assert_eq!(count(&store, AuditKind::PasswordSet).await, 1, "{}", db.name());
        // Too short a password changes nothing.
        let short = app.set_password(&Actor::operator(None), "st-n", "short", false, None).await.unwrap_err();
        assert_eq!(short.to_string(), "password: at least 12 characters");

        let session = app.sign_in(attempt("st-n", PASSWORD), 3600).await.unwrap();
        assert_eq!(session.staff.id, "st-n");
        assert!(store.session(&confidant_app::credentials::token_hash(&session.token)).await.unwrap().is_some());

        let wrong = app.sign_in(attempt("st-n", "not the password at all"), 3600).await.err().unwrap();
        let nobody = app.sign_in(attempt("st-nobody", PASSWORD), 3600).await.err().unwrap();
        let junk = app.sign_in(attempt("'; drop table staff; --", PASSWORD), 3600).await.err().unwrap();
        assert!(matches!(wrong, AppError::SignIn) && matches!(nobody, AppError::SignIn) && matches!(junk, AppError::SignIn));
        assert_eq!(wrong.to_string(), nobody.to_string());
        assert_eq!(count(&store, AuditKind::SignInFailed).await, 3, "{}", db.name());
        assert_eq!(count(&store, AuditKind::SignIn).await, 1, "{}", db.name());
    }
}

#[tokio::test]
async fn a_locked_account_stays_locked_until_the_window_ends_on_the_clock() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        app.set_password(&Actor::operator(None), "st-n", PASSWORD, false, None).await.unwrap();
        for _ in 0..LOCK_AFTER {
            app.sign_in(attempt("st-n", "a wrong guess, again"), 3600).await.err().unwrap();
        }
        // The right password inside the window is refused like a wrong one.
        store.clock().advance(LOCK_SECS - 1);
        assert!(matches!(app.sign_in(attempt("st-n", PASSWORD), 3600).await, Err(AppError::SignIn)), "{}", db.name());
        store.clock().advance(1);
        app.sign_in(attempt("st-n", PASSWORD), 3600).await.unwrap();
    }
}

#[tokio::test]
async fn ones_own_password_changes_only_with_the_current_one_and_nobody_clears_their_own_factor() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        app.set_password(&Actor::operator(None), "st-n", PASSWORD, false, None).await.unwrap();
        let nurse = Actor::staff(store.staff("st-n").await.unwrap(), Channel::Api);
        let refused = app.change_own_password(&nurse, Some("a wrong current one"), "another long passphrase", None).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
        assert!(matches!(app.change_own_password(&nurse, None, "another long passphrase", None).await, Err(AppError::Input { .. })));
        app.change_own_password(&nurse, Some(PASSWORD), "another long passphrase", None).await.unwrap();
        // Not an admin: no one else's password.
        assert!(matches!(app.set_password(&nurse, "st-admin", "another long passphrase", true, None).await, Err(AppError::Forbidden(_))));

        let admin = Actor::staff(store.staff("st-admin").await.unwrap(), Channel::Console);
        assert!(matches!(app.clear_totp(&admin, "st-admin").await, Err(AppError::Forbidden(_))), "{}", db.name());
        app.clear_totp(&admin, "st-n").await.unwrap();
        let filter = AuditFilter { kind: Some(AuditKind::AccessDenied), with_details: true, ..AuditFilter::default() };
        let denied = store.audit_entries(&filter).await.unwrap();
        assert!(denied.iter().any(|e| e.details.as_ref().unwrap()["self_grant"] == true && e.actor.as_deref() == Some("st-admin")));
        assert_eq!(count(&store, AuditKind::TotpChanged).await, 1);
    }
}

#[tokio::test]
async fn tokens_are_made_by_their_owner_listed_without_values_and_revoked_by_owner_or_admin() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let nurse = Actor::staff(store.staff("st-n").await.unwrap(), Channel::Api);
        let admin = Actor::staff(store.staff("st-admin").await.unwrap(), Channel::Api);
        assert!(app.create_token(&Actor::operator(None), "ops", &["read".into()]).await.is_err(), "the operator has no account");
        let (id, token) = app.create_token(&nurse, "laptop", &["read".into()]).await.unwrap();
        assert_eq!(token.len(), 64);
        let listed = app.tokens_of(&nurse, "st-n").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(!serde_json::to_string(&listed).unwrap().contains(token.as_str()));
        assert!(matches!(app.tokens_of(&nurse, "st-admin").await, Err(AppError::Forbidden(_))));
        app.revoke_token(&admin, "st-n", &id).await.unwrap();
        assert!(app.tokens_of(&nurse, "st-n").await.unwrap()[0].revoked_at.is_some());
        assert_eq!(count(&store, AuditKind::TokenCreated).await, 1);
        assert_eq!(count(&store, AuditKind::TokenRevoked).await, 1);
    }
}

#[tokio::test]
async fn a_role_change_is_another_admins_audited_act_and_ends_the_old_roles_sessions_and_tokens() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        app.set_password(&Actor::operator(None), "st-n", PASSWORD, false, None).await.unwrap();
        let nurse = Actor::staff(store.staff("st-n").await.unwrap(), Channel::Api);
        let admin = Actor::staff(store.staff("st-admin").await.unwrap(), Channel::Api);
        let session = app.sign_in(attempt("st-n", PASSWORD), 3600).await.unwrap();
        let (token_id, _) = app.create_token(&nurse, "laptop", &["read".into()]).await.unwrap();

        // Nobody promotes themselves, and only an admin changes roles.
        assert!(matches!(app.set_staff_role(&nurse, "st-n", StaffRole::Admin).await, Err(AppError::Forbidden(_))), "{}", db.name());
        assert!(matches!(app.set_staff_role(&admin, "st-admin", StaffRole::Nurse).await, Err(AppError::Forbidden(_))));
        // The role they already have, or nobody at all, changes nothing.
        assert!(matches!(app.set_staff_role(&admin, "st-n", StaffRole::Nurse).await, Err(AppError::Conflict(_))));
        assert!(app.set_staff_role(&admin, "st-nobody", StaffRole::Nurse).await.is_err());
        assert_eq!(store.staff("st-n").await.unwrap().role, StaffRole::Nurse);
        assert_eq!(count(&store, AuditKind::StaffChanged).await, 0);
        assert_eq!(count(&store, AuditKind::AccessDenied).await, 2, "both refusals are on the log");
        assert!(store.session(&confidant_app::credentials::token_hash(&session.token)).await.unwrap().is_some());

        let before = app.set_staff_role(&admin, "st-n", StaffRole::Supervisor).await.unwrap();
        assert_eq!(before, StaffRole::Nurse);
        assert_eq!(store.staff("st-n").await.unwrap().role, StaffRole::Supervisor);
        // Nothing issued under the old role still works.
        assert!(store.session(&confidant_app::credentials::token_hash(&session.token)).await.unwrap().is_none());
        let tokens = app.tokens_of(&admin, "st-n").await.unwrap();
        assert!(tokens.iter().find(|t| t.id == token_id).unwrap().revoked_at.is_some());
        let changes = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::StaffChanged), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(changes.len(), 1);
        let details = changes[0].details.as_ref().unwrap();
        assert_eq!(changes[0].actor.as_deref(), Some("st-admin"));
        assert_eq!(details["staff"], "st-n");
        assert_eq!(details["role"], "supervisor");
        assert_eq!(details["previous_role"], "nurse");
        assert_eq!(details["sessions_ended"], 1);
        assert_eq!(details["tokens_revoked"], 1);
    }
}
