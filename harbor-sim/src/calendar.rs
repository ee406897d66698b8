//! The Gregorian calendar: month lengths, for the readers of dates that refuse a day past its
//! month (PostgreSQL's timestamp input, `pg_timestamp.rs`; Go's certificate times,
//! `state/x509_parse.rs`; Go's `time.Parse` of a body's date-time, `go_time.rs`), and civil
//! dates as days since 1970-01-01, for the retention schedule's cron (`state/retention.rs`).
//! Years are astronomical (year 0 is 1 BC), as PostgreSQL counts.

/// Whether `year` has a 29 February.
pub(crate) fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The days of `month` (1 to 12) in `year`; any other month number gets 31.
pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since 1970-01-01 (`civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn february_follows_the_gregorian_leap_rule() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(0, 2), 29, "1 BC is a leap year");
        assert_eq!(days_in_month(-1, 2), 28);
        assert_eq!(days_in_month(-4, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 12), 31);
    }

    #[test]
    fn civil_dates_round_trip_through_days_since_1970() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        // Every day from 0000-03-01 to 9999-12-31: each is a real date, the day after the one
        // before it, and maps back to its number.
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        assert_eq!(civil_from_days(2_932_896), (9999, 12, 31));
        let mut before = civil_from_days(-719_469);
        for days in -719_468..=2_932_896 {
            let (year, month, day) = civil_from_days(days);
            assert!(day >= 1 && i64::from(day) <= days_in_month(year, i64::from(month)));
            let (y, m, d) = before;
            let next = if i64::from(d) < days_in_month(y, i64::from(m)) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!((year, month, day), next, "day {days}");
            assert_eq!(days_from_civil(year, month, day), days);
            before = (year, month, day);
        }
    }
}
