//! Everyday situations: consent and authorization, minimum necessary, the duty
//! to protect, mandated reporting and psychotherapy notes.

use confidant_policy::plain_category;
use confidant_policy::vocab::{Category, ObligationKind};

use super::{Builder, Paper, Req, capitalize, paper, place, role_words};
use crate::misconceptions as mc;
use crate::topic::Topic;

pub(super) fn consent(b: &mut Builder) {
    // The employer: the authorization covers the diagnosis (or, valid, both
    // categories), and the question is which of diagnosis and medications go.
    let who = "the client's employer's HR office";
    for p in Paper::ALL {
        let both = matches!(p, Paper::Valid);
        for covers_both in if both { &[false, true][..] } else { &[false][..] } {
            let covered: &[Category] = if *covers_both { &[Category::Diagnosis, Category::Medications] } else { &[Category::Diagnosis] };
            let what = if *covers_both { "the diagnosis and the medications" } else { "the diagnosis only" };
            let stem = format!(
                "You are a peer support specialist {}. {} asks whether the client is fit to return to work and wants the diagnosis and the medications. {} It covers {what}. What do you do?",
                place("US-CA"),
                capitalize(who),
                p.describe("HIPAA authorization", who)
            );
            let req = Req::new("US-CA").to("employer").purpose("employment").authorization(paper(
                "hipaa",
                *p,
                covered,
                "employer",
                None,
                &["employment"],
            ));
            let tag = if *covers_both { "both" } else { "diagnosis" };
            b.add_pair("consent.employer_paperwork", &[p.name(), tag], Topic::ConsentAndAuthorization, stem, req, [Category::Diagnosis, Category::Medications],
                "An authorization counts only if it is signed, dated, current, unrevoked, complete, names this recipient — and covers this information.");
        }
    }
    // The school: a few states of the paperwork, one category.
    let who = "the client's college disability office";
    for p in [Paper::Valid, Paper::Revoked, Paper::OtherRecipient, Paper::Expired] {
        let stem = format!(
            "You are a peer support specialist {}. {} asks for records the client wants sent and wants the medications. {} What do you do?",
            place("US-CA"),
            capitalize(who),
            p.describe("HIPAA authorization", who)
        );
        let req = Req::new("US-CA").to("school").purpose("client_request").authorization(paper(
            "hipaa",
            p,
            &[Category::Medications],
            "school",
            None,
            &["client_request"],
        ));
        b.add(
            "consent.outside_recipient",
            &["school", "medications", p.name()],
            Topic::ConsentAndAuthorization,
            stem,
            req,
            Category::Medications,
            None,
            "An authorization counts only if it is signed, dated, current, unrevoked, complete, and names this recipient.",
            vec![mc::any_signed_form(), mc::signed_means_must(), mc::never_to_employers(), mc::verbal_ok(), mc::only_financial()],
        );
    }
    for (kind, purpose, who, why) in [
        ("employer", "employment", "the client's employer's HR office", "asks whether the client is fit to return to work"),
        ("school", "client_request", "the client's college disability office", "asks for records the client wants sent"),
    ] {
        {
            let category = Category::Diagnosis;
            let stem = format!(
                "You are a peer support specialist {}. {} {why} and wants {}. The client told you on the phone, \"sure, tell them\", but nothing is in writing. What do you do?",
                place("US-CA"),
                capitalize(who),
                plain_category(category)
            );
            let req = Req::new("US-CA").to(kind).purpose(purpose).fact("client_agrees");
            b.add(
                "consent.verbal_only",
                &[kind, category.as_str()],
                Topic::ConsentAndAuthorization,
                stem,
                req,
                category,
                None,
                "For recipients outside health care, what form must the client's permission take?",
                vec![mc::verbal_ok(), mc::only_medical_record(), mc::never_to_employers()],
            );
        }
    }
    for agrees in [true, false] {
        for jurisdiction in ["US", "US-CA"] {
            let stem = format!(
                "You are a peer support specialist {}. A psychiatrist at another clinic, who is starting to treat your client, calls for the diagnosis. {} What do you do?",
                place(jurisdiction),
                if agrees {
                    "The client has told you they want the new psychiatrist to know."
                } else {
                    "You have not asked the client about it."
                }
            );
            let mut req = Req::new(jurisdiction).to("treating_provider").named("Dr. Rivera").purpose("treatment");
            if agrees {
                req = req.fact("client_agrees");
            }
            b.add(
                "consent.new_provider",
                &[jurisdiction, if agrees { "agrees" } else { "not_asked" }],
                Topic::ConsentAndAuthorization,
                stem,
                req,
                Category::Diagnosis,
                None,
                "The law allows treatment sharing between providers; your program's policy may ask for more.",
                vec![mc::any_provider(), mc::never_without_written_consent(), mc::providers_must_get_it()],
            );
        }
    }
}

