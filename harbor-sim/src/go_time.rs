//! What a `date-time` value of a request body decodes to in Harbor: go-openapi's
//! `strfmt.DateTime.UnmarshalJSON`, which calls `strfmt.ParseDateTime` (strfmt v0.26.3,
//! `time.go`). That tries Go's `time.ParseInLocation` with eleven layouts in turn and takes
//! the first that parses; when none does, the error is the last layout's (`2006-01-02`), and
//! it ends the JSON decoding of the body.
//!
//! So Harbor takes `2026-01-01`, `2026-01-01T10:00`, `2026-01-01T10:00Z` and
//! `2026-01-01 10:00:00`, a one-digit hour and a fraction of any length, and refuses a minute
//! of 99, the 30th of February, a lower-case `z` or a zone offset past 24 hours, each with
//! Go's own words. [`parse_date_time`] is Go's `parse` (`src/time/format.go`) for the layout
//! elements those eleven layouts use.

use std::fmt::Write as _;

use crate::calendar::days_in_month;

/// `strfmt.DateTimeFormats`, in the order `ParseDateTime` tries them.
const LAYOUTS: [&str; 11] = [
    "2006-01-02T15:04:05.000000Z07:00",
    "2006-01-02T15:04:05.000000Z0700",
    "2006-01-02T15:04:05.000Z07:00",
    "2006-01-02T15:04:05.000Z0700",
    "2006-01-02T15:04:05Z07:00",
    "2006-01-02T15:04:05.999999999Z07:00",
    "2006-01-02T15:04:05",
    "2006-01-02T15:04Z",
    "2006-01-02T15:04",
    "2006-01-02 15:04:05",
    "2006-01-02",
];

/// A time as Go's `time.Time` marshals it (`RFC3339Nano`): the fraction without its
/// trailing zeros, none for whole seconds (`0001-01-01T00:00:00Z` for the zero time).
pub(crate) fn rfc3339_nano(t: &str) -> String {
    match (t.split_once('.'), t.strip_suffix('Z')) {
        (Some((seconds, fraction)), Some(_)) => {
            let digits = fraction.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{seconds}Z")
            } else {
                format!("{seconds}.{digits}Z")
            }
        }
        _ => t.to_owned(),
    }
}

