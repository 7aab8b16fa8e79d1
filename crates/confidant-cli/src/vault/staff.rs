//! `confidant staff …` and `confidant team …`: staff, care teams and caseloads.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        id: Option<String>,
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
                StaffCmd::Add { name, role, id } => {
                    let role = StaffRole::parse(&role).ok_or_else(|| expected("--role", StaffRole::expected(), &role))?;
                    let actor = actor(&store, location, "--as", None).await?;
                    let id =
                        App::new(&store, &store).add_staff(&actor, NewStaff { id, display_name: name, role }).await.map_err(app_failure)?;
                    say(&format!("added staff {id}"))
                }
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