/// Routine sharing the law allows or requires, so that not every answer is
/// a refusal: treatment between providers and within the care team, required
/// public-health reports, court orders.
pub(super) fn routine(b: &mut Builder) {
    for jurisdiction in ["US", "US-CA"] {
        let stem = format!(
            "Going by the law alone (no program policy), you are a psychotherapist {}. The client's new psychiatrist asks for the treatment plan and your separately kept psychotherapy notes. What do you do?",
            place(jurisdiction)
        );
        let req = Req::new(jurisdiction).role("psychotherapist").to("treating_provider").purpose("treatment").law_only();
        b.add_pair(
            "routine.provider_pair",
            &[jurisdiction],
            Topic::PsychotherapyNotes,
            stem,
            req,
            [Category::TreatmentPlan, Category::PsychotherapyNotes],
            "Treatment opens the medical record between providers; psychotherapy notes are not part of it.",
        );
        {
            let category = Category::Medications;
            let stem = format!(
                "Going by the law alone (no program policy), you are a nurse {}. The client's new primary-care doctor asks for {} to coordinate treatment. What do you do?",
                place(jurisdiction),
                plain_category(category)
            );
            let req = Req::new(jurisdiction).role("nurse").to("treating_provider").purpose("treatment").law_only();
            b.add(
                "routine.provider",
                &[jurisdiction, category.as_str()],
                Topic::ConsentAndAuthorization,
                stem,
                req,
                category,
                None,
                "Sharing for treatment between providers is one of the law's oldest permissions.",
                vec![mc::never_without_written_consent(), mc::providers_must_get_it()],
            );
        }
        {
            let category = Category::ProgressNotes;
            let stem = format!(
                "Going by the law alone (no program policy), you are a case manager {}. A nurse on the client's own care team asks for {} before tomorrow's team meeting. What do you do?",
                place(jurisdiction),
                plain_category(category)
            );
            let req = Req::new(jurisdiction).role("case_manager").to("care_team_member").inside().purpose("treatment").law_only();
            b.add(
                "routine.care_team",
                &[jurisdiction, category.as_str()],
                Topic::MinimumNecessary,
                stem,
                req,
                category,
                None,
                "Members of the client's own care team share what treatment needs.",
                vec![mc::never_without_written_consent()],
            );
        }
        let stem = format!(
            "You are a nurse {}. State law requires your clinic to report a confirmed case of a communicable disease to the county health officer, with the test results. What do you do?",
            place(jurisdiction)
        );
        let req =
            Req::new(jurisdiction).role("nurse").to("public_health_authority").purpose("public_health").fact("required_by_law").law_only();
        b.add(
            "routine.required_report",
            &[jurisdiction],
            Topic::MandatedReporting,
            stem,
            req,
            Category::TestResults,
            None,
            "What a statute requires, the privacy laws do not stop.",
            vec![mc::never_without_written_consent(), mc::report_optional()],
        );
    }
    for category in [Category::Diagnosis, Category::Medications] {
        let stem = format!(
            "You are a case manager {}. A judge's signed order directs your program to produce {} for a hearing. What do you do?",
            place("US-CA"),
            plain_category(category)
        );
        let req = Req::new("US-CA").role("case_manager").to("court").purpose("judicial_proceeding").fact("court_order").law_only();
        b.add(
            "routine.court_order",
            &[category.as_str()],
            Topic::RecordsAndAccounting,
            stem,
            req,
            category,
            None,
            "A court order is not a subpoena.",
            vec![mc::never_without_written_consent()],
        );
    }
}