/// `strfmt.ParseDateTime`: `Ok` when one of the layouts parses `value` (an empty value is
/// the Unix epoch), else the error Go prints for the last layout.
pub fn parse_date_time(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let mut last = String::new();
    for layout in LAYOUTS {
        match parse(layout, value) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The layout elements of the eleven layouts (Go's `std` values), with the text that names
/// them in an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    /// `2006`
    LongYear,
    /// `01`
    ZeroMonth,
    /// `02`
    ZeroDay,
    /// `15`
    Hour,
    /// `04`
    ZeroMinute,
    /// `05`
    ZeroSecond,
    /// `.000...`: exactly that many digits.
    FracSecond0(usize),
    /// `.999...`: any number of digits, or none.
    FracSecond9,
    /// `Z07:00`
    Iso8601ColonTz,
    /// `Z0700`
    Iso8601Tz,
}

/// Go's `nextStdChunk`, for the elements above: the literal text before the first element,
/// the element and its text, and the rest of the layout. Anything else is literal.
fn next_std_chunk(layout: &str) -> (&str, Option<(Std, &str)>, &str) {
    let b = layout.as_bytes();
    for i in 0..b.len() {
        let rest = &layout[i..];
        let found = match b[i] {
            b'0' => match b.get(i + 1) {
                Some(b'1') => Some((Std::ZeroMonth, 2)),
                Some(b'2') => Some((Std::ZeroDay, 2)),
                Some(b'4') => Some((Std::ZeroMinute, 2)),
                Some(b'5') => Some((Std::ZeroSecond, 2)),
                _ => None,
            },
            b'1' if rest.starts_with("15") => Some((Std::Hour, 2)),
            b'2' if rest.starts_with("2006") => Some((Std::LongYear, 4)),
            b'Z' if rest.starts_with("Z07:00") => Some((Std::Iso8601ColonTz, 6)),
            b'Z' if rest.starts_with("Z0700") => Some((Std::Iso8601Tz, 5)),
            b'.' | b',' => {
                let digit = b.get(i + 1).copied().filter(|d| *d == b'0' || *d == b'9');
                digit.and_then(|d| {
                    let n = rest[1..].bytes().take_while(|c| *c == d).count();
                    let after = b.get(i + 1 + n);
                    (!after.is_some_and(u8::is_ascii_digit)).then(|| {
                        let std = if d == b'0' {
                            Std::FracSecond0(n)
                        } else {
                            Std::FracSecond9
                        };
                        (std, 1 + n)
                    })
                })
            }
            _ => None,
        };
        if let Some((std, len)) = found {
            return (&layout[..i], Some((std, &rest[..len])), &rest[len..]);
        }
    }
    (layout, None, "")
}

/// Go's `errBad`: the element could not be read.
struct Bad;

/// Go's `parse(layout, value, UTC, UTC)` for the elements of [`Std`], with Go's error text.
fn parse(layout: &str, value: &str) -> Result<(), String> {
    let (alayout, avalue) = (layout, value);
    let (mut layout, mut value) = (layout, value);
    let (mut year, mut month, mut day) = (0i64, -1i64, -1i64);
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        value = skip(value, prefix).map_err(|rest| {
            format!(
                "parsing time {} as {}: cannot parse {} as {}",
                quote(avalue),
                quote(alayout),
                quote(rest),
                quote(prefix)
            )
        })?;
        let Some((std, stdstr)) = std else {
            if !value.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    quote(avalue),
                    quote(value)
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let read: Result<(), Bad> = (|| {
            match std {
                Std::LongYear => {
                    if value.len() < 4 || !value.as_bytes()[0].is_ascii_digit() {
                        return Err(Bad);
                    }
                    let (p, rest) = value.split_at_checked(4).ok_or(Bad)?;
                    value = rest;
                    year = atoi(p)?;
                }
                Std::ZeroMonth => {
                    (month, value) = getnum(value, true)?;
                    if !(1..=12).contains(&month) {
                        range_err = "month";
                    }
                }
                // Any two digits: the day is checked against the month once all is read.
                Std::ZeroDay => (day, value) = getnum(value, true)?,
                Std::Hour => {
                    let hour;
                    (hour, value) = getnum(value, false)?;
                    if !(0..24).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::ZeroMinute => {
                    let minute;
                    (minute, value) = getnum(value, true)?;
                    if !(0..60).contains(&minute) {
                        range_err = "minute";
                    }
                }
                Std::ZeroSecond => {
                    let second;
                    (second, value) = getnum(value, true)?;
                    if !(0..60).contains(&second) {
                        range_err = "second";
                        return Ok(());
                    }
                    // A fraction the layout does not name is read here, any number of digits.
                    let v = value.as_bytes();
                    if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                        let next = next_std_chunk(layout).1.map(|(s, _)| s);
                        if matches!(next, Some(Std::FracSecond0(_) | Std::FracSecond9)) {
                            return Ok(());
                        }
                        let n = 2 + v[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        range_err = parse_nanoseconds(value, n)?;
                        value = &value[n..];
                    }
                }
                Std::FracSecond0(digits) => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return Err(Bad);
                    }
                    range_err = parse_nanoseconds(value, n)?;
                    value = value.get(n..).ok_or(Bad)?;
                }
                Std::FracSecond9 => {
                    let v = value.as_bytes();
                    if v.len() < 2 || !matches!(v[0], b'.' | b',') || !v[1].is_ascii_digit() {
                        return Ok(()); // no fraction
                    }
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    range_err = parse_nanoseconds(value, n)?;
                    value = &value[n..];
                }
                Std::Iso8601ColonTz | Std::Iso8601Tz => {
                    if let Some(rest) = value.strip_prefix('Z') {
                        value = rest;
                        return Ok(());
                    }
                    let colon = std == Std::Iso8601ColonTz;
                    let v = value.as_bytes();
                    let (sign, hour, minute, rest) = if colon {
                        if v.len() < 6 || v[3] != b':' {
                            return Err(Bad);
                        }
                        (v[0], &v[1..3], &v[4..6], 6)
                    } else {
                        if v.len() < 5 {
                            return Err(Bad);
                        }
                        (v[0], &v[1..3], &v[3..5], 5)
                    };
                    let digits = |d: &[u8]| {
                        d.iter()
                            .all(u8::is_ascii_digit)
                            .then(|| i64::from(d[0] - b'0') * 10 + i64::from(d[1] - b'0'))
                    };
                    let (hr, mm) = (digits(hour), digits(minute));
                    // `>`, not `>=`: Go allows offsets of 24 hours or 60 minutes.
                    if hr.is_some_and(|h| h > 24) {
                        range_err = "time zone offset hour";
                    }
                    if mm.is_some_and(|m| m > 60) {
                        range_err = "time zone offset minute";
                    }
                    value = value.get(rest..).ok_or(Bad)?;
                    if hr.is_none() || mm.is_none() || !matches!(sign, b'+' | b'-') {
                        return Err(Bad);
                    }
                }
            }
            Ok(())
        })();
        if !range_err.is_empty() {
            return Err(format!(
                "parsing time {}: {range_err} out of range",
                quote(avalue)
            ));
        }
        if read.is_err() {
            return Err(format!(
                "parsing time {} as {}: cannot parse {} as {}",
                quote(avalue),
                quote(alayout),
                quote(hold),
                quote(stdstr)
            ));
        }
    }
    let month = if month < 0 { 1 } else { month };
    let day = if day < 0 { 1 } else { day };
    if day < 1 || day > days_in_month(year, month) {
        return Err(format!("parsing time {}: day out of range", quote(avalue)));
    }
    Ok(())
}

/// Go's `skip`: `value` without `prefix`, a run of spaces in one matching a run in the other;
/// on a mismatch, the rest of `value` at that point.
fn skip<'v>(mut value: &'v str, mut prefix: &str) -> Result<&'v str, &'v str> {
    while let Some(p) = prefix.as_bytes().first() {
        if *p == b' ' {
            if value.as_bytes().first().is_some_and(|c| *c != b' ') {
                return Err(value);
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.as_bytes().first() != Some(p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

/// Go's `getnum`: one or two leading digits (`fixed`: exactly two).
fn getnum(s: &str, fixed: bool) -> Result<(i64, &str), Bad> {
    let b = s.as_bytes();
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let first = digit(0).ok_or(Bad)?;
    match digit(1) {
        Some(second) => Ok((first * 10 + second, &s[2..])),
        None if fixed => Err(Bad),
        None => Ok((first, &s[1..])),
    }
}

/// Go's `atoi` (in `time`): an optional sign, then digits only.
fn atoi(s: &str) -> Result<i64, Bad> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad);
    }
    // `leadingInt` refuses what passes 2^63; an empty run of digits is 0.
    let x = digits.bytes().try_fold(0i64, |x, c| {
        x.checked_mul(10)?.checked_add(i64::from(c - b'0'))
    });
    let x = x.ok_or(Bad)?;
    Ok(if negative { -x } else { x })
}

/// Go's `parseNanoseconds` for its checks: `value[0]` a period or comma, then `n - 1`
/// characters `atoi` reads (the first nine); a negative one is out of range.
fn parse_nanoseconds(value: &str, n: usize) -> Result<&'static str, Bad> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return Err(Bad);
    }
    let n = n.min(10);
    let ns = atoi(value.get(1..n).ok_or(Bad)?)?;
    Ok(if ns < 0 { "fractional second" } else { "" })
}

