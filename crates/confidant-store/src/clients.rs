//! Clients: identifying details sealed under the client's own key, status
//! (discharge, death) and privacy-notice acknowledgments.

use confidant_policy::Date;
use confidant_policy::vocab::ClientStatus;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::model::{Birth, Client, NewClient, NoticeNotObtained, NoticeStatus};

use crate::vault::*;

impl Store {
    /// Intake: adds a client and, when given, assigns them to the staff
    /// member doing the intake, with `audit` (naming the new `"client"`),
    /// all in one transaction.
    pub async fn intake_client(
        &self,
        new: NewClient,
        assign_to: Option<(&str, Date)>,
        audit: AuditEvent,
    ) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let id = self.add_client_in(&mut tx, new).await?;
        if let Some((staff, on)) = assign_to {
            self.assign_in(&mut tx, staff, &id, on).await?;
        }
        let seq = self.commit_audited(tx, audit.client(&id).with(Detail::Client(id.clone()))).await?;
        Ok((id, seq))
    }

    /// Adds a client, sealing the name, contact, notes and date of birth
    /// under a new data key; returns the client's id. Unaudited (demo data,
    /// tests); the operations layer uses [`Store::intake_client`].
    pub async fn add_client(&self, new: NewClient) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_client_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn add_client_in(&self, tx: &mut Tx, new: NewClient) -> Result<String, StoreError> {
        let id = checked_id("client", new.id.as_deref(), "cl")?;
        non_empty("name", &new.name)?;
        if let Birth::Age { years, .. } = new.birth
            && u64::from(years) > confidant_policy::MAX_AGE
        {
            return Err(StoreError::invalid("age", format!("a whole number of years from 0 to {}", confidant_policy::MAX_AGE)));
        }
        if exists(tx, "SELECT 1 AS x FROM clients WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "client", id });
        }
        if let Some(team) = &new.team_id {
            require(&mut **tx, "SELECT 1 AS x FROM care_teams WHERE id = $1", "team", team).await?;
        }
        let (key_id, key) = self.new_data_key(tx).await?;
        let seal =
            |field: &str, text: &str| key.seal(&field_aad("clients", field, &id), text.as_bytes()).map_err(StoreError::crypto("client"));
        let name = seal("name", &new.name)?;
        let contact = new.contact.as_deref().map(|c| seal("contact", c)).transpose()?;
        let notes = new.notes.as_deref().map(|n| seal("notes", n)).transpose()?;
        let (birth_date, age_years, age_on) = match new.birth {
            Birth::DateOfBirth(d) => (Some(seal("birth_date", &d.to_string())?), None, None),
            Birth::Age { years, on } => (None, Some(i64::from(years)), Some(on.to_string())),
        };
        sqlx::query(
            "INSERT INTO clients (id, data_key_id, name, contact, notes, birth_date, age_years, age_recorded_on, \
             status, part2_program, team_id, created_at, lps_program) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12)",
        )
        .bind(id.clone())
        .bind(key_id)
        .bind(name)
        .bind(contact)
        .bind(notes)
        .bind(birth_date)
        .bind(age_years)
        .bind(age_on)
        .bind(i64::from(new.part2_program))
        .bind(new.team_id)
        .bind(self.now_secs())
        .bind(i64::from(new.lps_program))
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Every client, decrypted, by id. Need-to-know is the caller's to apply.
    pub async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.contact, c.notes, c.birth_date, c.age_years, c.age_recorded_on, c.status, \
             c.discharged_on, c.died_on, c.part2_program, c.lps_program, c.team_id, c.data_key_id, d.kek_id, d.wrapped \
             FROM clients c JOIN data_keys d ON d.id = c.data_key_id ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| self.client_from_row(row)).collect()
    }

    /// One client, decrypted; "not found" for an unknown id.
    pub async fn client(&self, id: &str) -> Result<Client, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.client_on(&mut conn, id).await
    }

    pub(crate) async fn client_on(&self, conn: &mut AnyConnection, id: &str) -> Result<Client, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.name, c.contact, c.notes, c.birth_date, c.age_years, c.age_recorded_on, c.status, \
             c.discharged_on, c.died_on, c.part2_program, c.lps_program, c.team_id, c.data_key_id, d.kek_id, d.wrapped \
             FROM clients c JOIN data_keys d ON d.id = c.data_key_id WHERE c.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found("client", id))?;
        self.client_from_row(&row)
    }

    fn client_from_row(&self, row: &AnyRow) -> Result<Client, StoreError> {
        let id: String = row.try_get("id")?;
        let key = self.unwrap_row(row)?;
        let what = format!("client `{id}`");
        let open =
            |field: &str, sealed: &[u8]| key.open_text(&field_aad("clients", field, &id), sealed).map_err(StoreError::crypto(what.clone()));
        let name = open("name", &row.try_get::<Vec<u8>, _>("name")?)?;
        let contact = row.try_get::<Option<Vec<u8>>, _>("contact")?.map(|c| open("contact", &c)).transpose()?;
        let notes = row.try_get::<Option<Vec<u8>>, _>("notes")?.map(|n| open("notes", &n)).transpose()?;
        let birth = match row.try_get::<Option<Vec<u8>>, _>("birth_date")? {
            Some(sealed) => Birth::DateOfBirth(Date::parse(&open("birth_date", &sealed)?).ok_or_else(|| corrupt(what.clone()))?),
            None => {
                let years: Option<i64> = row.try_get("age_years")?;
                let on: Option<String> = row.try_get("age_recorded_on")?;
                match (years.and_then(|y| u8::try_from(y).ok()), on.as_deref().and_then(Date::parse)) {
                    (Some(years), Some(on)) => Birth::Age { years, on },
                    _ => return Err(corrupt(what)),
                }
            }
        };
        let status: String = row.try_get("status")?;
        let part2: i64 = row.try_get("part2_program")?;
        let lps: i64 = row.try_get("lps_program")?;
        Ok(Client {
            name,
            contact,
            notes,
            birth,
            status: ClientStatus::parse(&status).ok_or_else(|| corrupt(what.clone()))?,
            discharged_on: opt_date(row, "discharged_on", &what)?,
            died_on: opt_date(row, "died_on", &what)?,
            part2_program: part2 != 0,
            lps_program: lps != 0,
            team_id: row.try_get("team_id")?,
            id,
        })
    }

    /// Records a discharge; confidentiality continues.
    pub async fn discharge(&self, id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.discharge_in(&mut tx, id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::discharge`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn discharge_audited(&self, id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.discharge_in(&mut tx, id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn discharge_in(&self, tx: &mut Tx, id: &str, on: Date) -> Result<(), StoreError> {
        let status = client_status(tx, id).await?;
        if status != ClientStatus::Active {
            return Err(StoreError::invalid("client", format!("an active client to discharge; `{id}` is {status}")));
        }
        sqlx::query("UPDATE clients SET status = 'discharged', discharged_on = $1 WHERE id = $2")
            .bind(on.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Records a client's death; confidentiality continues (for 50 years under HIPAA).
    pub async fn record_death(&self, id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_death_in(&mut tx, id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::record_death`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn record_death_audited(&self, id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.record_death_in(&mut tx, id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn record_death_in(&self, tx: &mut Tx, id: &str, on: Date) -> Result<(), StoreError> {
        let status = client_status(tx, id).await?;
        if status == ClientStatus::Deceased {
            return Err(StoreError::invalid("client", format!("a living client; `{id}`'s death is already recorded")));
        }
        sqlx::query("UPDATE clients SET status = 'deceased', died_on = $1 WHERE id = $2")
            .bind(on.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The privacy officer's correction of a mistaken discharge or death:
    /// the client's status and dates are set to what they should have been
    /// (`None` for both: active), with `audit` appended in the same
    /// transaction, so the change and its audit entry are committed together
    /// or not at all. Returns the new status and the audit entry's sequence number.
    pub async fn correct_client_status_audited(
        &self,
        id: &str,
        discharged_on: Option<Date>,
        died_on: Option<Date>,
        audit: AuditEvent,
    ) -> Result<(ClientStatus, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.correct_client_status_in(&mut tx, id, discharged_on, died_on).await?;
        let seq = self.commit_audited(tx, audit).await?;
        Ok((out, seq))
    }

    pub(crate) async fn correct_client_status_in(
        &self,
        tx: &mut Tx,
        id: &str,
        discharged_on: Option<Date>,
        died_on: Option<Date>,
    ) -> Result<ClientStatus, StoreError> {
        client_status(tx, id).await?;
        let status = match (discharged_on, died_on) {
            (_, Some(_)) => ClientStatus::Deceased,
            (Some(_), None) => ClientStatus::Discharged,
            (None, None) => ClientStatus::Active,
        };
        sqlx::query("UPDATE clients SET status = $1, discharged_on = $2, died_on = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(discharged_on.map(|d| d.to_string()))
            .bind(died_on.map(|d| d.to_string()))
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(status)
    }

    /// Records that the client acknowledged the privacy notice on `on` (45 CFR
    /// 164.520(c)(2)(ii)); recording the same day twice changes nothing.
    pub async fn acknowledge_privacy_notice(&self, client_id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.acknowledge_privacy_notice_in(&mut tx, client_id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::acknowledge_privacy_notice`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn acknowledge_privacy_notice_audited(&self, client_id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.acknowledge_privacy_notice_in(&mut tx, client_id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn acknowledge_privacy_notice_in(&self, tx: &mut Tx, client_id: &str, on: Date) -> Result<(), StoreError> {
        require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query("INSERT INTO privacy_notice_acknowledgments (client_id, acknowledged_on) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(client_id.to_string())
            .bind(on.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The days the client acknowledged the privacy notice, earliest first.
    pub async fn privacy_notice_acknowledgments(&self, client_id: &str) -> Result<Vec<Date>, StoreError> {
        // An unknown client is an error, not an empty list that reads as "never acknowledged".
        require(&self.pool, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let rows = sqlx::query("SELECT acknowledged_on FROM privacy_notice_acknowledgments WHERE client_id = $1 ORDER BY acknowledged_on")
            .bind(client_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get("acknowledged_on")?;
                Date::parse(&text).ok_or_else(|| corrupt(format!("client `{client_id}` privacy notice")))
            })
            .collect()
    }

    /// Records, with `audit` in the same transaction, that the notice's
    /// acknowledgment was sought on `on` but not obtained, and why
    /// (45 CFR 164.520(c)(2)(ii)).
    pub async fn privacy_notice_not_obtained_audited(
        &self,
        client_id: &str,
        on: Date,
        reason: NoticeNotObtained,
        by: Option<&str>,
        audit: AuditEvent,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query(
            "INSERT INTO privacy_notice_not_obtained (client_id, attempted_on, reason, recorded_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (client_id, attempted_on) DO UPDATE SET reason = excluded.reason, recorded_by = excluded.recorded_by",
        )
        .bind(client_id.to_string())
        .bind(on.to_string())
        .bind(reason.as_str())
        .bind(by.map(str::to_string))
        .execute(&mut *tx)
        .await?;
        self.commit_audited(tx, audit).await
    }

    /// Where the client's privacy-notice acknowledgment stands: the days it
    /// was acknowledged and the attempts that did not obtain it.
    pub async fn privacy_notice_status(&self, client_id: &str) -> Result<NoticeStatus, StoreError> {
        let acknowledged = self.privacy_notice_acknowledgments(client_id).await?;
        let rows = sqlx::query("SELECT attempted_on, reason FROM privacy_notice_not_obtained WHERE client_id = $1 ORDER BY attempted_on")
            .bind(client_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        let what = || corrupt(format!("client `{client_id}` privacy notice"));
        let mut not_obtained = Vec::with_capacity(rows.len());
        for row in &rows {
            let on: String = row.try_get("attempted_on")?;
            let reason: String = row.try_get("reason")?;
            not_obtained.push((Date::parse(&on).ok_or_else(what)?, NoticeNotObtained::parse(&reason).ok_or_else(what)?));
        }
        Ok(NoticeStatus { acknowledged, not_obtained })
    }
}
