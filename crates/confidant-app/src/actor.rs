//! Who acts: a staff member signed in to the API or the console, a staff
//! member named at the command line (`--as`), or the vault's operator.

use confidant_store::{Staff, StaffRole};

/// The front end an operation came through; written into audit details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The HTTP API.
    Api,
    /// The staff console.
    Console,
    /// The command line.
    Cli,
}

impl Channel {
    /// The name written into audit details as `"via"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Api => "api",
            Channel::Console => "console",
            Channel::Cli => "cli",
        }
    }
}

/// Who performs an operation.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A staff member, held to need-to-know.
    Staff {
        /// The staff member, as read from the vault.
        staff: Staff,
        /// Where they acted from.
        via: Channel,
    },
    /// Whoever runs the command line without `--as`: the custodian who holds
    /// the vault's key file, and so could read everything anyway. Need-to-know
    /// does not bind them, but every act is audited with no staff actor and
    /// `"via": "cli"` — the log shows the operator did it.
    Operator {
        /// The staff member the operator enters something for: a record's
        /// author, who received a revocation. Recorded as data, never as
        /// the actor.
        entering_for: Option<String>,
    },
}

impl Actor {
    /// A staff member acting through `via`.
    pub fn staff(staff: Staff, via: Channel) -> Actor {
        Actor::Staff { staff, via }
    }

    /// The operator, entering for `staff_id` when given.
    pub fn operator(entering_for: Option<String>) -> Actor {
        Actor::Operator { entering_for }
    }

    /// The staff id recorded as the audit entry's actor (none for the operator).
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::Staff { staff, .. } => Some(&staff.id),
            Actor::Operator { .. } => None,
        }
    }

    /// The staff member an act is recorded under: the actor, or whom the
    /// operator enters it for.
    pub fn on_behalf_of(&self) -> Option<&str> {
        match self {
            Actor::Staff { staff, .. } => Some(&staff.id),
            Actor::Operator { entering_for } => entering_for.as_deref(),
        }
    }

    /// Whether this is the operator at the command line.
    pub fn is_operator(&self) -> bool {
        matches!(self, Actor::Operator { .. })
    }

    /// The staff member, when a staff member acts.
    pub fn as_staff(&self) -> Option<&Staff> {
        match self {
            Actor::Staff { staff, .. } => Some(staff),
            Actor::Operator { .. } => None,
        }
    }

    /// The front end.
    pub fn via(&self) -> Channel {
        match self {
            Actor::Staff { via, .. } => *via,
            Actor::Operator { .. } => Channel::Cli,
        }
    }

    /// The staff member's role (none for the operator).
    pub fn role(&self) -> Option<StaffRole> {
        self.as_staff().map(|s| s.role)
    }

    /// A clinician: psychotherapist, psychiatrist, nurse or clinical supervisor.
    pub fn is_clinician(&self) -> bool {
        self.role().is_some_and(StaffRole::is_clinician)
    }

    /// The privacy officer.
    pub fn is_privacy_officer(&self) -> bool {
        self.role() == Some(StaffRole::PrivacyOfficer)
    }
}
