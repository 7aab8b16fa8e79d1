//! `confidant record …`: adding, importing and reading records.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// Add a record; psychotherapy notes are kept in their own table.
    Add {
        #[arg(long)]
        client: String,
        #[arg(long)]
        category: String,
        /// The staff member writing it [default: the --as staff member].
        #[arg(long)]
        author: Option<String>,
        /// The content; `-` reads standard input.
        #[arg(long)]
        content: String,
        #[arg(long)]
        id: Option<String>,
    },
    /// Import records from JSON Lines (one object a line: client, category,
    /// author, content, optional id), committing one transaction per batch.
    /// A bad line stores nothing from its batch; earlier batches stay.
    Import {
        /// The file; `-` reads standard input.
        file: String,
        /// Records per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        batch: u32,
    },
    /// List a client's records (metadata only unless --show-content).
    List {
        #[arg(long)]
        client: String,
        /// Decrypt and print the contents (an explicit read).
        #[arg(long)]
        show_content: bool,
        #[command(flatten)]
        output: Output,
    },
}

pub fn record(location: &Location, cmd: RecordCmd) -> Result<(), Failure> {
    if let RecordCmd::Import { file, batch } = cmd {
        return crate::import::run(location, &file, batch);
    }
    // Read standard input before opening the vault, so a bad read changes nothing.
    let cmd = match cmd {
        RecordCmd::Add { client, category, author, content, id } if content == "-" => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|e| Failure::Input(format!("--content: readable standard input ({e})")))?;
            RecordCmd::Add { client, category, author, content: text, id }
        }
        other => other,
    };
    block_on(async {
        let store = open(location).await?;
        let result = record_inner(&store, location, cmd).await;
        store.close().await;
        result
    })
}

async fn record_inner(store: &Store, location: &Location, cmd: RecordCmd) -> Result<(), Failure> {
    match cmd {
        RecordCmd::Add { client, category, author, content, id } => {
            let category = Category::parse(&category).ok_or_else(|| expected("--category", Category::expected(), &category))?;
            let actor = actor(store, location, "--author", author.as_deref()).await?;
            let id = App::new(store, store).add_record(&actor, &client, category, content, id).await.map_err(app_failure)?;
            say(&format!("added record {id}"))
        }
        RecordCmd::Import { .. } => Err(Failure::Internal("record import runs through import::run".into())),
        RecordCmd::List { client, show_content, output } => {
            // Contents are a read of the chart: need-to-know and the audit
            // log, as on the server; psychotherapy notes only their author's.
            let records = if show_content {
                let actor = actor(store, location, "--as", None).await?;
                App::new(store, store).read_records(&actor, &client).await.map_err(app_failure)?.records
            } else {
                store.records(&client, false).await.map_err(store_failure)?
            };
            let mut headers = vec!["ID", "CATEGORY", "AUTHOR", "CREATED"];
            if show_content {
                headers.push("CONTENT");
            }
            let rows = records
                .iter()
                .map(|r| {
                    let mut row = vec![r.id.clone(), r.category.to_string(), r.author_id.clone(), day_of(r.created_at)];
                    if let Some(c) = &r.content {
                        row.push(c.clone());
                    }
                    row
                })
                .collect::<Vec<_>>();
            emit(output.format, &json!(records), &table(&headers, &rows))
        }
    }
}
