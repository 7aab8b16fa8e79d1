//! What one category's evaluation sees: the request read for the rules
//! (restrictions matched, objections and agreement read, numbers banded,
//! authorizations weighed), and the same input once a remedy is done.

use crate::authorization::{self, Standing};
use crate::catalog::{Catalog, band};
use crate::request::{Facts, Request};
use crate::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, Layer, OrganizationPolicy, Purpose, RecipientKind, RemedyKind, Role,
    Signer,
};

/// Everything the rules can see for one category: the Cedar request is built
/// from this and nothing else, which is what makes the memo exact. Numbers
/// are kept as their band (`catalog::breakpoints`): the rules only compare
/// them with constants, so every value of a band satisfies the same rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct EvalInput {
    pub(super) role: Role,
    pub(super) mandated_reporter: Option<bool>,
    pub(super) jurisdiction: Jurisdiction,
    pub(super) organization_policy: OrganizationPolicy,
    pub(super) purpose: Purpose,
    pub(super) recipient_kind: RecipientKind,
    pub(super) same_organization: bool,
    pub(super) age_band: i64,
    pub(super) status: ClientStatus,
    pub(super) part2_program: bool,
    pub(super) lps_program: bool,
    pub(super) years_since_death_band: i64,
    pub(super) facts: Facts,
    pub(super) category: Category,
    pub(super) authorized: bool,
    /// Only a personal representative's signature opens it.
    pub(super) representative_signed: bool,
    /// The client's own signature counts today (a child under 12 in
    /// California signs through the parent, Cal. Civ. Code 56.11(b)(3); after
    /// death the personal representative signs), so an authorization obtained
    /// as a remedy is the client's or the representative's.
    pub(super) client_may_sign: bool,
    /// Neither the client nor a representative the request shows can sign
    /// (a California child under 12 whose parent the provider set aside,
    /// whether or not the parent agreed to keep the care confidential).
    pub(super) nobody_may_sign: bool,
    /// No Part 2 consent can be had: 42 CFR 2.14(b)(1) asks for the parent's
    /// signature beside the minor's, and the provider set the parent aside.
    pub(super) nobody_may_consent: bool,
    pub(super) consented: bool,
    pub(super) restricted_agreed: bool,
    pub(super) restriction_requested: bool,
}

impl EvalInput {
    pub(super) fn new(request: &Request, standings: &[Standing], category: Category, catalog: &Catalog) -> EvalInput {
        let coverage = authorization::coverage(standings, category);
        // A parent set aside as representative is family: a request that
        // family not be told reaches them as it reaches any relative.
        let set_aside_representative = authorization::representative_set_aside(request);
        let mut restricted_agreed = false;
        let mut restriction_requested = false;
        // A notification made through a helper (social services, the
        // police, an employer) is still one to the family (164.510(b)(1)(ii):
        // "notify, or assist in the notification of"), so a restriction
        // naming family reaches the helper too.
        let told_as_family = set_aside_representative || request.purpose == Purpose::Notification;
        let covering = request.restrictions.iter().filter(|r| {
            r.covers(category, request.recipient.kind, request.purpose)
                || (told_as_family && r.covers(category, RecipientKind::FamilyOrFriend, request.purpose))
        });
        for r in covering {
            restriction_requested = true;
            restricted_agreed |= r.agreed;
        }
        let client_may_sign = authorization::signer_today(request, AuthorizationKind::Hipaa) == Signer::Client;
        // Asking that family not be told is an objection (45 CFR
        // 164.510(b)(2): only if the individual "does not express an
        // objection"; Welf. & Inst. Code 5328.1(b): "unless the patient
        // requests"), whether or not the program agreed to it as a
        // restriction, which it may refuse (164.522(a)(1)(ii)); the client's
        // yes now sets it aside. Only where 164.510(b) and 5328.1 decide
        // (family involvement and notices, a relative's own request among
        // them): not a subpoena, whose objections go to the court, nor the
        // client's own request. A parent set aside as representative is
        // told, if at all, as family is; a notification goes to the family
        // whoever carries it.
        let mut facts = request.facts;
        let family = request.recipient.kind == RecipientKind::FamilyOrFriend || set_aside_representative;
        let involvement = matches!(
            request.purpose,
            Purpose::CareInvolvement | Purpose::Emergency | Purpose::Treatment | Purpose::Payment | Purpose::ClientRequest
        );
        // Only a living client able to decide can say yes now; a dead or
        // incapacitated client's earlier wish stands (164.510(b)(5), AMB-14).
        let agrees_now =
            facts.get(Fact::ClientAgrees) && request.client.status != ClientStatus::Deceased && !facts.get(Fact::ClientIncapacitated);
        // Through a helper, as to the family directly, a medical emergency
        // lets the professional weigh an earlier objection (AMB-14).
        let through_helper = request.purpose == Purpose::Notification && !family && !facts.get(Fact::MedicalEmergency);
        if restriction_requested && ((family && (involvement || request.purpose == Purpose::Notification)) || through_helper) && !agrees_now
        {
            facts.set(Fact::ClientObjects, true);
        }
        // Nor does a "yes" count as the client's agreement anywhere else
        // (164.510(b)(2), (b)(3), 164.512(c)(1)(ii)): a client who has died
        // or cannot decide agrees to nothing now; their earlier wishes and
        // the professional's judgment decide.
        if !agrees_now {
            facts.set(Fact::ClientAgrees, false);
        }
        EvalInput {
            role: request.discloser.role,
            mandated_reporter: request.discloser.mandated_reporter,
            jurisdiction: request.jurisdiction,
            organization_policy: request.organization_policy,
            purpose: request.purpose,
            recipient_kind: request.recipient.kind.as_reported(request.purpose),
            same_organization: request.recipient.same_organization,
            age_band: band(&catalog.age_breakpoints, i64::from(request.client.age)),
            status: request.client.status,
            part2_program: request.client.part2_program,
            lps_program: request.client.lps_program,
            years_since_death_band: band(&catalog.death_breakpoints, years_since_death(request)),
            // `part2_court_order` does not imply `court_order`: a Part 2 order
            // authorizes and "does not compel disclosure" (42 CFR 2.61(a)), so
            // the rules that stand on any order of a court test both, and the
            // ones that stand on compulsion test `court_order` alone.
            facts,
            category,
            authorized: coverage.authorized,
            representative_signed: coverage.by_representative_only,
            nobody_may_sign: (!client_may_sign && !authorization::signer_recognized(request))
                || authorization::child_lacks_a_cosigner(request),
            client_may_sign,
            nobody_may_consent: authorization::nobody_may_consent(request),
            consented: coverage.consented,
            restricted_agreed,
            restriction_requested,
        }
    }

