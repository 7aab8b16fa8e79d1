//! Calendar dates as the contract writes them (`YYYY-MM-DD`), with only the
//! arithmetic the rules need: comparison, whole years and days.

use std::fmt;

/// A proleptic Gregorian calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date, `None` when the day does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// A date known at compile time to exist (used for fixed legal dates).
    pub const fn from_ymd_const(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Parses exactly `YYYY-MM-DD` (no time, no offset).
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = text.get(range)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = digits(0..4)?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        Date::new(year, month, day)
    }

    /// The same day `years` later; 29 February becomes 28 February in a common year.
    pub fn plus_years(self, years: u16) -> Date {
        let year = self.year.saturating_add(years);
        let day = self.day.min(days_in_month(year, self.month));
        Date { year, month: self.month, day }
    }

    /// Days since 1970-01-01 (negative before it); the inverse of
    /// [`Date::from_unix_days`].
    pub fn unix_days(self) -> i64 {
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's
    /// algorithm); days outside the years 0–65535 give 1970-01-01.
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        u16::try_from(year)
            .ok()
            .zip(u8::try_from(month).ok())
            .zip(u8::try_from(day).ok())
            .and_then(|((y, m), d)| Date::new(y, m, d))
            .unwrap_or(Date::from_ymd_const(1970, 1, 1))
    }

    /// The day `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date::from_unix_days(self.unix_days() + days)
    }

    /// The same day `years` earlier; 29 February becomes 28 February in a common year.
    pub fn minus_years(self, years: u16) -> Date {
        let year = self.year.saturating_sub(years);
        let day = self.day.min(days_in_month(year, self.month));
        Date { year, month: self.month, day }
    }

    /// The year, e.g. 2026.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_days_and_rejects_impossible_ones() {
        assert_eq!(Date::parse("2026-03-02").map(|d| d.to_string()).as_deref(), Some("2026-03-02"));
        assert!(Date::parse("2024-02-29").is_some());
        for bad in ["2026-13-45", "2025-02-29", "2026-3-2", "2026-03-02T00:00", "20260302", "", "2026-00-10", "+026-01-01"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn orders_chronologically() {
        let a = Date::parse("2025-12-31");
        let b = Date::parse("2026-01-01");
        assert!(a < b);
    }

    #[test]
    fn adds_years_clamping_leap_day() {
        let leap = Date::new(2024, 2, 29);
        assert_eq!(leap.map(|d| d.plus_years(50).to_string()).as_deref(), Some("2074-02-28"));
    }
}
