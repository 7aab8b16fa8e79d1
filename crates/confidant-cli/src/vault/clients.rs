//! `confidant client …` and `confidant notice …`: intake, reading a client, discharge and death, privacy-notice acknowledgments.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Subcommand)]
pub enum ClientCmd {
    /// Add a client (name, contact and notes are stored encrypted).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long, conflicts_with = "age", required_unless_present = "age")]
        dob: Option<String>,
        /// Age in years today, when the date of birth is not known.
        #[arg(long)]
        age: Option<u8>,
        /// The records come from a federally assisted SUD program (42 CFR Part 2).
        #[arg(long)]
        part2: bool,
        /// The records come from a California county mental-health, Medi-Cal
        /// specialty mental-health or MHSA program (LPS Act, Welf. & Inst. Code 5328).
        #[arg(long)]
        lps: bool,
        /// A care team's id or name.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
    Show {
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Record a discharge (confidentiality continues).
    Discharge {
        id: String,
        /// Default: today.
        #[arg(long)]
        on: Option<String>,
    },
    /// Record a client's death (confidentiality continues).
    RecordDeath {
        id: String,
        #[arg(long)]
        on: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticeCmd {
    /// Record that a client acknowledged receiving the notice of privacy practices.
    Ack {
        #[arg(long)]
        client: String,
        /// Default: today.
        #[arg(long)]
        on: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// The days a client acknowledged the notice, oldest first.
    List {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        output: Output,
    },
}

pub fn client(location: &Location, cmd: ClientCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = client_inner(&store, location, cmd).await;
        store.close().await;
        result
    })
}

async fn client_inner(store: &Store, location: &Location, cmd: ClientCmd) -> Result<(), Failure> {
    match cmd {
        ClientCmd::Add { name, contact, notes, dob, age, part2, lps, team, id, output } => {
            let birth = match (dob, age) {
                (Some(dob), _) => Birth::DateOfBirth(date("--dob", &dob)?),
                (None, Some(years)) => Birth::Age { years, on: today() },
                (None, None) => return Err(Failure::Input("--dob: a date of birth, or --age".into())),
            };
            let team_id = match team {
                Some(t) => Some(store.team_id(&t).await.map_err(store_failure)?),
                None => None,
            };
            let actor = actor(store, location, "--as", None).await?;
            let new = NewClient { id, name, contact, notes, birth, part2_program: part2, lps_program: lps, team_id };
            let id = App::new(store, store).add_client(&actor, new).await.map_err(app_failure)?;
            emit(output.format, &json!({ "id": id }), &format!("added client {id}"))
        }
        ClientCmd::List { output } => {
            let actor = actor(store, location, "--as", None).await?;
            let clients = App::new(store, store).caseload(&actor, None).await.map_err(app_failure)?;
            let rows = clients
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.name.clone(),
                        c.status.to_string(),
                        c.birth.age_on(today()).map(|a| a.to_string()).unwrap_or_default(),
                        if c.part2_program { "yes".into() } else { String::new() },
                        c.team_id.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            emit(output.format, &json!(clients), &table(&["ID", "NAME", "STATUS", "AGE", "PART 2", "TEAM"], &rows))
        }
        ClientCmd::Show { id, output } => {
            // Identifying details are opened: need-to-know and the log.
            let actor = actor(store, location, "--as", None).await?;
            let c = App::new(store, store).show_client(&actor, &id).await.map_err(app_failure)?;
            let staff = store.client_staff(&id).await.map_err(store_failure)?;
            let acks = store.privacy_notice_acknowledgments(&id).await.map_err(store_failure)?;
            let mut value = json!(c);
            if let Some(obj) = value.as_object_mut() {
                obj.insert("caseload_staff".into(), json!(staff));
                obj.insert("privacy_notice_acknowledged_on".into(), json!(acks));
            }
            let birth = match c.birth {
                Birth::DateOfBirth(d) => format!("born {d}"),
                Birth::Age { years, on } => format!("{years} years old on {on}"),
            };
            let text = [
                format!("{}  {}", c.id, c.name),
                format!(
                    "status:    {}{}{}",
                    c.status,
                    c.discharged_on.map(|d| format!(", discharged {d}")).unwrap_or_default(),
                    c.died_on.map(|d| format!(", died {d}")).unwrap_or_default()
                ),
                format!("age:       {birth}"),
                format!("part 2:    {}", if c.part2_program { "yes" } else { "no" }),
                format!("team:      {}", c.team_id.clone().unwrap_or_else(|| "–".into())),
                format!("contact:   {}", c.contact.clone().unwrap_or_else(|| "–".into())),
                format!("notes:     {}", c.notes.clone().unwrap_or_else(|| "–".into())),
                format!("caseload:  {}", if staff.is_empty() { "–".into() } else { staff.join(", ") }),
                format!(
                    "privacy notice acknowledged: {}",
                    if acks.is_empty() { "no".into() } else { acks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ") }
                ),
            ]
            .join("\n");
            emit(output.format, &value, &text)
        }
        ClientCmd::Discharge { id, on } => {
            let on = on.map(|d| date("--on", &d)).transpose()?.unwrap_or_else(|| store.today());
            let actor = actor(store, location, "--as", None).await?;
            App::new(store, store).change_status(&actor, &id, StatusChange::Discharge, Some(on)).await.map_err(app_failure)?;
            say(&format!("discharged client {id} on {on}"))
        }
        ClientCmd::RecordDeath { id, on } => {
            let on = date("--on", &on)?;
            let actor = actor(store, location, "--as", None).await?;
            App::new(store, store).change_status(&actor, &id, StatusChange::Death, Some(on)).await.map_err(app_failure)?;
            say(&format!("recorded the death of client {id} on {on}"))
        }
    }
}

pub fn notice(location: &Location, cmd: NoticeCmd) -> Result<(), Failure> {
    let on = match &cmd {
        NoticeCmd::Ack { on: Some(d), .. } => Some(date("--on", d)?),
        _ => None,
    };
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                NoticeCmd::Ack { client, output, .. } => {
                    let on = on.unwrap_or_else(today);
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).acknowledge_notice(&actor, &client, on).await.map_err(app_failure)?;
                    emit(
                        output.format,
                        &json!({ "client": client, "acknowledged_on": on }),
                        &format!("recorded that client {client} acknowledged the privacy notice on {on}"),
                    )
                }
                NoticeCmd::List { client, output } => {
                    let days = store.privacy_notice_acknowledgments(&client).await.map_err(store_failure)?;
                    let rows = days.iter().map(|d| vec![d.to_string()]).collect::<Vec<_>>();
                    emit(output.format, &json!({ "client": client, "acknowledged_on": days }), &table(&["ACKNOWLEDGED ON"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}
