//! PostgreSQL's `timestamp` input (`timestamp_in`), as Harbor's ORM reaches it: a `q` value
//! on a timestamp column is handed to the database as text (pgx sends a Go string in text
//! format), which PostgreSQL reads as `timestamp without time zone` or refuses with its own
//! error, Harbor's uncoded 500.
//!
//! Written from PostgreSQL 18's `src/backend/utils/adt/datetime.c` (`ParseDateTime`,
//! `DecodeDateTime`, `DecodeDate`, `DecodeNumber`, `DecodeNumberField`, `DecodeTime`,
//! `DecodeTimezone`, `ValidateDate`, `datetktbl`) and `timestamp.c` (`timestamp_in`,
//! `tm2timestamp`; Harbor's database image runs PostgreSQL 18), with the server's defaults:
//! `DateStyle` `ISO, MDY`, the session time zone `UTC`, the `Default` abbreviation set. A
//! timestamp without time zone reads a zone and ignores it. The result is microseconds since
//! 2000-01-01 00:00, PostgreSQL's own representation, `i64::MIN` and `i64::MAX` for
//! `-infinity` and `infinity`.
//!
//! Also here: beego's rewriting of a string argument for a time column (`getFlatParams`,
//! `client/orm/db_utils.go`), which runs before the text reaches the database.
//!
//! Not ported: POSIX-style zone specifications beyond `NAME±h[h][:mm]` (`pg_tzset`'s
//! `tzparse`), the Julian-date-with-zone form `J2451545-08`.

use crate::calendar::days_in_month;
use crate::postgres_error::{SqlState, pg_error};

/// Microseconds in a day.
const USECS_PER_DAY: i64 = 86_400_000_000;
/// The Julian day of 2000-01-01, PostgreSQL's epoch.
const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
/// The Julian day of 1970-01-01.
const UNIX_EPOCH_JDATE: i64 = 2_440_588;
/// `MIN_TIMESTAMP` (4714-11-24 BC) and `END_TIMESTAMP` (294277-01-01).
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
/// `MAXDATELEN + MAXDATEFIELDS`: `ParseDateTime`'s work buffer.
const WORKBUF: usize = 128 + 25;
const MAXDATEFIELDS: usize = 25;

// Field kinds of `ParseDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    String,
    Date,
    Time,
    Tz,
    Special,
}

// Token types of `datetime.h` (their bit in a field mask is `1 << type`).
const MONTH: u32 = 1;
const YEAR: u32 = 2;
const DAY: u32 = 3;
const TZ: u32 = 5;
const DTZ: u32 = 6;
const HOUR: u32 = 10;
const MINUTE: u32 = 11;
const SECOND: u32 = 12;
const MILLISECOND: u32 = 13;
const MICROSECOND: u32 = 14;
const DOY: u32 = 15;
const DOW: u32 = 16;
const AMPM: u32 = 9;
const ADBC: u32 = 18;
const DTZMOD: u32 = 28;

const fn m(t: u32) -> u32 {
    1 << t
}
const DATE_M: u32 = m(YEAR) | m(MONTH) | m(DAY);
const TIME_M: u32 = m(HOUR) | m(MINUTE) | m(SECOND) | m(MILLISECOND) | m(MICROSECOND);

/// PostgreSQL's refusals (`DateTimeParseError`'s cases, and `timestamp_in`'s range check).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    BadFormat,
    FieldOverflow,
    TzDispOverflow,
    BadTimezone(String),
    OutOfRange,
}

type Step<T> = Result<T, Refusal>;

/// A `datetktbl` entry's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Reserved(Reserved),
    Month(i32),
    AdBc(bool),
    Ignore,
    AmPm(bool),
    Dow,
    Units(Unit),
    IsoTime,
    DstModifier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reserved {
    Late,
    Early,
    Zulu,
    Epoch,
    Now,
    Today,
    Tomorrow,
    Yesterday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Julian,
    Other,
}

/// `datetktbl` (PostgreSQL 18).
fn keyword(t: &str) -> Option<Token> {
    use Token::*;
    Some(match t {
        "+infinity" | "infinity" => Reserved(self::Reserved::Late),
        "-infinity" => Reserved(self::Reserved::Early),
        "ad" => AdBc(false),
        "bc" => AdBc(true),
        "allballs" => Reserved(self::Reserved::Zulu),
        "am" => AmPm(false),
        "pm" => AmPm(true),
        "jan" | "january" => Month(1),
        "feb" | "february" => Month(2),
        "mar" | "march" => Month(3),
        "apr" | "april" => Month(4),
        "may" => Month(5),
        "jun" | "june" => Month(6),
        "jul" | "july" => Month(7),
        "aug" | "august" => Month(8),
        "sep" | "sept" | "september" => Month(9),
        "oct" | "october" => Month(10),
        "nov" | "november" => Month(11),
        "dec" | "december" => Month(12),
        "at" | "on" => Ignore,
        "j" | "jd" | "julian" => Units(Unit::Julian),
        "d" | "dow" | "doy" | "h" | "isodow" | "isoyear" | "m" | "mm" | "s" | "y" => {
            Units(Unit::Other)
        }
        "dst" => DstModifier,
        "epoch" => Reserved(self::Reserved::Epoch),
        "now" => Reserved(self::Reserved::Now),
        "today" => Reserved(self::Reserved::Today),
        "tomorrow" => Reserved(self::Reserved::Tomorrow),
        "yesterday" => Reserved(self::Reserved::Yesterday),
        "t" => IsoTime,
        "sun" | "sunday" | "mon" | "monday" | "tue" | "tues" | "tuesday" | "wed" | "weds"
        | "wednesday" | "thu" | "thur" | "thurs" | "thursday" | "fri" | "friday" | "sat"
        | "saturday" => Dow,
        _ => return None,
    })
}