/// Go's `quote` in `time`: `"` and `\` escaped, a control or non-ASCII character as the
/// `\x..` of each of its bytes.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c < ' ' || !c.is_ascii() {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layouts_chunk_as_go_chunks_them() {
        let chunks = |mut layout: &'static str| {
            let mut out = Vec::new();
            loop {
                let (prefix, std, rest) = next_std_chunk(layout);
                out.push((prefix, std.map(|(_, text)| text)));
                if std.is_none() {
                    return out;
                }
                layout = rest;
            }
        };
        assert_eq!(
            chunks(LAYOUTS[0]),
            [
                ("", Some("2006")),
                ("-", Some("01")),
                ("-", Some("02")),
                ("T", Some("15")),
                (":", Some("04")),
                (":", Some("05")),
                ("", Some(".000000")),
                ("", Some("Z07:00")),
                ("", None),
            ]
        );
        // `Z` alone is literal text; `.999999999` is the optional fraction.
        assert_eq!(chunks(LAYOUTS[7])[5..], [("Z", None)]);
        assert_eq!(chunks(LAYOUTS[5])[6], ("", Some(".999999999")));
        assert_eq!(chunks(LAYOUTS[9])[3], (" ", Some("15")));
    }

    #[test]
    fn what_harbor_takes() {
        for ok in [
            "",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00.123+02:00",
            "2026-01-01T10:00:00.123456-0130",
            "2026-01-01T10:00:00.5Z",
            "2026-01-01T10:00:00,5Z",
            "2026-01-01T10:00:00.1234567891234Z",
            "2026-01-01T10:00:00",
            "2026-01-01T10:00:00.999",
            "2026-01-01T9:00:00Z",
            "2026-01-01T10:00Z",
            "2026-01-01T10:00",
            "2026-01-01 10:00:00",
            "2026-01-01",
            "2024-02-29",
            "2000-02-29T00:00:00Z",
            "0000-02-29",
            "2026-01-01T10:00:00+24:00",
            "2026-01-01T10:00:00.+12Z",
        ] {
            assert_eq!(parse_date_time(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn what_harbor_refuses_in_gos_words() {
        for (bad, error) in [
            (
                "yesterday",
                r#"parsing time "yesterday" as "2006-01-02": cannot parse "yesterday" as "2006""#,
            ),
            (
                "2026-01-01T10:99:00Z",
                r#"parsing time "2026-01-01T10:99:00Z": extra text: "T10:99:00Z""#,
            ),
            (
                "2026-13-01",
                r#"parsing time "2026-13-01": month out of range"#,
            ),
            (
                "2026-02-30",
                r#"parsing time "2026-02-30": day out of range"#,
            ),
            (
                "1900-02-29",
                r#"parsing time "1900-02-29": day out of range"#,
            ),
            (
                "2026-1-01",
                r#"parsing time "2026-1-01" as "2006-01-02": cannot parse "1-01" as "01""#,
            ),
            (
                "2026/01/01",
                r#"parsing time "2026/01/01" as "2006-01-02": cannot parse "/01/01" as "-""#,
            ),
            (
                "2026-01-01T10:00:00z",
                r#"parsing time "2026-01-01T10:00:00z": extra text: "T10:00:00z""#,
            ),
            (
                "é",
                r#"parsing time "\xc3\xa9" as "2006-01-02": cannot parse "\xc3\xa9" as "2006""#,
            ),
        ] {
            assert_eq!(parse_date_time(bad), Err(error.to_owned()), "{bad}");
        }
        // Refused by every layout, whatever the last one says.
        for bad in [
            "2026-01-01T10:00:00+25:00",
            "2026-01-01T10:00:00.Z",
            "2026-01-01T10:00:00+2",
            "2026-01-01T24:00:00Z",
            "2026-01-01T10:00:60Z",
            "2026-01-01T10:00:00.-1Z",
        ] {
            assert!(parse_date_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_layout_is_goes_own() {
        // One value per layout that only it (and layouts before it) reads.
        assert_eq!(parse("2006-01-02T15:04Z", "2026-01-01T10:00Z"), Ok(()));
        assert!(parse("2006-01-02T15:04", "2026-01-01T10:00Z").is_err());
        assert_eq!(
            parse("2006-01-02T15:04:05.000Z07:00", "2026-01-01T10:00:00.12Z"),
            Err(
                r#"parsing time "2026-01-01T10:00:00.12Z" as "2006-01-02T15:04:05.000Z07:00": cannot parse ".12Z" as ".000""#
                    .to_owned()
            )
        );
        assert_eq!(
            parse("2006-01-02T15:04:05Z07:00", "2026-01-01T10:00:00+01:61"),
            Err(
                r#"parsing time "2026-01-01T10:00:00+01:61": time zone offset minute out of range"#
                    .to_owned()
            )
        );
    }
}
