//! Dates as day numbers (proleptic Gregorian, days since 1970-01-01), so
//! generated dates are plain integers.

use super::*;

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub(crate) fn date(day: i64) -> Date {
    let (y, m, d) = civil_from_days(day);
    Date::new(u16::try_from(y).unwrap(), u8::try_from(m).unwrap(), u8::try_from(d).unwrap()).unwrap()
}

pub(crate) fn day_number(d: Date) -> i64 {
    let text = d.to_string();
    let part = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    days_from_civil(part(0..4), part(5..7), part(8..10))
}

#[test]
fn day_numbers_round_trip_through_dates() {
    for day in (days_from_civil(1900, 1, 1)..days_from_civil(2101, 1, 1)).step_by(7) {
        assert_eq!(day_number(date(day)), day);
    }
    assert_eq!(date(days_from_civil(2024, 2, 28) + 1).to_string(), "2024-02-29");
    assert_eq!(date(0).to_string(), "1970-01-01");
}