/// The abbreviations of PostgreSQL's `Default` set (`src/timezone/tznames/Default`), and
/// whether each is a daylight-saving one (`D`); `UTC`, the session zone's own, is among them.
const ABBREVIATIONS: &[(&str, bool)] = &[
    ("acsst", true),
    ("acst", true),
    ("act", false),
    ("adt", true),
    ("aesst", true),
    ("aest", false),
    ("aft", false),
    ("akdt", true),
    ("akst", false),
    ("almst", true),
    ("almt", false),
    ("amst", true),
    ("amt", false),
    ("anast", true),
    ("anat", false),
    ("arst", true),
    ("art", false),
    ("ast", false),
    ("awsst", true),
    ("awst", false),
    ("azost", true),
    ("azot", false),
    ("azst", true),
    ("azt", false),
    ("bdst", true),
    ("bdt", false),
    ("bnt", false),
    ("bort", false),
    ("bot", false),
    ("bra", false),
    ("brst", true),
    ("brt", false),
    ("bst", true),
    ("btt", false),
    ("cadt", true),
    ("cast", false),
    ("cct", false),
    ("cdt", true),
    ("cest", true),
    ("cet", false),
    ("cetdst", true),
    ("chadt", true),
    ("chast", false),
    ("chut", false),
    ("ckt", false),
    ("clst", true),
    ("clt", false),
    ("cot", false),
    ("cst", false),
    ("cxt", false),
    ("davt", false),
    ("ddut", false),
    ("easst", true),
    ("east", false),
    ("eat", false),
    ("edt", true),
    ("eest", true),
    ("eet", false),
    ("eetdst", true),
    ("egst", true),
    ("egt", false),
    ("est", false),
    ("fet", false),
    ("fjst", true),
    ("fjt", false),
    ("fkst", true),
    ("fkt", false),
    ("fnst", true),
    ("fnt", false),
    ("galt", false),
    ("gamt", false),
    ("gest", true),
    ("get", false),
    ("gft", false),
    ("gilt", false),
    ("gmt", false),
    ("gyt", false),
    ("hkt", false),
    ("hst", false),
    ("ict", false),
    ("idt", true),
    ("iot", false),
    ("irkst", true),
    ("irkt", false),
    ("irt", false),
    ("ist", false),
    ("jayt", false),
    ("jst", false),
    ("kdt", true),
    ("kgst", true),
    ("kgt", false),
    ("kost", false),
    ("krast", true),
    ("krat", false),
    ("kst", false),
    ("lhdt", true),
    ("lhst", false),
    ("ligt", false),
    ("lint", false),
    ("lkt", false),
    ("magst", true),
    ("magt", false),
    ("mart", false),
    ("mawt", false),
    ("mdt", true),
    ("mest", true),
    ("met", false),
    ("metdst", true),
    ("mez", false),
    ("mht", false),
    ("mmt", false),
    ("mpt", false),
    ("msd", true),
    ("msk", false),
    ("mst", false),
    ("must", true),
    ("mut", false),
    ("mvt", false),
    ("myt", false),
    ("ndt", true),
    ("nft", false),
    ("novst", true),
    ("novt", false),
    ("npt", false),
    ("nst", false),
    ("nut", false),
    ("nzdt", true),
    ("nzst", false),
    ("nzt", false),
    ("omsst", true),
    ("omst", false),
    ("pdt", true),
    ("pet", false),
    ("petst", true),
    ("pett", false),
    ("pgt", false),
    ("pht", false),
    ("phot", false),
    ("pkst", true),
    ("pkt", false),
    ("pmdt", true),
    ("pmst", false),
    ("pont", false),
    ("pst", false),
    ("pwt", false),
    ("pyst", true),
    ("pyt", false),
    ("ret", false),
    ("sadt", true),
    ("sast", false),
    ("sct", false),
    ("sgt", false),
    ("taht", false),
    ("tft", false),
    ("tjt", false),
    ("tkt", false),
    ("tmt", false),
    ("tot", false),
    ("trut", false),
    ("tvt", false),
    ("uct", false),
    ("ulast", true),
    ("ulat", false),
    ("ut", false),
    ("utc", false),
    ("uyst", true),
    ("uyt", false),
    ("uzst", true),
    ("uzt", false),
    ("vet", false),
    ("vlast", true),
    ("vlat", false),
    ("volt", false),
    ("vut", false),
    ("wadt", true),
    ("wakt", false),
    ("wast", false),
    ("wat", false),
    ("wdt", true),
    ("wet", false),
    ("wetdst", true),
    ("wft", false),
    ("wgst", true),
    ("wgt", false),
    ("yakst", true),
    ("yakt", false),
    ("yapt", false),
    ("yekst", true),
    ("yekt", false),
    ("z", false),
    ("zulu", false),
];

/// `pg_tzset`: a tz database zone named in any case, or a POSIX `NAME±h[h][:mm[:ss]]`.
fn zone_exists(name: &str) -> bool {
    if crate::tz_names::ZONES
        .iter()
        .any(|z| z.eq_ignore_ascii_case(name))
    {
        return true;
    }
    let b = name.as_bytes();
    let alpha = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if alpha < 3 {
        return false;
    }
    let rest = &name[alpha..];
    let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    let mut parts = rest.split(':');
    let hours = parts.next().unwrap_or("");
    (1..=2).contains(&hours.len())
        && hours.bytes().all(|c| c.is_ascii_digit())
        && parts.all(|p| p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
}

/// C's `strtol` on a field: optional sign and digits; the value (or `None` past `i32`) and
/// where the digits end (the start when there are none).
fn strtoint(s: &[u8], from: usize) -> (Option<i64>, usize) {
    let mut i = from;
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|d| d.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        if v > i64::from(i32::MAX) + 1 {
            overflow = true;
        }
        i += 1;
    }
    if i == start {
        return (Some(0), from);
    }
    let v = if neg { -v } else { v };
    if overflow || v > i64::from(i32::MAX) || v < i64::from(i32::MIN) {
        (None, i)
    } else {
        (Some(v), i)
    }
}

/// `ParseFractionalSecond`: `.` and digits only, rounded to microseconds half to even.
fn fraction(s: &[u8]) -> Step<i64> {
    let digits = &s[1..];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(Refusal::BadFormat);
    }
    if digits.is_empty() {
        return Ok(0);
    }
    let text = std::str::from_utf8(s).map_err(|_| Refusal::BadFormat)?;
    let frac: f64 = format!("0{text}").parse().map_err(|_| Refusal::BadFormat)?;
    Ok((frac * 1e6).round_ties_even() as i64)
}

