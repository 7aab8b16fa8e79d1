//! Staff, care teams and caseloads: who works here and whose clients they see.

use confidant_policy::Date;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit_detail::Detail;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::model::{CareTeam, NewStaff, Staff, StaffRole};

use crate::audit::AuditEvent;
use crate::vault::*;

impl Store {
    /// Adds a staff member, the display name sealed under a new data key;
    /// returns the id. Unaudited; the operations layer uses [`Store::add_staff_audited`].
    pub async fn add_staff(&self, new: NewStaff) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_staff_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_staff`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"staff"`).
    /// Returns the audit entry's sequence number with the result.
    pub async fn add_staff_audited(&self, new: NewStaff, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_staff_in(&mut tx, new).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::Staff(out.clone()))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn add_staff_in(&self, tx: &mut Tx, new: NewStaff) -> Result<String, StoreError> {
        let id = checked_id("staff", new.id.as_deref(), "st")?;
        non_empty("display_name", &new.display_name)?;
        if exists(tx, "SELECT 1 AS x FROM staff WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "staff", id });
        }
        let (key_id, key) = self.new_data_key(tx).await?;
        let name = key.seal(&field_aad("staff", "display_name", &id), new.display_name.as_bytes()).map_err(StoreError::crypto("staff"))?;
        sqlx::query("INSERT INTO staff (id, data_key_id, display_name, role, active, created_at) VALUES ($1, $2, $3, $4, 1, $5)")
            .bind(id.clone())
            .bind(key_id)
            .bind(name)
            .bind(new.role.as_str())
            .bind(self.now_secs())
            .execute(&mut **tx)
            .await?;
        Ok(id)
    }

    /// Every staff member, active or not, by id.
    pub async fn list_staff(&self) -> Result<Vec<Staff>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.display_name, s.role, s.active, s.data_key_id, d.kek_id, d.wrapped \
             FROM staff s JOIN data_keys d ON d.id = s.data_key_id ORDER BY s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| self.staff_from_row(row)).collect()
    }

    /// One staff member; "not found" for an unknown id.
    pub async fn staff(&self, id: &str) -> Result<Staff, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.staff_on(&mut conn, id).await
    }

    pub(crate) async fn staff_on(&self, conn: &mut AnyConnection, id: &str) -> Result<Staff, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.display_name, s.role, s.active, s.data_key_id, d.kek_id, d.wrapped \
             FROM staff s JOIN data_keys d ON d.id = s.data_key_id WHERE s.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found("staff", id))?;
        self.staff_from_row(&row)
    }

    fn staff_from_row(&self, row: &AnyRow) -> Result<Staff, StoreError> {
        let id: String = row.try_get("id")?;
        let key = self.unwrap_row(row)?;
        let sealed: Vec<u8> = row.try_get("display_name")?;
        let display_name =
            key.open_text(&field_aad("staff", "display_name", &id), &sealed).map_err(StoreError::crypto(format!("staff `{id}`")))?;
        let role: String = row.try_get("role")?;
        let active: i64 = row.try_get("active")?;
        Ok(Staff {
            role: StaffRole::parse(&role).ok_or_else(|| corrupt(format!("staff `{id}` role")))?,
            active: active != 0,
            display_name,
            id,
        })
    }

    /// Activates or deactivates a staff member (an inactive one cannot sign
    /// in). Unaudited; the operations layer uses [`Store::set_staff_active_audited`].
    pub async fn set_staff_active(&self, id: &str, active: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.set_staff_active_in(&mut tx, id, active).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::set_staff_active`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn set_staff_active_audited(&self, id: &str, active: bool, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.set_staff_active_in(&mut tx, id, active).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn set_staff_active_in(&self, tx: &mut Tx, id: &str, active: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("staff", id));
        }
        Ok(())
    }

    /// Gives a staff member another role, with `audit` appended in the same
    /// transaction; returns the role they had and the entry's sequence
    /// number. Refused when the role is already theirs
    /// ([`StoreError::Invalid`] on `role`), so the log never shows a change
    /// that was not one. The `staff` update trigger moves `principal_version`, so
    /// every server drops its cached principal within a poll.
    pub async fn set_staff_role_audited(&self, id: &str, role: StaffRole, audit: AuditEvent) -> Result<(StaffRole, u64), StoreError> {
        let mut tx = self.begin().await?;
        let before: String = sqlx::query_scalar("SELECT role FROM staff WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("staff", id))?;
        let before = StaffRole::parse(&before).ok_or_else(|| corrupt(format!("staff `{id}` role")))?;
        if before == role {
            return Err(StoreError::Invalid {
                field: "role".into(),
                expected: format!("a role other than `{}`, which staff `{id}` has now", role.as_str()),
            });
        }
        sqlx::query("UPDATE staff SET role = $1 WHERE id = $2").bind(role.as_str()).bind(id.to_string()).execute(&mut *tx).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::PreviousRole(before))).await?;
        Ok((before, seq))
    }

    /// Creates a care team (names are not identifying and stay in clear text).
    pub async fn add_team(&self, id: Option<&str>, name: &str) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_team_in(&mut tx, id, name).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_team`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"team"`).
    /// Returns the audit entry's sequence number with the result.
    pub async fn add_team_audited(&self, id: Option<&str>, name: &str, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_team_in(&mut tx, id, name).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::Team(out.clone()))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn add_team_in(&self, tx: &mut Tx, id: Option<&str>, name: &str) -> Result<String, StoreError> {
        let id = checked_id("team", id, "team")?;
        non_empty("name", name)?;
        if exists(tx, "SELECT 1 AS x FROM care_teams WHERE id = $1 OR name = $1", &id).await?
            || exists(tx, "SELECT 1 AS x FROM care_teams WHERE name = $1", name).await?
        {
            return Err(StoreError::Duplicate { kind: "team", id: name.to_string() });
        }
        sqlx::query("INSERT INTO care_teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.clone())
            .bind(name.to_string())
            .bind(self.now_secs())
            .execute(&mut **tx)
            .await?;
        Ok(id)
    }

    /// A team's id, from its id or its name.
    pub async fn team_id(&self, id_or_name: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT id FROM care_teams WHERE id = $1 OR name = $1")
            .bind(id_or_name.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("team", id_or_name))?;
        Ok(row.try_get("id")?)
    }

    /// Adds a staff member to a care team, which puts the team's clients in
    /// their need-to-know. Unaudited; the operations layer uses [`Store::add_team_member_audited`].
    pub async fn add_team_member(&self, team_id: &str, staff_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.add_team_member_in(&mut tx, team_id, staff_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::add_team_member`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn add_team_member_audited(&self, team_id: &str, staff_id: &str, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.add_team_member_in(&mut tx, team_id, staff_id).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn add_team_member_in(&self, tx: &mut Tx, team_id: &str, staff_id: &str) -> Result<(), StoreError> {
        require(&mut **tx, "SELECT 1 AS x FROM care_teams WHERE id = $1", "team", team_id).await?;
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        // The primary key makes a repeated assignment a no-op, in one statement.
        sqlx::query("INSERT INTO care_team_members (team_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(team_id.to_string())
            .bind(staff_id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Every care team with its members, by name.
    pub async fn list_teams(&self) -> Result<Vec<CareTeam>, StoreError> {
        let teams = sqlx::query("SELECT id, name FROM care_teams ORDER BY name").fetch_all(&self.pool).await?;
        let members = sqlx::query("SELECT team_id, staff_id FROM care_team_members ORDER BY staff_id").fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(teams.len());
        for t in &teams {
            let id: String = t.try_get("id")?;
            let mut list = Vec::new();
            for m in &members {
                let team: String = m.try_get("team_id")?;
                if team == id {
                    list.push(m.try_get("staff_id")?);
                }
            }
            out.push(CareTeam { name: t.try_get("name")?, id, members: list });
        }
        Ok(out)
    }

    /// Puts a client on a staff member's caseload.
    pub async fn assign(&self, staff_id: &str, client_id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.assign_in(&mut tx, staff_id, client_id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::assign`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn assign_audited(&self, staff_id: &str, client_id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.assign_in(&mut tx, staff_id, client_id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn assign_in(&self, tx: &mut Tx, staff_id: &str, client_id: &str, on: Date) -> Result<(), StoreError> {
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query("INSERT INTO caseload_assignments (staff_id, client_id, assigned_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(staff_id.to_string())
            .bind(client_id.to_string())
            .bind(on.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The staff on a client's caseload.
    pub async fn client_staff(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT staff_id FROM caseload_assignments WHERE client_id = $1 ORDER BY staff_id")
            .bind(client_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get("staff_id").map_err(StoreError::from)).collect()
    }

    /// The clients on a staff member's caseload.
    pub async fn caseload(&self, staff_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT client_id FROM caseload_assignments WHERE staff_id = $1 ORDER BY client_id")
            .bind(staff_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get("client_id").map_err(StoreError::from)).collect()
    }
}
