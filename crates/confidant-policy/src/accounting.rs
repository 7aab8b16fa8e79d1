//! The accounting of disclosures' time rules (45 CFR 164.528), kept beside
//! the engine so they are read and tested as law, not found in SQL: how far
//! back a client may ask, and how long a suspension for an agency lasts.

use crate::Date;

/// How far back a client may ask for an accounting: six years before the
/// request (45 CFR 164.528(a)(1)).
pub const LOOKBACK_YEARS: u16 = 6;

/// How long a suspension asked orally lasts without a written statement:
/// no longer than 30 days from the oral statement (45 CFR 164.528(a)(2)(ii)(C)).
pub const ORAL_SUSPENSION_DAYS: i64 = 30;

/// The first day an accounting given on `as_of` covers: the day the client
/// asks from (`since`), but never more than six years back.
pub fn covers_from(as_of: Date, since: Option<Date>) -> Date {
    let earliest = as_of.minus_years(LOOKBACK_YEARS);
    since.map_or(earliest, |s| s.max(earliest))
}

/// The last day a suspension is in force. A written statement sets its own
/// end (164.528(a)(2)(i)); an oral one ends at the latest 30 days after it
/// was made, unless a written statement follows (164.528(a)(2)(ii)).
pub fn suspension_ends(requested_on: Date, until: Date, written: bool) -> Date {
    if written { until } else { until.min(requested_on.plus_days(ORAL_SUSPENSION_DAYS)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap_or(Date::from_ymd_const(1970, 1, 1))
    }

    #[test]
    fn an_accounting_reaches_back_six_years_and_no_further() {
        assert_eq!(covers_from(day("2026-03-01"), None), day("2020-03-01"));
        assert_eq!(covers_from(day("2026-03-01"), Some(day("2010-01-01"))), day("2020-03-01"), "asking for more gets six years");
        assert_eq!(covers_from(day("2026-03-01"), Some(day("2025-01-01"))), day("2025-01-01"), "asking for less gets that");
        assert_eq!(covers_from(day("2024-02-29"), None), day("2018-02-28"), "29 February has no twin six years back");
    }

    #[test]
    fn an_oral_suspension_lasts_at_most_thirty_days_and_a_written_one_as_long_as_it_says() {
        assert_eq!(suspension_ends(day("2026-03-01"), day("2026-12-31"), false), day("2026-03-31"));
        assert_eq!(suspension_ends(day("2026-03-01"), day("2026-03-10"), false), day("2026-03-10"), "an earlier end stands");
        assert_eq!(suspension_ends(day("2026-03-01"), day("2026-12-31"), true), day("2026-12-31"));
        assert_eq!(suspension_ends(day("2026-12-15"), day("2027-06-01"), false), day("2027-01-14"), "across the year's end");
    }

    #[test]
    fn day_arithmetic_round_trips_over_leap_years_and_centuries() {
        for text in ["1970-01-01", "1999-12-31", "2000-02-29", "2024-02-29", "2100-03-01", "1900-02-28"] {
            let d = day(text);
            assert_eq!(Date::from_unix_days(d.unix_days()), d, "{text}");
        }
        assert_eq!(day("2024-02-28").plus_days(1), day("2024-02-29"));
        assert_eq!(day("2023-02-28").plus_days(1), day("2023-03-01"));
        assert_eq!(day("2026-01-01").plus_days(-1), day("2025-12-31"));
    }
}