/// `ParseDateTime`: the fields, lower-cased where PostgreSQL lower-cases them.
fn parse_fields(input: &str) -> Step<Vec<(String, Kind)>> {
    let s = input.as_bytes();
    let mut fields = Vec::new();
    let mut used = 0usize;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_whitespace() || c == 0x0b {
            i += 1;
            continue;
        }
        if fields.len() >= MAXDATEFIELDS {
            return Err(Refusal::BadFormat);
        }
        let mut f: Vec<u8> = Vec::new();
        let mut push = |f: &mut Vec<u8>, b: u8| -> Step<()> {
            if used + 1 >= WORKBUF {
                return Err(Refusal::BadFormat);
            }
            used += 1;
            f.push(b);
            Ok(())
        };
        let at = |i: usize| s.get(i).copied().unwrap_or(0);
        let kind;
        if c.is_ascii_digit() {
            while at(i).is_ascii_digit() {
                push(&mut f, at(i))?;
                i += 1;
            }
            if at(i) == b':' {
                kind = Kind::Time;
                push(&mut f, b':')?;
                i += 1;
                while at(i).is_ascii_digit() || at(i) == b':' || at(i) == b'.' {
                    push(&mut f, at(i))?;
                    i += 1;
                }
            } else if matches!(at(i), b'-' | b'/' | b'.') {
                let delim = at(i);
                push(&mut f, delim)?;
                i += 1;
                if at(i).is_ascii_digit() {
                    let mut k = if delim == b'.' {
                        Kind::Number
                    } else {
                        Kind::Date
                    };
                    while at(i).is_ascii_digit() {
                        push(&mut f, at(i))?;
                        i += 1;
                    }
                    if at(i) == delim {
                        k = Kind::Date;
                        push(&mut f, delim)?;
                        i += 1;
                        while at(i).is_ascii_digit() || at(i) == delim {
                            push(&mut f, at(i))?;
                            i += 1;
                        }
                    }
                    kind = k;
                } else {
                    kind = Kind::Date;
                    while at(i).is_ascii_alphanumeric() || at(i) == delim {
                        push(&mut f, at(i).to_ascii_lowercase())?;
                        i += 1;
                    }
                }
            } else {
                kind = Kind::Number;
            }
        } else if c == b'.' {
            push(&mut f, b'.')?;
            i += 1;
            while at(i).is_ascii_digit() {
                push(&mut f, at(i))?;
                i += 1;
            }
            kind = Kind::Number;
        } else if c.is_ascii_alphabetic() {
            let mut k = Kind::String;
            while at(i).is_ascii_alphabetic() {
                push(&mut f, at(i).to_ascii_lowercase())?;
                i += 1;
            }
            let is_date = match at(i) {
                b'-' | b'/' | b'.' => true,
                b'+' => keyword(std::str::from_utf8(&f).unwrap_or("")).is_none(),
                d if d.is_ascii_digit() => keyword(std::str::from_utf8(&f).unwrap_or("")).is_none(),
                _ => false,
            };
            if is_date {
                k = Kind::Date;
                loop {
                    push(&mut f, at(i).to_ascii_lowercase())?;
                    i += 1;
                    let n = at(i);
                    if !(matches!(n, b'+' | b'-' | b'/' | b'_' | b'.' | b':')
                        || n.is_ascii_alphanumeric())
                    {
                        break;
                    }
                }
            }
            kind = k;
        } else if c == b'+' || c == b'-' {
            push(&mut f, c)?;
            i += 1;
            while at(i).is_ascii_whitespace() {
                i += 1;
            }
            if at(i).is_ascii_digit() {
                kind = Kind::Tz;
                push(&mut f, at(i))?;
                i += 1;
                while at(i).is_ascii_digit() || matches!(at(i), b':' | b'.' | b'-') {
                    push(&mut f, at(i))?;
                    i += 1;
                }
            } else if at(i).is_ascii_alphabetic() {
                kind = Kind::Special;
                while at(i).is_ascii_alphabetic() {
                    push(&mut f, at(i).to_ascii_lowercase())?;
                    i += 1;
                }
            } else {
                return Err(Refusal::BadFormat);
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(Refusal::BadFormat);
        }
        // The field's terminating NUL.
        used += 1;
        fields.push((String::from_utf8(f).map_err(|_| Refusal::BadFormat)?, kind));
    }
    Ok(fields)
}

/// `struct pg_tm` and its companions as `DecodeDateTime` fills them.
#[derive(Debug, Default, Clone, Copy)]
struct Tm {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    yday: i64,
    fsec: i64,
}

/// What `DecodeDateTime` found: a date (in `tm`) or one of the special values.
enum Decoded {
    Date(Tm),
    Epoch,
    Late,
    Early,
}

/// `DecodeDate`: a field with delimiters (`2024-01-31`, `1/31/2024`, `31-jan-2024`).
fn decode_date(s: &str, mut fmask: u32, tm: &mut Tm, is2digits: &mut bool) -> Step<u32> {
    let mut tmask = 0;
    let b = s.as_bytes();
    let mut parts: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < b.len() && parts.len() < MAXDATEFIELDS {
        while i < b.len() && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i >= b.len() {
            return Err(Refusal::BadFormat);
        }
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        parts.push(&s[start..i]);
        if i < b.len() {
            i += 1;
        }
    }
    let mut have_text_month = false;
    let mut numeric = Vec::new();
    for p in &parts {
        if p.as_bytes()[0].is_ascii_alphabetic() {
            match keyword(p) {
                Some(Token::Ignore) => continue,
                Some(Token::Month(v)) => {
                    tm.mon = i64::from(v);
                    have_text_month = true;
                }
                _ => return Err(Refusal::BadFormat),
            }
            if fmask & m(MONTH) != 0 {
                return Err(Refusal::BadFormat);
            }
            fmask |= m(MONTH);
            tmask |= m(MONTH);
        } else {
            numeric.push(*p);
        }
    }
    for p in numeric {
        if p.is_empty() {
            return Err(Refusal::BadFormat);
        }
        let dmask = decode_number(p, have_text_month, fmask, tm, is2digits)?;
        if fmask & dmask != 0 {
            return Err(Refusal::BadFormat);
        }
        fmask |= dmask;
        tmask |= dmask;
    }
    if fmask & !(m(DOY) | m(TZ)) != DATE_M {
        return Err(Refusal::BadFormat);
    }
    Ok(tmask)
}