pub(super) fn minimum_necessary(b: &mut Builder) {
    let cases: [(&str, &str, &str, bool, &str, Category); 7] = [
        (
            "health_plan",
            "payment",
            "the client's health plan asks for information to pay a claim",
            false,
            "health_plan_claim",
            Category::Diagnosis,
        ),
        (
            "health_plan",
            "payment",
            "the client's health plan asks for information to pay a claim",
            false,
            "health_plan_billing",
            Category::Billing,
        ),
        (
            "treating_provider",
            "treatment",
            "the client's primary-care doctor asks for information to coordinate treatment",
            false,
            "provider_treatment",
            Category::Medications,
        ),
        (
            "workforce_member",
            "health_care_operations",
            "a quality-improvement analyst in your own program asks for records for a chart audit",
            true,
            "quality_audit",
            Category::ProgressNotes,
        ),
        (
            "care_team_member",
            "treatment",
            "a nurse on the client's own care team asks before a medication review",
            true,
            "care_team",
            Category::Medications,
        ),
        (
            "business_associate",
            "health_care_operations",
            "the program's contracted billing-audit company asks for records",
            false,
            "business_associate",
            Category::TreatmentPlan,
        ),
        (
            "public_health_authority",
            "public_health",
            "the county health department asks for information for disease reporting",
            false,
            "public_health",
            Category::TestResults,
        ),
    ];
    for (kind, purpose, who, inside, name, category) in cases {
        let stem = format!(
            "Going by the law alone (no program policy), you are a case manager {}: {who}, and wants {}. The client has agreed. What do you do?",
            place("US"),
            plain_category(category)
        );
        let mut req = Req::new("US").role("case_manager").to(kind).purpose(purpose).fact("client_agrees").law_only();
        if inside {
            req = req.inside();
        }
        b.add("minimum_necessary.law_only", &[name, category.as_str()], Topic::MinimumNecessary, stem, req, category, Some(ObligationKind::MinimumNecessary),
            "Minimum necessary covers most uses and disclosures, with a few exceptions: treatment between providers, the client, an authorization, and what the law requires.",
            vec![mc::staff_see_everything()]);
    }
    for category in [Category::ProgressNotes, Category::Diagnosis] {
        let stem = format!(
            "You are a peer support specialist {}. A coworker in your program who does not work with this client asks to read {} \"just to understand the case\". What do you do?",
            place("US-CA"),
            plain_category(category)
        );
        let req = Req::new("US-CA").to("workforce_member").inside().purpose("marketing");
        b.add(
            "minimum_necessary.need_to_know",
            &[category.as_str()],
            Topic::MinimumNecessary,
            stem,
            req,
            category,
            None,
            "Being on staff is not a reason; a need to know for treatment, payment or operations is.",
            vec![mc::staff_see_everything(), mc::only_medical_record()],
        );
    }
}

pub(super) fn duty_to_protect(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        for role in ["psychotherapist", "peer_support_specialist"] {
            for (victim, victim_words) in [
                (true, "names a former partner and says where she lives"),
                (false, "says he is angry at \"people in general\" but names no one"),
            ] {
                let stem = format!(
                    "You are {} {}. In session, a client makes a serious threat of violence he seems ready to carry out and {victim_words}. You consider calling the person at risk. What do you do about the client's identifying details?",
                    role_words(role),
                    place(jurisdiction)
                );
                let mut req = Req::new(jurisdiction)
                    .role(role)
                    .to("potential_victim")
                    .purpose("prevent_serious_threat")
                    .facts(&["serious_imminent_threat", "recipient_can_prevent_or_lessen"]);
                if victim {
                    req = req.fact("identifiable_victim");
                }
                b.add(
                    "duty_to_protect.threat",
                    &[jurisdiction, role, if victim { "named_victim" } else { "no_victim" }],
                    Topic::DutyToProtect,
                    stem,
                    req,
                    Category::Demographics,
                    None,
                    "Ask: is there a serious, imminent threat to a reasonably identifiable person, and who is the discloser?",
                    vec![
                        mc::threat_needs_consent(),
                        mc::report_optional(),
                        mc::every_threat_to_police(),
                        mc::threats_only_for_clinicians(),
                    ],
                );
            }
        }
    }
}

