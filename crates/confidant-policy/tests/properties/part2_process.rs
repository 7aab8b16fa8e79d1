//! Part 2 records and ordinary legal process.

use super::*;

/// Recipients with no Part 2 exception of their own for a proceeding or an
/// investigation (not the client or representative, 42 CFR 2.23; not medical
/// personnel in an emergency, 2.51; not a coroner, 2.15(b)).
pub(crate) const PROCESS_RECIPIENTS: &[RecipientKind] = &[
    RecipientKind::Court,
    RecipientKind::Attorney,
    RecipientKind::LawEnforcement,
    RecipientKind::HealthOversightAgency,
    RecipientKind::PublicHealthAuthority,
    RecipientKind::ChildWelfareAgency,
    RecipientKind::AdultProtectiveServices,
    RecipientKind::CorrectionalInstitution,
    RecipientKind::Employer,
    RecipientKind::School,
    RecipientKind::FamilyOrFriend,
    RecipientKind::PotentialVictim,
    RecipientKind::HealthPlan,
    RecipientKind::SocialServicesAgency,
];

/// A Part 2 client's substance use records asked for in a proceeding or by
/// law enforcement on an ordinary court order, subpoena or warrant (never a
/// Part 2 order), any facts, laws and HIPAA authorizations otherwise.
pub(crate) fn part2_ordinary_process() -> impl Strategy<Value = Request> {
    let process = select(&[Fact::CourtOrder, Fact::Subpoena, Fact::Warrant][..]);
    let purpose = select(&[Purpose::JudicialProceeding, Purpose::LawEnforcement][..]);
    (request(), select(PROCESS_RECIPIENTS), purpose, process, any::<Index>()).prop_map(|(mut r, kind, purpose, process, at)| {
        r.client.part2_program = true;
        r.recipient.kind = kind;
        r.purpose = purpose;
        r.facts.set(process, true);
        r.facts.set(Fact::Part2CourtOrder, false);
        // A HIPAA authorization never opens Part 2 records; a Part 2 consent would.
        r.authorizations.retain(|a| a.kind == AuthorizationKind::Hipaa);
        if !r.categories.contains(&Category::SubstanceUse) {
            let i = at.index(r.categories.len() + 1);
            r.categories.insert(i, Category::SubstanceUse);
        }
        r
    })
}

proptest! {
    #![proptest_config(config())]

    /// 42 CFR 2.61, 2.64–2.66: only a Part 2 order (or the client's Part 2
    /// consent) opens a Part 2 client's records for a proceeding or the
    /// police; an ordinary court order, subpoena or warrant never does, under
    /// any other rule of any layer.
    #[test]
    fn ordinary_process_never_opens_part2_substance_use_records(r in part2_ordinary_process()) {
        let d = decide(&r)?;
        prop_assert_eq!(outcome(&d, Category::SubstanceUse), Some(Outcome::Deny), "released: {:?}", d.rules.iter().map(|x| x.id.as_str()).collect::<Vec<_>>());
    }
}