/// `DecodeNumber` (with `DateOrder` MDY): a plain number placed by what came before.
fn decode_number(
    s: &str,
    have_text_month: bool,
    fmask: u32,
    tm: &mut Tm,
    is2digits: &mut bool,
) -> Step<u32> {
    let b = s.as_bytes();
    let flen = b.len();
    let (val, end) = strtoint(b, 0);
    let val = val.ok_or(Refusal::FieldOverflow)?;
    if end == 0 {
        return Err(Refusal::BadFormat);
    }
    if b.get(end) == Some(&b'.') {
        if end > 2 {
            return decode_number_field(s, fmask | DATE_M, tm, is2digits).map(|(mask, _)| mask);
        }
        tm.fsec = fraction(&b[end..])?;
    } else if end != flen {
        return Err(Refusal::BadFormat);
    }
    if flen == 3 && fmask & DATE_M == m(YEAR) && (1..=366).contains(&val) {
        tm.yday = val;
        return Ok(m(DOY) | m(MONTH) | m(DAY));
    }
    let tmask = match fmask & DATE_M {
        0 => {
            if flen >= 3 {
                tm.year = val;
                m(YEAR)
            } else {
                tm.mon = val;
                m(MONTH)
            }
        }
        x if x == m(YEAR) => {
            tm.mon = val;
            m(MONTH)
        }
        x if x == m(MONTH) => {
            if have_text_month && flen >= 3 {
                tm.year = val;
                m(YEAR)
            } else {
                tm.mday = val;
                m(DAY)
            }
        }
        x if x == m(YEAR) | m(MONTH) => {
            if have_text_month && flen >= 3 && *is2digits {
                tm.mday = tm.year;
                tm.year = val;
                *is2digits = false;
            } else {
                tm.mday = val;
            }
            m(DAY)
        }
        x if x == m(DAY) => {
            tm.mon = val;
            m(MONTH)
        }
        x if x == m(MONTH) | m(DAY) => {
            tm.year = val;
            m(YEAR)
        }
        DATE_M => return decode_number_field(s, fmask, tm, is2digits).map(|(mask, _)| mask),
        _ => return Err(Refusal::BadFormat),
    };
    if tmask == m(YEAR) {
        *is2digits = flen <= 2;
    }
    Ok(tmask)
}

/// `DecodeNumberField`: run-together digits, `YYYYMMDD`, `YYMMDD`, `hhmmss`, `hhmm`, with
/// an optional fraction; the mask found and whether it was a date.
fn decode_number_field(
    s: &str,
    fmask: u32,
    tm: &mut Tm,
    is2digits: &mut bool,
) -> Step<(u32, bool)> {
    if !s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return Err(Refusal::BadFormat);
    }
    let mut digits = s;
    if let Some(dot) = s.find('.') {
        tm.fsec = fraction(&s.as_bytes()[dot..])?;
        digits = &s[..dot];
    } else if fmask & DATE_M != DATE_M && s.len() >= 6 {
        let len = s.len();
        // C's `atoi`; a value past `int` is out of range anyway.
        let num = |t: &str| {
            t.parse::<i64>()
                .map_or(i64::from(i32::MAX), |v| v.min(i64::from(i32::MAX)))
        };
        tm.mday = num(&s[len - 2..]);
        tm.mon = num(&s[len - 4..len - 2]);
        tm.year = num(&s[..len - 4]);
        if len - 4 == 2 {
            *is2digits = true;
        }
        return Ok((DATE_M, true));
    }
    if fmask & TIME_M != TIME_M {
        let num = |t: &str| t.parse::<i64>().unwrap_or(0);
        if digits.len() == 6 {
            tm.sec = num(&digits[4..]);
            tm.min = num(&digits[2..4]);
            tm.hour = num(&digits[..2]);
            return Ok((TIME_M, false));
        } else if digits.len() == 4 {
            tm.sec = 0;
            tm.min = num(&digits[2..]);
            tm.hour = num(&digits[..2]);
            return Ok((TIME_M, false));
        }
    }
    Err(Refusal::BadFormat)
}

/// `DecodeTime`: `hh:mm[:ss[.frac]]` (or `mm:ss.frac`).
fn decode_time(s: &str, tm: &mut Tm) -> Step<()> {
    let b = s.as_bytes();
    let (hour, mut cp) = strtoint_i64(b, 0);
    let hour = hour.ok_or(Refusal::FieldOverflow)?;
    if b.get(cp) != Some(&b':') {
        return Err(Refusal::BadFormat);
    }
    let (min, c) = strtoint(b, cp + 1);
    let mut min = min.ok_or(Refusal::FieldOverflow)?;
    cp = c;
    let (mut hour, mut sec, mut fsec) = (hour, 0, 0);
    match b.get(cp) {
        None => {}
        Some(b'.') => {
            fsec = fraction(&b[cp..])?;
            if hour > i64::from(i32::MAX) {
                return Err(Refusal::FieldOverflow);
            }
            sec = min;
            min = hour;
            hour = 0;
        }
        Some(b':') => {
            let (s2, c2) = strtoint(b, cp + 1);
            sec = s2.ok_or(Refusal::FieldOverflow)?;
            match b.get(c2) {
                Some(b'.') => fsec = fraction(&b[c2..])?,
                None => {}
                Some(_) => return Err(Refusal::BadFormat),
            }
        }
        Some(_) => return Err(Refusal::BadFormat),
    }
    if hour < 0
        || !(0..60).contains(&min)
        || !(0..=60).contains(&sec)
        || !(0..=1_000_000).contains(&fsec)
    {
        return Err(Refusal::FieldOverflow);
    }
    if hour > i64::from(i32::MAX) {
        return Err(Refusal::FieldOverflow);
    }
    (tm.hour, tm.min, tm.sec, tm.fsec) = (hour, min, sec, fsec);
    Ok(())
}

/// `strtoi64` (the hour of a time field).
fn strtoint_i64(s: &[u8], from: usize) -> (Option<i64>, usize) {
    let mut i = from;
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|d| d.is_ascii_digit()) {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    if i == from {
        return (Some(0), from);
    }
    (if overflow { None } else { Some(v) }, i)
}

/// `DecodeTimezone`: `±hh`, `±hhmm`, `±hh:mm[:ss]`, range-checked (the offset itself is not
/// needed: a timestamp without time zone ignores it).
fn decode_timezone(s: &str) -> Step<()> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return Err(Refusal::BadFormat);
    }
    let (hr, mut cp) = strtoint(b, 1);
    let mut hr = hr.ok_or(Refusal::TzDispOverflow)?;
    let mut min = 0;
    let mut sec = 0;
    if b.get(cp) == Some(&b':') {
        let (mi, c) = strtoint(b, cp + 1);
        min = mi.ok_or(Refusal::TzDispOverflow)?;
        cp = c;
        if b.get(cp) == Some(&b':') {
            let (se, c) = strtoint(b, cp + 1);
            sec = se.ok_or(Refusal::TzDispOverflow)?;
            cp = c;
        }
    } else if cp == b.len() && b.len() > 3 {
        min = hr % 100;
        hr /= 100;
    }
    if !(0..=15).contains(&hr) || !(0..60).contains(&min) || !(0..60).contains(&sec) {
        return Err(Refusal::TzDispOverflow);
    }
    if cp != b.len() {
        return Err(Refusal::BadFormat);
    }
    Ok(())
}