    /// The input as it would be once `remedy` is done: the document signed,
    /// the order issued, the client asked and agreeing.
    pub(super) fn apply(&mut self, remedy: RemedyKind) {
        match remedy {
            RemedyKind::ObtainAuthorization => {
                self.authorized = true;
                self.representative_signed = !self.client_may_sign;
            }
            RemedyKind::ObtainPart2Consent => {
                self.consented = true;
                // A Part 2 consent satisfies HIPAA for what it covers, except
                // psychotherapy notes (rules.md §7).
                if self.category != Category::PsychotherapyNotes {
                    self.authorized = true;
                }
            }
            RemedyKind::ObtainCourtOrder => self.facts.set(Fact::CourtOrder, true),
            // A Part 2 order is a court order that also makes Part 2's findings.
            RemedyKind::ObtainPart2CourtOrder => {
                self.facts.set(Fact::CourtOrder, true);
                self.facts.set(Fact::Part2CourtOrder, true);
            }
            // A client who cannot decide now is asked once they can (as
            // `EvalInput::new` reads an agreement, only then does it count);
            // a client who has died cannot be asked.
            RemedyKind::AskClient if self.status != ClientStatus::Deceased => {
                self.facts.set(Fact::ClientAgrees, true);
                self.facts.set(Fact::ClientObjects, false);
                self.facts.set(Fact::ClientIncapacitated, false);
            }
            RemedyKind::AskClient => {}
            RemedyKind::ObtainSatisfactoryAssurance => self.facts.set(Fact::SatisfactoryAssurance, true),
            RemedyKind::VerifyIdentity => self.facts.set(Fact::IdentityVerified, true),
            RemedyKind::ObtainWrittenRequest => self.facts.set(Fact::Cmia56104Request, true),
            RemedyKind::OfferProfessionalReview => {}
        }
    }

    /// Which layers apply (`spec/rules.md` §1.2).
    pub(super) fn applies(&self, layer: Layer) -> bool {
        match layer {
            Layer::Hipaa => true,
            Layer::Part2 => self.part2_program,
            Layer::California => self.jurisdiction == Jurisdiction::UsCa,
            // Each rule names its state; `keep_own_state` drops the others'.
            Layer::State => self.jurisdiction.is_state(),
            Layer::Organization => self.organization_policy == OrganizationPolicy::Default,
        }
    }
}

/// Whole years completed from the death to the day before `as_of`; 0 for a living client.
fn years_since_death(request: &Request) -> i64 {
    match (request.client.status, request.client.died_on) {
        (ClientStatus::Deceased, Some(died)) => {
            // Completed years before `as_of`: on the fiftieth anniversary the
            // client has been dead fifty years, not more (45 CFR 160.103).
            let mut years = request.as_of.year().saturating_sub(died.year());
            while years > 0 && died.plus_years(years) >= request.as_of {
                years -= 1;
            }
            i64::from(years)
        }
        _ => 0,
    }
}