pub(super) fn mandated_reporting(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        for (role, designated) in [
            ("psychotherapist", None),
            ("psychiatrist", None),
            ("nurse", None),
            ("case_manager", None),
            ("peer_support_specialist", None),
            ("peer_support_specialist", Some(true)),
        ] {
            if jurisdiction == "US" && matches!(role, "psychiatrist" | "nurse") {
                continue;
            }
            let who = match designated {
                Some(true) => format!("{}, designated a mandated reporter by your employer,", role_words(role)),
                _ => role_words(role).to_string(),
            };
            let stem = format!(
                "You are {who} {}. A parent in your program describes injuries to their child that make you suspect abuse. You consider calling child protective services. What do you do with your progress notes about it?",
                place(jurisdiction)
            );
            let mut req =
                Req::new(jurisdiction).role(role).to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse");
            if let Some(d) = designated {
                req = req.mandated(d);
            }
            let tag = if designated.is_some() { "designated" } else { "role_default" };
            b.add(
                "mandated_reporting.child",
                &[jurisdiction, role, tag],
                Topic::MandatedReporting,
                stem,
                req,
                Category::ProgressNotes,
                None,
                "Who is a mandated reporter depends on the role and the state; a report is allowed even when it is not required.",
                vec![mc::report_optional(), mc::only_clinicians_report(), mc::never_without_written_consent()],
            );
        }
    }
    for age in [72u8, 45] {
        for role in ["case_manager", "peer_support_specialist"] {
            let stem = format!(
                "You are {} {}. Your {age}-year-old client shows signs that a relative is taking their money and leaving them without food. You consider calling Adult Protective Services. What do you do with your progress notes about it?",
                role_words(role),
                place("US-CA")
            );
            let req = Req::new("US-CA")
                .role(role)
                .age(age)
                .to("adult_protective_services")
                .purpose("report_elder_abuse")
                .fact("suspected_elder_abuse");
            let age_tag = age.to_string();
            b.add("mandated_reporting.elder", &[role, &age_tag], Topic::MandatedReporting, stem, req, Category::ProgressNotes, None,
                "California's elder and dependent adult abuse mandate covers clients 65 and over; without a mandate, HIPAA permits such reports only in limited cases.",
                vec![mc::report_optional(), mc::only_clinicians_report(), mc::never_without_written_consent()]);
        }
    }
}

pub(super) fn psychotherapy_notes(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        let base = || Req::new(jurisdiction).role("psychotherapist");
        let cases: Vec<(&str, String, Req)> = vec![
            ("new_provider_agrees", "A new treating psychiatrist asks for your separately kept psychotherapy notes; the client agrees out loud.".into(),
                base().to("treating_provider").purpose("treatment").fact("client_agrees")),
            ("own_authorization", "The client's life-insurance company asks for your psychotherapy notes. The file holds a signed, current authorization naming the insurer, this purpose and the psychotherapy notes only, with every required statement.".into(),
                base().to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::PsychotherapyNotes], "employer", None, &["employment"]))),
            ("compound_authorization", "The client's employer asks for your psychotherapy notes. The file holds one signed, current authorization naming the employer that covers the diagnosis and the psychotherapy notes together.".into(),
                base().to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::Diagnosis, Category::PsychotherapyNotes], "employer", None, &["employment"]))),
            ("verbal_ok", "The client's employer asks for your psychotherapy notes; the client says on the phone that it is fine with them.".into(),
                base().to("employer").purpose("employment").fact("client_agrees")),
            ("supervised_training", "Your clinical supervisor, in your own program, asks to review your psychotherapy notes as part of your supervised training.".into(),
                base().to("supervisor").inside().purpose("training")),
            ("health_plan_payment", "The client's health plan asks for your psychotherapy notes before paying a claim.".into(),
                base().to("health_plan").purpose("payment")),
        ];
        for (name, situation, req) in cases {
            let stem = format!("You are a psychotherapist {}. {situation} What do you do?", place(jurisdiction));
            b.add(
                "psychotherapy_notes.request",
                &[jurisdiction, name],
                Topic::PsychotherapyNotes,
                stem,
                req,
                Category::PsychotherapyNotes,
                None,
                "Psychotherapy notes are kept apart from the medical record and need an authorization of their own, with few exceptions.",
                vec![mc::verbal_ok(), mc::any_provider(), mc::any_signed_form(), mc::only_medical_record()],
            );
        }
    }
}
