//! Who may write what into a client's record, kept beside the engine so it
//! is read and tested as law, not found in SQL.
//!
//! Psychotherapy notes are notes "recorded (in any medium) by a health care
//! provider who is a mental health professional documenting or analyzing
//! the contents of conversation during a private counseling session" and
//! kept apart from the rest of the record (45 CFR 164.501, "psychotherapy
//! notes"). Only a mental health professional who counsels writes them:
//! here the psychotherapist (and the clinical supervisor, who the vault
//! maps to that role) and the psychiatrist. Everyone else's notes, a peer
//! support specialist's included, are ordinary progress notes, however
//! personal, and are disclosed under the ordinary rules.

use crate::vocab::{Category, Role};

/// Whether staff in `role` may write a record of `category`.
pub fn may_author(role: Role, category: Category) -> bool {
    match category {
        Category::PsychotherapyNotes => writes_psychotherapy_notes(role),
        _ => true,
    }
}

/// The mental health professionals who counsel and so may keep
/// psychotherapy notes (45 CFR 164.501).
pub fn writes_psychotherapy_notes(role: Role) -> bool {
    matches!(role, Role::Psychotherapist | Role::Psychiatrist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_counselling_mental_health_professionals_write_psychotherapy_notes() {
        let writers: Vec<Role> = Role::ALL.iter().copied().filter(|r| may_author(*r, Category::PsychotherapyNotes)).collect();
        assert_eq!(writers, vec![Role::Psychotherapist, Role::Psychiatrist]);
    }

    #[test]
    fn everyone_writes_ordinary_records() {
        for role in Role::ALL {
            assert!(may_author(*role, Category::ProgressNotes), "{role:?}");
        }
    }
}