/// `date2j`.
fn date2j(year: i64, month: i64, day: i64) -> i64 {
    let (mut y, mut mo) = (year, month);
    if mo > 2 {
        mo += 1;
        y += 4800;
    } else {
        mo += 13;
        y += 4799;
    }
    let century = y.div_euclid(100);
    let mut julian = y * 365 - 32167;
    julian += y.div_euclid(4) - century + century.div_euclid(4);
    julian + 7834 * mo / 256 + day
}

/// `j2date`.
fn j2date(jd: i64) -> (i64, i64, i64) {
    if jd < -32044 {
        // Before the Julian period: out of range for a timestamp whatever it maps to.
        return (-5_000_000, 1, 1);
    }
    let mut julian = (jd + 32044) as u64;
    let mut quad = julian / 146_097;
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian / 1461;
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    (y as i64 - 4800, month as i64, day as i64)
}

/// `DecodeDateTime` for `timestamp_in` (a zone accepted; the session zone UTC).
fn decode(fields: &[(String, Kind)], now: i64) -> Step<Decoded> {
    let mut tm = Tm::default();
    let mut fmask: u32 = 0;
    let mut ptype: Option<Unit> = None;
    let mut iso_time_next = false;
    let mut have_text_month = false;
    let mut is2digits = false;
    let mut isjulian = false;
    let mut bc = false;
    let mut mer: Option<bool> = None;
    let mut special: Option<Decoded> = None;
    let mut named_tz = false;
    let today = now.div_euclid(USECS_PER_DAY) + POSTGRES_EPOCH_JDATE;
    for (field, kind) in fields {
        let tmask: u32;
        match kind {
            Kind::Date => {
                if ptype == Some(Unit::Julian) {
                    // `J2451545-08`: not ported (see the module's docs); PostgreSQL reads it.
                    return Err(Refusal::BadFormat);
                } else if ptype.is_some()
                    || iso_time_next
                    || fmask & (m(MONTH) | m(DAY)) == m(MONTH) | m(DAY)
                {
                    if field.as_bytes()[0].is_ascii_digit() || ptype.is_some() || iso_time_next {
                        if ptype.is_some() {
                            return Err(Refusal::BadFormat);
                        }
                        iso_time_next = false;
                        if fmask & TIME_M == TIME_M {
                            return Err(Refusal::BadFormat);
                        }
                        let Some(dash) = field.find('-') else {
                            return Err(Refusal::BadFormat);
                        };
                        decode_timezone(&field[dash..])?;
                        let (mask, _) =
                            decode_number_field(&field[..dash], fmask, &mut tm, &mut is2digits)?;
                        tmask = mask | m(TZ);
                    } else {
                        if !zone_exists(field) {
                            return Err(Refusal::BadTimezone(field.clone()));
                        }
                        named_tz = true;
                        tmask = m(TZ);
                    }
                } else {
                    tmask = decode_date(field, fmask, &mut tm, &mut is2digits)?;
                }
            }
            Kind::Time => {
                if ptype.is_some() {
                    return Err(Refusal::BadFormat);
                }
                iso_time_next = false;
                decode_time(field, &mut tm)?;
                tmask = TIME_M;
                let total = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1_000_000 + tm.fsec;
                if tm.hour > 24 || total > USECS_PER_DAY {
                    return Err(Refusal::FieldOverflow);
                }
            }
            Kind::Tz => {
                decode_timezone(field)?;
                tmask = m(TZ);
            }
            Kind::Number => {
                if ptype.is_some() || iso_time_next {
                    let b = field.as_bytes();
                    let (value, cp) = strtoint(b, 0);
                    let value = value.ok_or(Refusal::FieldOverflow)?;
                    if cp != b.len() && b[cp] != b'.' {
                        return Err(Refusal::BadFormat);
                    }
                    match (ptype, iso_time_next) {
                        (Some(Unit::Julian), _) => {
                            if value < 0 {
                                return Err(Refusal::FieldOverflow);
                            }
                            let (y, mo, d) = j2date(value);
                            (tm.year, tm.mon, tm.mday) = (y, mo, d);
                            isjulian = true;
                            let mut mask = DATE_M;
                            if cp != b.len() {
                                let frac: f64 = format!("0{}", &field[cp..])
                                    .parse()
                                    .map_err(|_| Refusal::BadFormat)?;
                                let usec = frac * USECS_PER_DAY as f64;
                                let t = usec as i64;
                                tm.hour = t / 3_600_000_000;
                                tm.min = t / 60_000_000 % 60;
                                tm.sec = t / 1_000_000 % 60;
                                tm.fsec = t % 1_000_000;
                                mask |= TIME_M;
                            }
                            tmask = mask;
                        }
                        (None, true) => {
                            let (mask, _) = decode_number_field(
                                field,
                                fmask | DATE_M,
                                &mut tm,
                                &mut is2digits,
                            )?;
                            if mask != TIME_M {
                                return Err(Refusal::BadFormat);
                            }
                            tmask = mask;
                        }
                        _ => return Err(Refusal::BadFormat),
                    }
                    ptype = None;
                    iso_time_next = false;
                } else {
                    let flen = field.len();
                    let dot = field.find('.');
                    if dot.is_some() && fmask & DATE_M == 0 {
                        tmask = decode_date(field, fmask, &mut tm, &mut is2digits)?;
                    } else if let Some(dot) = dot.filter(|d| *d > 2) {
                        let _ = dot;
                        tmask = decode_number_field(field, fmask, &mut tm, &mut is2digits)?.0;
                    } else if flen >= 6 && (fmask & DATE_M == 0 || fmask & TIME_M == 0) {
                        tmask = decode_number_field(field, fmask, &mut tm, &mut is2digits)?.0;
                    } else {
                        tmask =
                            decode_number(field, have_text_month, fmask, &mut tm, &mut is2digits)?;
                    }
                }
            }
            Kind::String | Kind::Special => {
                if let Some((_, dst)) = ABBREVIATIONS.iter().find(|(a, _)| a == field) {
                    tmask = if *dst { m(DTZ) | m(TZ) } else { m(TZ) };
                } else {
                    match keyword(field) {
                        Some(Token::Ignore) => continue,
                        Some(Token::Reserved(r)) => match r {
                            Reserved::Now => {
                                tmask = DATE_M | TIME_M | m(TZ);
                                let (y, mo, d) =
                                    j2date(now.div_euclid(USECS_PER_DAY) + POSTGRES_EPOCH_JDATE);
                                let t = now.rem_euclid(USECS_PER_DAY);
                                tm = Tm {
                                    year: y,
                                    mon: mo,
                                    mday: d,
                                    hour: t / 3_600_000_000,
                                    min: t / 60_000_000 % 60,
                                    sec: t / 1_000_000 % 60,
                                    fsec: t % 1_000_000,
                                    yday: 0,
                                };
                            }
                            Reserved::Today | Reserved::Tomorrow | Reserved::Yesterday => {
                                tmask = DATE_M;
                                let jd = today
                                    + match r {
                                        Reserved::Tomorrow => 1,
                                        Reserved::Yesterday => -1,
                                        _ => 0,
                                    };
                                (tm.year, tm.mon, tm.mday) = j2date(jd);
                            }
                            Reserved::Zulu => {
                                tmask = TIME_M | m(TZ);
                                (tm.hour, tm.min, tm.sec) = (0, 0, 0);
                            }
                            Reserved::Epoch | Reserved::Late | Reserved::Early => {
                                tmask = DATE_M | TIME_M | m(TZ);
                                special = Some(match r {
                                    Reserved::Epoch => Decoded::Epoch,
                                    Reserved::Late => Decoded::Late,
                                    _ => Decoded::Early,
                                });
                            }
                        },
                        Some(Token::Month(v)) => {
                            let mut mask = m(MONTH);
                            if fmask & m(MONTH) != 0
                                && !have_text_month
                                && fmask & m(DAY) == 0
                                && (1..=31).contains(&tm.mon)
                            {
                                tm.mday = tm.mon;
                                mask = m(DAY);
                            }
                            have_text_month = true;
                            tm.mon = i64::from(v);
                            tmask = mask;
                        }
                        Some(Token::DstModifier) => tmask = m(DTZMOD) | m(DTZ),
                        Some(Token::AmPm(pm)) => {
                            mer = Some(pm);
                            tmask = m(AMPM);
                        }
                        Some(Token::AdBc(is_bc)) => {
                            bc = is_bc;
                            tmask = m(ADBC);
                        }
                        Some(Token::Dow) => tmask = m(DOW),
                        Some(Token::Units(u)) => {
                            if ptype.is_some() || iso_time_next {
                                return Err(Refusal::BadFormat);
                            }
                            ptype = Some(u);
                            tmask = 0;
                        }
                        Some(Token::IsoTime) => {
                            if fmask & DATE_M != DATE_M || ptype.is_some() || iso_time_next {
                                return Err(Refusal::BadFormat);
                            }
                            iso_time_next = true;
                            tmask = 0;
                        }
                        None => {
                            if !zone_exists(field) {
                                return Err(Refusal::BadFormat);
                            }
                            named_tz = true;
                            tmask = m(TZ);
                        }
                    }
                }
            }
        }
        if tmask & fmask != 0 {
            return Err(Refusal::BadFormat);
        }
        fmask |= tmask;
    }
    if ptype.is_some() || iso_time_next {
        return Err(Refusal::BadFormat);
    }
    if let Some(s) = special {
        return Ok(s);
    }
    // `ValidateDate`.
    if fmask & m(YEAR) != 0 {
        if isjulian {
        } else if bc {
            if tm.year <= 0 {
                return Err(Refusal::FieldOverflow);
            }
            tm.year = -(tm.year - 1);
        } else if is2digits {
            if tm.year < 0 {
                return Err(Refusal::FieldOverflow);
            }
            if tm.year < 70 {
                tm.year += 2000;
            } else if tm.year < 100 {
                tm.year += 1900;
            }
        } else if tm.year <= 0 {
            return Err(Refusal::FieldOverflow);
        }
    }
    if fmask & m(DOY) != 0 {
        (tm.year, tm.mon, tm.mday) = j2date(date2j(tm.year, 1, 1) + tm.yday - 1);
    }
    if fmask & m(MONTH) != 0 && !(1..=12).contains(&tm.mon) {
        return Err(Refusal::FieldOverflow);
    }
    if fmask & m(DAY) != 0 && !(1..=31).contains(&tm.mday) {
        return Err(Refusal::FieldOverflow);
    }
    if fmask & DATE_M == DATE_M && tm.mday > days_in_month(tm.year, tm.mon) {
        return Err(Refusal::FieldOverflow);
    }
    if let Some(pm) = mer {
        if tm.hour > 12 {
            return Err(Refusal::FieldOverflow);
        }
        if !pm && tm.hour == 12 {
            tm.hour = 0;
        } else if pm && tm.hour != 12 {
            tm.hour += 12;
        }
    }
    if fmask & DATE_M != DATE_M {
        return Err(Refusal::BadFormat);
    }
    // A DST modifier with a full zone name, or with no zone at all.
    if fmask & m(DTZMOD) != 0 && (named_tz || fmask & m(TZ) == 0) {
        return Err(Refusal::BadFormat);
    }
    Ok(Decoded::Date(tm))
}

