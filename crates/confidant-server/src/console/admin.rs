//! The admin's pages: staff accounts and care teams. Adding staff, role
//! changes, (de)activating and team membership go through `confidant_app`'s admin
//! operations (admin only, never oneself, audited); password resets, second
//! factors and tokens through the same server functions as the API.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use confidant_app::Channel;
use confidant_console::{self as pages, routes};
use confidant_store::{NewStaff, StaffRole};

use super::{FlashQuery, PageResult, check_csrf, fail, flash_of, html, viewer};
use crate::AppState;
use crate::auth::{ConsolePrincipal, Principal};
use crate::body::{Form, Path, Query};
use crate::problem::Problem;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(routes::STAFF, get(staff).post(add_staff))
        .route(routes::STAFF_ACTIVE, post(set_active))
        .route(routes::STAFF_ROLE, post(set_role))
        .route(routes::STAFF_PASSWORD, post(reset_password))
        .route(routes::STAFF_TOTP, post(clear_totp))
        .route(routes::STAFF_TOKENS, post(revoke_tokens))
        .route(routes::TEAMS, get(teams).post(add_team))
        .route(routes::TEAM_MEMBERS, post(add_member))
}

/// The pages are the admin's; anyone else is refused before anything is read.
fn admin_only(p: &Principal) -> Result<(), Problem> {
    if p.role() == StaffRole::Admin { Ok(()) } else { Err(Problem::forbidden("only an admin manages staff and teams")) }
}

async fn staff(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Query(q): Query<FlashQuery>) -> PageResult {
    admin_only(&p).map_err(fail(&p))?;
    let staff = state.app().list_staff(&p.actor(Channel::Console)).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::staff_page(&viewer(&p), &staff, flash_of(q.done.as_deref()).as_ref())))
}

async fn add_staff(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let name = form.text("display_name").trim().to_string();
    let role = form
        .get("role")
        .and_then(StaffRole::parse)
        .ok_or_else(|| fail(&p)(Problem::bad_input(format!("role: one of {}", StaffRole::expected()))))?;
    if name.is_empty() {
        return Err(fail(&p)(Problem::bad_input("display_name: the staff member's name")));
    }
    let password = form.text("password");
    // Checked first, so a refused password adds no one.
    confidant_app::credentials::check_new_password(&password).map_err(|e| fail(&p)(e.into()))?;
    let actor = p.actor(Channel::Console);
    let id = state.app().add_staff(&actor, NewStaff { id: None, display_name: name, role }).await.map_err(|e| fail(&p)(e.into()))?;
    state.app().set_password(&actor, &id, &password, true, None).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::staff_done("staff")).into_response())
}

async fn set_active(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let active = form.get("active") == Some("true");
    state.app().set_staff_active(&p.actor(Channel::Console), &id, active).await.map_err(|e| fail(&p)(e.into()))?;
    // No cached principal outlives a deactivation.
    state.principals.evict_staff(&id);
    Ok(Redirect::to(&routes::staff_done("active")).into_response())
}

async fn set_role(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let role = form
        .get("role")
        .and_then(StaffRole::parse)
        .ok_or_else(|| fail(&p)(Problem::bad_input(format!("role: one of {}", StaffRole::expected()))))?;
    state.app().set_staff_role(&p.actor(Channel::Console), &id, role).await.map_err(|e| fail(&p)(e.into()))?;
    // No cached principal keeps the old role.
    state.principals.evict_staff(&id);
    Ok(Redirect::to(&routes::staff_done("role")).into_response())
}

async fn reset_password(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    // Admin only, never one's own account: checked (and a refusal audited) by the operation.
    state.app().set_password(&p.actor(Channel::Console), &id, &form.text("password"), true, None).await.map_err(|e| fail(&p)(e.into()))?;
    // Cached principals would outlive the revocation by up to PRINCIPAL_TTL.
    state.principals.evict_staff(&id);
    Ok(Redirect::to(&routes::staff_done("password")).into_response())
}

async fn clear_totp(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    state.app().clear_totp(&p.actor(Channel::Console), &id).await.map_err(|e| fail(&p)(e.into()))?;
    state.principals.evict_staff(&id);
    Ok(Redirect::to(&routes::staff_done("totp")).into_response())
}

async fn revoke_tokens(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    state.app().revoke_all_tokens(&p.actor(Channel::Console), &id).await.map_err(|e| fail(&p)(e.into()))?;
    state.principals.evict_staff(&id);
    Ok(Redirect::to(&routes::staff_done("tokens")).into_response())
}

async fn teams(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Query(q): Query<FlashQuery>) -> PageResult {
    admin_only(&p).map_err(fail(&p))?;
    let teams = state.store.list_teams().await.map_err(|e| fail(&p)(e.into()))?;
    let staff = state.store.list_staff().await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::teams_page(&viewer(&p), &teams, &staff, flash_of(q.done.as_deref()).as_ref())))
}

async fn add_team(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let name = form.text("name").trim().to_string();
    if name.is_empty() {
        return Err(fail(&p)(Problem::bad_input("name: the care team's name")));
    }
    state.app().add_team(&p.actor(Channel::Console), None, &name).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::teams_done("team")).into_response())
}

async fn add_member(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(team): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let staff_id = form.text("staff_id");
    crate::body::check_id("staff_id", &staff_id).map_err(fail(&p))?;
    state.app().add_team_member(&p.actor(Channel::Console), &team, &staff_id).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::teams_done("member")).into_response())
}
