//! Every console address, in one place: the templates the server routes
//! (axum's `{param}` syntax) and the functions pages use to build links and
//! form actions. A page never writes a console path by hand, so a moved
//! route moves everywhere at once; a test checks each builder against its
//! template.

/// Percent-encodes one path segment or query value (ids are plain, but a
/// link must never break on whatever an id or a search holds).
fn enc(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

macro_rules! routes {
    ($( $(#[$doc:meta])* $konst:ident = $template:literal; )*) => {
        $( $(#[$doc])* #[doc = concat!("The console address `", $template, "`.")] pub const $konst: &str = $template; )*
        /// Every template, for the test that checks builders against them.
        #[cfg(test)]
        const ALL: &[&str] = &[$($template),*];
    };
}

routes! {
    /// The caseload (home).
    HOME = "/console";
    SIGN_IN = "/console/sign-in";
    SIGN_OUT = "/console/sign-out";
    /// Where a password someone else set is changed (the only page such a session opens).
    PASSWORD = "/console/password";
    SHARE = "/console/share";
    RULES = "/console/rules";
    RULE = "/console/rules/{id}";
    AUDIT = "/console/audit";
    AUDIT_VERIFY = "/console/audit/verify";
    AUDIT_ENTRY = "/console/audit/{seq}";
    REVIEW = "/console/review";
    REVIEW_BREAK_GLASS = "/console/review/{id}";
    REVIEW_AUTHORIZATION = "/console/authorizations/{id}/review";
    DECIDE_RESTRICTION = "/console/restrictions/{id}/decision";
    NEW_CLIENT = "/console/clients/new";
    CLIENTS = "/console/clients";
    CLIENT = "/console/clients/{id}";
    CLIENT_SUMMARY = "/console/clients/{id}/summary";
    BREAK_GLASS = "/console/clients/{id}/break-glass";
    DISCLOSE = "/console/clients/{id}/disclose";
    DISCLOSURE = "/console/disclosures/{id}";
    NEW_AUTHORIZATION = "/console/clients/{id}/authorizations/new";
    AUTHORIZATIONS = "/console/clients/{id}/authorizations";
    REVOKE_AUTHORIZATION = "/console/clients/{id}/authorizations/{auth}/revoke";
    /// A printable blank ASCMI form.
    ASCMI_BLANK = "/console/ascmi/form";
    /// A client's ASCMI forms (the matrix); filing one posts here.
    ASCMI_LIST = "/console/clients/{id}/ascmi";
    NEW_ASCMI = "/console/clients/{id}/ascmi/new";
    /// The form filled in from what was typed, to print for signing (files nothing).
    ASCMI_PREVIEW = "/console/clients/{id}/ascmi/preview";
    ASCMI_PRINT = "/console/clients/{id}/ascmi/{ascmi}/print";
    ASCMI_DOCUMENT = "/console/clients/{id}/ascmi/{ascmi}/document";
    REVOKE_ASCMI = "/console/clients/{id}/ascmi/{ascmi}/revoke";
    ACCOUNTING = "/console/clients/{id}/accounting";
    RECORDS = "/console/clients/{id}/records";
    RECORD = "/console/clients/{id}/records/{record}";
    RECORD_CORRECTIONS = "/console/clients/{id}/records/{record}/corrections";
    RESTRICTIONS = "/console/clients/{id}/restrictions";
    NOTICE = "/console/clients/{id}/privacy-notice";
    STAFF = "/console/admin/staff";
    STAFF_ACTIVE = "/console/admin/staff/{id}/active";
    STAFF_ROLE = "/console/admin/staff/{id}/role";
    STAFF_PASSWORD = "/console/admin/staff/{id}/password";
    STAFF_TOTP = "/console/admin/staff/{id}/totp";
    STAFF_TOKENS = "/console/admin/staff/{id}/tokens";
    TEAMS = "/console/admin/teams";
    TEAM_MEMBERS = "/console/admin/teams/{id}/members";
    PRACTICE = "/console/practice";
    PRACTICE_NEXT = "/console/practice/next";
    PRACTICE_ANSWER = "/console/practice/answer";
    PRACTICE_RATE = "/console/practice/rate";
    PRACTICE_EXAM = "/console/practice/exam";
    EXAM = "/console/practice/exam/{id}";
    TRAINING_REPORT = "/console/training/report";
    CERTIFICATE = "/console/training/exams/{id}/certificate";
}

/// Fills a template's parameters in order.
fn fill(template: &str, values: &[&str]) -> String {
    let mut values = values.iter();
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') { enc(values.next().copied().unwrap_or_default()) } else { segment.to_string() })
        .collect::<Vec<_>>()
        .join("/")
}

/// A rule explained, with its Cedar policy.
pub fn rule(id: &str) -> String {
    fill(RULE, &[id])
}
/// One audit entry with its inclusion proof.
pub fn audit_entry(seq: u64) -> String {
    fill(AUDIT_ENTRY, &[&seq.to_string()])
}
/// Where the reviewer judges one break-glass access.
pub fn review_break_glass(id: &str) -> String {
    fill(REVIEW_BREAK_GLASS, &[id])
}
/// Where the privacy officer marks a queued authorization reviewed.
pub fn review_authorization(id: &str) -> String {
    fill(REVIEW_AUTHORIZATION, &[id])
}
/// Where the privacy officer agrees to or declines a restriction request.
pub fn decide_restriction(id: &str) -> String {
    fill(DECIDE_RESTRICTION, &[id])
}
/// A client's page.
pub fn client(id: &str) -> String {
    fill(CLIENT, &[id])
}
/// The client page with a one-line confirmation (`done`) shown on it.
pub fn client_done(id: &str, done: &str) -> String {
    format!("{}?done={}", client(id), enc(done))
}
/// A client's printable record summary.
pub fn client_summary(id: &str) -> String {
    fill(CLIENT_SUMMARY, &[id])
}
/// The caseload narrowed to a search.
pub fn search(query: &str) -> String {
    format!("{HOME}?q={}", enc(query))
}
/// Where a staff member opens a client off their caseload, with a reason.
pub fn break_glass(id: &str) -> String {
    fill(BREAK_GLASS, &[id])
}
/// "Can I share this?" for one client.
pub fn share_for(client_id: &str) -> String {
    format!("{SHARE}?client={}", enc(client_id))
}
/// Where a release for a client is made.
pub fn disclose(client_id: &str) -> String {
    fill(DISCLOSE, &[client_id])
}
/// A released package, to print.
pub fn disclosure(id: &str) -> String {
    fill(DISCLOSURE, &[id])
}
/// The form to file an authorization for a client.
pub fn new_authorization(client_id: &str) -> String {
    fill(NEW_AUTHORIZATION, &[client_id])
}
/// Where a client's authorizations are filed.
pub fn authorizations(client_id: &str) -> String {
    fill(AUTHORIZATIONS, &[client_id])
}
/// Where an authorization's revocation is recorded.
pub fn revoke_authorization(client_id: &str, auth: &str) -> String {
    fill(REVOKE_AUTHORIZATION, &[client_id, auth])
}
/// A client's ASCMI forms.
pub fn ascmi_list(client_id: &str) -> String {
    fill(ASCMI_LIST, &[client_id])
}
/// A client's ASCMI forms with a confirmation shown.
pub fn ascmi_done(client_id: &str, done: &str) -> String {
    format!("{}?done={}", ascmi_list(client_id), enc(done))
}
/// The page to record a signed ASCMI.
pub fn new_ascmi(client_id: &str) -> String {
    fill(NEW_ASCMI, &[client_id])
}
/// Where the typed ASCMI is shown filled in, to print.
pub fn ascmi_preview(client_id: &str) -> String {
    fill(ASCMI_PREVIEW, &[client_id])
}
/// A filed ASCMI, to print.
pub fn ascmi_print(client_id: &str, ascmi: &str) -> String {
    fill(ASCMI_PRINT, &[client_id, ascmi])
}
/// An ASCMI's signed scan (download, or upload once).
pub fn ascmi_document(client_id: &str, ascmi: &str) -> String {
    fill(ASCMI_DOCUMENT, &[client_id, ascmi])
}
/// Where an ASCMI's revocation is recorded.
pub fn revoke_ascmi(client_id: &str, ascmi: &str) -> String {
    fill(REVOKE_ASCMI, &[client_id, ascmi])
}
/// A client's accounting of disclosures.
pub fn accounting(client_id: &str) -> String {
    fill(ACCOUNTING, &[client_id])
}
/// Where a note for a client is written.
pub fn records(client_id: &str) -> String {
    fill(RECORDS, &[client_id])
}
/// One record with its versions.
pub fn record(client_id: &str, record: &str) -> String {
    fill(RECORD, &[client_id, record])
}
/// A record with a confirmation shown on it.
pub fn record_done(client_id: &str, record: &str, done: &str) -> String {
    format!("{}?done={}", self::record(client_id, record), enc(done))
}
/// Where a record's author corrects it (a new version).
pub fn record_corrections(client_id: &str, record: &str) -> String {
    fill(RECORD_CORRECTIONS, &[client_id, record])
}
/// Where a client's restriction request is recorded.
pub fn restrictions(client_id: &str) -> String {
    fill(RESTRICTIONS, &[client_id])
}
/// Where the privacy-notice acknowledgment (or why not) is recorded.
pub fn notice(client_id: &str) -> String {
    fill(NOTICE, &[client_id])
}
/// The review queue, saying what was just done.
pub fn review_done(done: &str) -> String {
    format!("{REVIEW}?done={}", enc(done))
}
/// The staff page, saying what was just done.
pub fn staff_done(done: &str) -> String {
    format!("{STAFF}?done={}", enc(done))
}
/// Where an admin activates or deactivates an account.
pub fn staff_active(id: &str) -> String {
    fill(STAFF_ACTIVE, &[id])
}
/// Where an admin gives an account another role.
pub fn staff_role(id: &str) -> String {
    fill(STAFF_ROLE, &[id])
}
/// Where an admin resets a password.
pub fn staff_password(id: &str) -> String {
    fill(STAFF_PASSWORD, &[id])
}
/// Where an admin clears a second factor.
pub fn staff_totp(id: &str) -> String {
    fill(STAFF_TOTP, &[id])
}
/// Where an admin revokes an account's API tokens.
pub fn staff_tokens(id: &str) -> String {
    fill(STAFF_TOKENS, &[id])
}
/// The teams page, saying what was just done.
pub fn teams_done(done: &str) -> String {
    format!("{TEAMS}?done={}", enc(done))
}
/// Where an admin adds a member to a care team.
pub fn team_members(id: &str) -> String {
    fill(TEAM_MEMBERS, &[id])
}
/// One exam, to answer or review.
pub fn exam(id: &str) -> String {
    fill(EXAM, &[id])
}
/// A completed exam's certificate.
pub fn certificate(exam_id: &str) -> String {
    fill(CERTIFICATE, &[exam_id])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `path` is what `template` routes, each parameter one segment.
    fn matches(template: &str, path: &str) -> bool {
        let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
    }

    #[test]
    fn every_builder_lands_on_its_own_route_and_no_other_shadows_it() {
        let built = [
            (RULE, rule("hipaa.treatment")),
            (AUDIT_ENTRY, audit_entry(7)),
            (REVIEW_BREAK_GLASS, review_break_glass("bg-1")),
            (REVIEW_AUTHORIZATION, review_authorization("auth-1")),
            (DECIDE_RESTRICTION, decide_restriction("restr-1")),
            (CLIENT, client("cl-001")),
            (CLIENT_SUMMARY, client_summary("cl-001")),
            (BREAK_GLASS, break_glass("cl-001")),
            (DISCLOSE, disclose("cl-001")),
            (DISCLOSURE, disclosure("disc-1")),
            (NEW_AUTHORIZATION, new_authorization("cl-001")),
            (AUTHORIZATIONS, authorizations("cl-001")),
            (REVOKE_AUTHORIZATION, revoke_authorization("cl-001", "auth-1")),
            (ASCMI_LIST, ascmi_list("cl-001")),
            (NEW_ASCMI, new_ascmi("cl-001")),
            (ASCMI_PREVIEW, ascmi_preview("cl-001")),
            (ASCMI_PRINT, ascmi_print("cl-001", "ascmi-1")),
            (ASCMI_DOCUMENT, ascmi_document("cl-001", "ascmi-1")),
            (REVOKE_ASCMI, revoke_ascmi("cl-001", "ascmi-1")),
            (ACCOUNTING, accounting("cl-001")),
            (RECORDS, records("cl-001")),
            (RECORD, record("cl-001", "rec-1")),
            (RECORD_CORRECTIONS, record_corrections("cl-001", "rec-1")),
            (RESTRICTIONS, restrictions("cl-001")),
            (NOTICE, notice("cl-001")),
            (STAFF_ACTIVE, staff_active("st-1")),
            (STAFF_ROLE, staff_role("st-1")),
            (STAFF_PASSWORD, staff_password("st-1")),
            (STAFF_TOTP, staff_totp("st-1")),
            (STAFF_TOKENS, staff_tokens("st-1")),
            (TEAM_MEMBERS, team_members("team-1")),
            (EXAM, exam("ex-1")),
            (CERTIFICATE, certificate("ex-1")),
        ];
        for (template, path) in &built {
            assert!(matches(template, path), "{path} is not {template}");
            for other in ALL.iter().filter(|o| *o != template && !o.contains('{')) {
                assert!(!matches(other, path), "{path} also matches the fixed route {other}");
            }
        }
    }

    #[test]
    fn values_are_encoded_so_a_link_cannot_break_out_of_its_segment() {
        assert_eq!(client("a/b?c"), "/console/clients/a%2Fb%3Fc");
        assert_eq!(search("Ana M"), "/console?q=Ana%20M");
        assert_eq!(client_done("cl-1", "note"), "/console/clients/cl-1?done=note");
    }
}
