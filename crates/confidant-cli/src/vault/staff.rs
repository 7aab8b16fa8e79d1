//! `confidant staff …` and `confidant team …`: staff (and their passwords,
//! read from standard input only), care teams and caseloads.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    /// Add a staff member (`--password-stdin`: with a password they must
    /// change at first sign-in).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        id: Option<String>,
        /// Set a first password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set or reset a staff member's password from standard input; it must
    /// be changed at the next sign-in, and their sessions and API tokens end.
    Password {
        /// The staff member's id.
        id: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Give a staff member another role; their sessions and API tokens end.
    Role {
        /// The staff member's id.
        id: String,
        #[arg(long)]
        role: String,
    },
    /// Deactivate an account: it cannot sign in, and its sessions and API
    /// tokens end at once.
    Deactivate {
        /// The staff member's id.
        id: String,
    },
    /// Reactivate a deactivated account.
    Activate {
        /// The staff member's id.
        id: String,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// Create a care team.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        id: Option<String>,
    },
    /// Put a client on a staff member's caseload, or a staff member on a team.
    Assign {
        #[arg(long)]
        staff: String,
        #[arg(long, required_unless_present = "team", conflicts_with = "team")]
        client: Option<String>,
        /// A team's id or name.
        #[arg(long)]
        team: Option<String>,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
}

pub fn staff(location: &Location, cmd: StaffCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                StaffCmd::Add { name, role, id, password_stdin } => {
                    let role = StaffRole::parse(&role).ok_or_else(|| expected("--role", StaffRole::expected(), &role))?;
                    let password = if password_stdin { Some(checked_password()?) } else { None };
                    let actor = actor(&store, location, "--as", None).await?;
                    let app = App::new(&store, &store);
                    let id = app.add_staff(&actor, NewStaff { id, display_name: name, role }).await.map_err(app_failure)?;
                    if let Some(password) = password {
                        app.set_password(&actor, &id, &password, true, None).await.map_err(password_failure)?;
                        return say(&format!("added staff {id} with a password to change at first sign-in"));
                    }
                    say(&format!("added staff {id}"))
                }
                StaffCmd::Password { id, password_stdin: _ } => {
                    let password = checked_password()?;
                    let actor = actor(&store, location, "--as", None).await?;
                    let done = App::new(&store, &store).set_password(&actor, &id, &password, true, None).await.map_err(password_failure)?;
                    say(&format!(
                        "set the password of {id}; it must be changed at the next sign-in ({} sessions ended, {} API tokens revoked)",
                        done.sessions_ended, done.tokens_revoked
                    ))
                }
                StaffCmd::Role { id, role } => {
                    let role = StaffRole::parse(&role).ok_or_else(|| expected("--role", StaffRole::expected(), &role))?;
                    let actor = actor(&store, location, "--as", None).await?;
                    let before = App::new(&store, &store).set_staff_role(&actor, &id, role).await.map_err(app_failure)?;
                    say(&format!("{id} is now {} (was {}); their sessions and API tokens have ended", role.as_str(), before.as_str()))
                }
                StaffCmd::Deactivate { id } => set_active(&store, location, &id, false).await,
                StaffCmd::Activate { id } => set_active(&store, location, &id, true).await,
                StaffCmd::List { output } => {
                    let staff = store.list_staff().await.map_err(store_failure)?;
                    let rows = staff
                        .iter()
                        .map(|s| {
                            vec![
                                s.id.clone(),
                                s.display_name.clone(),
                                s.role.to_string(),
                                if s.active { "yes".into() } else { "no".into() },
                            ]
                        })
                        .collect::<Vec<_>>();
                    emit(output.format, &json!(staff), &table(&["ID", "NAME", "ROLE", "ACTIVE"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}

/// Deactivates or reactivates `id` as the `--as` admin.
async fn set_active(store: &Store, location: &Location, id: &str, active: bool) -> Result<(), Failure> {
    let actor = actor(store, location, "--as", None).await?;
    App::new(store, store).set_staff_active(&actor, id, active).await.map_err(app_failure)?;
    if active { say(&format!("reactivated {id}")) } else { say(&format!("deactivated {id}; their sessions and API tokens have ended")) }
}

/// The password on standard input, long enough (checked before anything is written).
fn checked_password() -> Result<Zeroizing<String>, Failure> {
    let password = stdin_secret("--password-stdin")?;
    let min = confidant_app::passwords::MIN_PASSWORD_CHARS;
    if password.chars().count() < min {
        return Err(Failure::Input(format!("--password-stdin: at least {min} characters")));
    }
    Ok(password)
}

fn password_failure(e: AppError) -> Failure {
    match e {
        AppError::Input { expected, .. } => Failure::Input(format!("--password-stdin: {expected}")),
        other => app_failure(other),
    }
}

pub fn team(location: &Location, cmd: TeamCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                TeamCmd::Add { name, id } => {
                    let actor = actor(&store, location, "--as", None).await?;
                    let id = App::new(&store, &store).add_team(&actor, id.as_deref(), &name).await.map_err(app_failure)?;
                    say(&format!("added team {id}"))
                }
                TeamCmd::Assign { staff, client: Some(client), .. } => {
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).assign_caseload(&actor, &client, &staff).await.map_err(app_failure)?;
                    say(&format!("assigned client {client} to {staff}'s caseload"))
                }
                TeamCmd::Assign { staff, team, .. } => {
                    let team = store.team_id(&team.unwrap_or_default()).await.map_err(store_failure)?;
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).add_team_member(&actor, &team, &staff).await.map_err(app_failure)?;
                    say(&format!("added {staff} to team {team}"))
                }
                TeamCmd::List { output } => {
                    let teams = store.list_teams().await.map_err(store_failure)?;
                    let rows = teams.iter().map(|t| vec![t.id.clone(), t.name.clone(), t.members.join(", ")]).collect::<Vec<_>>();
                    emit(output.format, &json!(teams), &table(&["ID", "NAME", "MEMBERS"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}