/// `tm2timestamp` without a zone: microseconds since 2000-01-01, in range.
fn tm2timestamp(tm: &Tm) -> Step<i64> {
    let valid_julian = (tm.year > -4713 || (tm.year == -4713 && tm.mon >= 11))
        && (tm.year < 5_874_898 || (tm.year == 5_874_898 && tm.mon < 6));
    if !valid_julian {
        return Err(Refusal::OutOfRange);
    }
    let date = date2j(tm.year, tm.mon, tm.mday) - POSTGRES_EPOCH_JDATE;
    let time = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * 1_000_000 + tm.fsec;
    let t = date
        .checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(time))
        .ok_or(Refusal::OutOfRange)?;
    if !(MIN_TIMESTAMP..END_TIMESTAMP).contains(&t) {
        return Err(Refusal::OutOfRange);
    }
    Ok(t)
}

/// PostgreSQL's `timestamp_in` of `text` (`now` the transaction's time, microseconds since
/// 2000-01-01): the value, or the error pgx reports ([`pg_error`]).
pub fn timestamp_in(text: &str, now: i64) -> Result<i64, String> {
    let refused = |r: Refusal| match r {
        Refusal::BadFormat => pg_error(
            SqlState::InvalidDatetimeFormat,
            format_args!("invalid input syntax for type timestamp: \"{text}\""),
        ),
        Refusal::FieldOverflow => pg_error(
            SqlState::DatetimeFieldOverflow,
            format_args!("date/time field value out of range: \"{text}\""),
        ),
        Refusal::TzDispOverflow => pg_error(
            SqlState::InvalidTimeZoneDisplacementValue,
            format_args!("time zone displacement out of range: \"{text}\""),
        ),
        Refusal::BadTimezone(zone) => pg_error(
            SqlState::InvalidParameterValue,
            format_args!("time zone \"{zone}\" not recognized"),
        ),
        Refusal::OutOfRange => pg_error(
            SqlState::DatetimeFieldOverflow,
            format_args!("timestamp out of range: \"{text}\""),
        ),
    };
    let decoded = parse_fields(text)
        .and_then(|fields| decode(&fields, now))
        .map_err(refused)?;
    match decoded {
        Decoded::Date(tm) => tm2timestamp(&tm).map_err(refused),
        Decoded::Epoch => Ok((UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY),
        Decoded::Late => Ok(i64::MAX),
        Decoded::Early => Ok(i64::MIN),
    }
}

/// Now, as PostgreSQL's transaction time: microseconds since 2000-01-01 UTC.
pub fn now() -> i64 {
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    since_unix + (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY
}

/// An answer's RFC 3339 time (`2024-05-01T10:00:00.000Z`, `0001-01-01T00:00:00Z`, as the
/// simulator keeps them, in UTC like the rows Harbor writes) as microseconds since
/// 2000-01-01; a zone offset other than `Z` is applied.
pub fn from_rfc3339(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0')))
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut fsec = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = &t[start..i];
        let padded = format!("{digits:0<6}");
        fsec = padded[..6].parse().ok()?;
    }
    let offset = match &t[i..] {
        "Z" | "" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60) * 1_000_000
        }
        _ => return None,
    };
    let date = date2j(y, mo, d) - POSTGRES_EPOCH_JDATE;
    Some(date * USECS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1_000_000 + fsec - offset)
}

/// PostgreSQL's text of a timestamp (`timestamp_out` with `DateStyle` ISO):
/// `2024-01-31 12:00:00`, the fraction's trailing zeros dropped, ` BC` before year 1.
pub fn output(t: i64) -> String {
    match t {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    let (y, mo, d) = j2date(t.div_euclid(USECS_PER_DAY) + POSTGRES_EPOCH_JDATE);
    let time = t.rem_euclid(USECS_PER_DAY);
    let (h, mi, s, f) = (
        time / 3_600_000_000,
        time / 60_000_000 % 60,
        time / 1_000_000 % 60,
        time % 1_000_000,
    );
    let (year, era) = if y <= 0 { (1 - y, " BC") } else { (y, "") };
    let mut out = format!("{year:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if f != 0 {
        out.push_str(format!(".{f:06}").trim_end_matches('0'));
    }
    out.push_str(era);
    out
}

/// beego's `getFlatParams` for a string argument of a `time.Time` column (a datetime
/// field): the first 19 characters read as `2006-01-02 15:04:05`, else (10 or more
/// characters) the first 10 as `2006-01-02`, else the first 8 as `15:04:05` (on the zero
/// date, year 0000), by Go's `time.ParseInLocation`; what reads is rewritten as
/// `2006-01-02 15:04:05` (UTC both ways: Harbor's containers and database run in UTC), so
/// the rest of the text is dropped; what does not read goes on unchanged.
pub fn beego_datetime_arg(v: &str) -> String {
    let b = v.as_bytes();
    let parsed = if b.len() >= 19 {
        go_parse(&b[..19], true, true)
    } else if b.len() >= 10 {
        go_parse(&b[..10], true, false)
    } else {
        go_parse(&b[..b.len().min(8)], false, true)
    };
    match parsed {
        Some((y, mo, d, h, mi, s)) => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        None => v.to_owned(),
    }
}

/// Go's `time.Parse` of the layouts `2006-01-02 15:04:05`, `2006-01-02` and `15:04:05`: a
/// four-digit year, two-digit month, day, minute and second, a one- or two-digit hour, the
/// layout's space matching one or more spaces, fields in range, nothing left over.
fn go_parse(s: &[u8], date: bool, time: bool) -> Option<(i64, i64, i64, i64, i64, i64)> {
    let mut i = 0;
    let two = |i: &mut usize| -> Option<i64> {
        let d = s.get(*i..*i + 2)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *i += 2;
        Some(i64::from(d[0] - b'0') * 10 + i64::from(d[1] - b'0'))
    };
    let lit = |i: &mut usize, c: u8| -> Option<()> { (s.get(*i) == Some(&c)).then(|| *i += 1) };
    let (mut y, mut mo, mut d) = (0, 1, 1);
    if date {
        let yd = s.get(0..4)?;
        if !yd.iter().all(u8::is_ascii_digit) {
            return None;
        }
        y = std::str::from_utf8(yd).ok()?.parse().ok()?;
        i = 4;
        lit(&mut i, b'-')?;
        mo = two(&mut i)?;
        if !(1..=12).contains(&mo) {
            return None;
        }
        lit(&mut i, b'-')?;
        d = two(&mut i)?;
        if time {
            // The layout's space: one or more spaces, or none at the end.
            if i < s.len() && s[i] != b' ' {
                return None;
            }
            while s.get(i) == Some(&b' ') {
                i += 1;
            }
        }
    }
    let (mut h, mut mi, mut sec) = (0, 0, 0);
    if time {
        let first = *s.get(i).filter(|c| c.is_ascii_digit())?;
        h = i64::from(first - b'0');
        i += 1;
        if let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
            h = h * 10 + i64::from(c - b'0');
            i += 1;
        }
        if h >= 24 {
            return None;
        }
        lit(&mut i, b':')?;
        mi = two(&mut i)?;
        if mi >= 60 {
            return None;
        }
        lit(&mut i, b':')?;
        sec = two(&mut i)?;
        if sec >= 60 {
            return None;
        }
    }
    if i != s.len() || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    Some((y, mo, d, h, mi, sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Result<i64, String> {
        timestamp_in(text, 0)
    }

    fn at(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
        (date2j(y, mo, d) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY
            + ((h * 60 + mi) * 60 + s) * 1_000_000
    }

    #[test]
    fn accepts_postgresqls_forms() {
        let noon = at(2024, 1, 31, 12, 0, 0);
        for form in [
            "2024-01-31 12:00:00",
            "2024-01-31T12:00:00",
            "2024-01-31T12:00:00Z",
            "2024-01-31 12:00:00+05:30",
            "2024-01-31 12:00:00 UTC",
            "2024-01-31 12:00 GMT",
            "20240131T120000",
            "20240131 120000",
            "Jan 31 2024 12:00",
            "31-Jan-2024 12:00:00",
            "January 31, 2024 12:00:00",
            "1/31/2024 12:00",
            "2024-01-31 12:00:00 America/New_York",
            "Wed Jan 31 12:00:00 2024",
            "2024-01-31 12:00:00 pm",
            "2024.031 12:00",
            "01-31-24 12:00",
        ] {
            assert_eq!(ts(form), Ok(noon), "{form}");
        }
        assert_eq!(ts("2024-01-31"), Ok(at(2024, 1, 31, 0, 0, 0)));
        assert_eq!(ts("2024-01-31 12:00:00.5"), Ok(noon + 500_000));
        assert_eq!(ts("epoch"), Ok(at(1970, 1, 1, 0, 0, 0)));
        assert_eq!(ts("infinity"), Ok(i64::MAX));
        assert_eq!(ts("-infinity"), Ok(i64::MIN));
        assert_eq!(ts("today"), Ok(0));
        assert_eq!(ts("tomorrow"), Ok(USECS_PER_DAY));
        assert_eq!(ts("yesterday allballs"), Ok(-USECS_PER_DAY));
        assert_eq!(ts("now"), Ok(0));
        assert_eq!(ts("2024-01-31 24:00:00"), Ok(at(2024, 2, 1, 0, 0, 0)));
        assert_eq!(ts("Mar 15 44 BC"), Ok(at(-43, 3, 15, 0, 0, 0)));
    }

    #[test]
    fn refuses_with_postgresqls_messages() {
        let syntax = |t: &str| {
            format!("ERROR: invalid input syntax for type timestamp: \"{t}\" (SQLSTATE 22007)")
        };
        let range = |t: &str| {
            format!("ERROR: date/time field value out of range: \"{t}\" (SQLSTATE 22008)")
        };
        for bad in [
            "abc",
            "",
            "2024",
            "12:00",
            "2024-01-31 12:00 xyz",
            "2024-01-31T",
        ] {
            assert_eq!(ts(bad), Err(syntax(bad)), "{bad}");
        }
        for bad in [
            "2024-13-01",
            "2024-02-30",
            "2023-02-29",
            "2024-01-31 25:00",
            "0000-01-01",
            "24-01-31",
        ] {
            assert_eq!(ts(bad), Err(range(bad)), "{bad}");
        }
        assert_eq!(
            ts("2024-01-31 12:00+16"),
            Err("ERROR: time zone displacement out of range: \"2024-01-31 12:00+16\" (SQLSTATE 22009)".into())
        );
        assert_eq!(
            ts("2024-01-31 12:00 Mars/Olympus"),
            Err("ERROR: time zone \"mars/olympus\" not recognized (SQLSTATE 22023)".into())
        );
    }

    #[test]
    fn beego_rewrites_what_go_reads() {
        assert_eq!(beego_datetime_arg("2024-01-01"), "2024-01-01 00:00:00");
        assert_eq!(
            beego_datetime_arg("2024-01-01T10:00"),
            "2024-01-01 00:00:00"
        );
        assert_eq!(
            beego_datetime_arg("2024-01-01 10:00:00.5+02"),
            "2024-01-01 10:00:00"
        );
        assert_eq!(
            beego_datetime_arg("2024-01-01T10:00:00Z"),
            "2024-01-01T10:00:00Z"
        );
        assert_eq!(beego_datetime_arg("10:00:00"), "0000-01-01 10:00:00");
        assert_eq!(beego_datetime_arg("2024-13-01"), "2024-13-01");
        assert_eq!(beego_datetime_arg("Jan 1 2024"), "Jan 1 2024");
    }

    #[test]
    fn output_is_iso_text() {
        assert_eq!(
            output(at(2024, 1, 31, 12, 0, 0) + 500_000),
            "2024-01-31 12:00:00.5"
        );
        assert_eq!(output(at(-43, 3, 15, 0, 0, 0)), "0044-03-15 00:00:00 BC");
    }

    /// PostgreSQL's own day numbering (`date2j`, `j2date`, ported as they are) and the
    /// simulator's calendar (`calendar.rs`) are two codings of one Gregorian calendar: every
    /// day from the Julian period's first (4714-11-24 BC) to 9999-12-31, then every 997th day
    /// to PostgreSQL's last timestamp date (294276-12-31), must get the same number from both
    /// and the same date back.
    #[test]
    fn postgresqls_day_numbers_agree_with_the_calendar() {
        use crate::calendar::{civil_from_days, days_from_civil};
        let to_unix_days = |jd: i64| jd - UNIX_EPOCH_JDATE;
        assert_eq!(j2date(0), (-4713, 11, 24));
        // PostgreSQL's `TIMESTAMP_END_JULIAN` is the day after the last date, 294277-01-01.
        assert_eq!(date2j(294_277, 1, 1), 109_203_528);
        let last_of_9999 = date2j(9999, 12, 31);
        let every_day = 0..=last_of_9999;
        let then_samples = (last_of_9999..=date2j(294_276, 12, 31)).step_by(997);
        let mut checked = 0u64;
        for jd in every_day.chain(then_samples) {
            let (year, month, day) = j2date(jd);
            assert_eq!(date2j(year, month, day), jd, "date2j(j2date({jd}))");
            let (month, day) = (month as u32, day as u32);
            assert_eq!(
                civil_from_days(to_unix_days(jd)),
                (year, month, day),
                "jd {jd}"
            );
            assert_eq!(
                days_from_civil(year, month, day),
                to_unix_days(jd),
                "jd {jd}"
            );
            checked += 1;
        }
        assert!(checked > 5_000_000, "{checked} days checked");
    }

    #[test]
    fn answers_times_read_back() {
        assert_eq!(
            from_rfc3339("2024-01-31T12:00:00.000Z"),
            Some(at(2024, 1, 31, 12, 0, 0))
        );
        assert_eq!(
            from_rfc3339("0001-01-01T00:00:00Z"),
            Some(at(1, 1, 1, 0, 0, 0))
        );
        assert_eq!(
            from_rfc3339("2024-01-31T14:00:00.5+02:00"),
            Some(at(2024, 1, 31, 12, 0, 0) + 500_000)
        );
    }
}
