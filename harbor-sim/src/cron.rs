//! Harbor's cron strings: robfig/cron v3.0.1's `Parser.Parse` with the options Harbor's
//! `utils.CronParser` gives it (seconds, minutes, hours, day of month, month, day of week:
//! exactly six fields, no descriptors), and `utils.ValidateCronString` on top of it
//! (`src/common/utils/utils.go`). Every refusal carries robfig's or Harbor's error text
//! word for word, so a client sees what Harbor says of a bad field.
//!
//! A `TZ=`/`CRON_TZ=` prefix's zone is looked up in tzdata 2025b's names, as Go reads the
//! zone directory of Harbor's image ([`crate::tz_names`]). Not simulated: Go's
//! `strconv.Quote` of characters it escapes that are no control characters (format
//! characters) in an unparsable number.

use crate::binding::go_quote;
use crate::errors::{ApiError, ApiResult};

/// The bit robfig adds to a field written `*` or `?` (without a step over 1): it makes the
/// two day fields match together rather than either (`dayMatches`).
const STAR_BIT: u64 = 1 << 63;

/// A field's range of values and the names it takes (`spec.go`'s `bounds`).
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const MONTH_NAMES: &[(&str, u64)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

const DAY_NAMES: &[(&str, u64)] = &[
    ("sun", 0),
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
];

/// The six fields in robfig's order: seconds, minutes, hours, day of month, month, day of
/// week.
const FIELDS: [Bounds; 6] = [
    Bounds {
        min: 0,
        max: 59,
        names: &[],
    },
    Bounds {
        min: 0,
        max: 59,
        names: &[],
    },
    Bounds {
        min: 0,
        max: 23,
        names: &[],
    },
    Bounds {
        min: 1,
        max: 31,
        names: &[],
    },
    Bounds {
        min: 1,
        max: 12,
        names: MONTH_NAMES,
    },
    Bounds {
        min: 0,
        max: 6,
        names: DAY_NAMES,
    },
];

/// A parsed cron: per field (robfig's order) the set of values it names, as bits, with
/// [`STAR_BIT`] for `*` or `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CronSpec {
    fields: [u64; 6],
}

impl CronSpec {
    /// Whether `field` (0 seconds to 5 day of week) names the value `v`.
    pub(crate) fn has(&self, field: usize, v: u32) -> bool {
        v < 63 && self.fields[field] & (1 << v) != 0
    }

    /// Whether the day of month or the day of week was written `*` or `?`: then a day must
    /// match both, else either (robfig's `dayMatches`).
    pub(crate) fn any_day(&self) -> bool {
        (self.fields[3] | self.fields[5]) & STAR_BIT != 0
    }
}

/// Why a cron string is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CronRefusal {
    /// robfig's or Harbor's error text.
    Error(String),
    /// A `TZ=` or `CRON_TZ=` prefix with no space after it: robfig slices the spec up to
    /// the space it does not find (`spec[eq+1 : i]` with `i` -1) and panics, so Harbor
    /// answers beego's bare 500 ([`CronRefusal::panic`]).
    NoSpaceAfterZone,
}

impl CronRefusal {
    /// The bare 500 of robfig's panic on a zone prefix without a space, which beego
    /// recovers (see [`ApiError::panicked`]).
    pub(crate) fn panic(spec: &str) -> ApiError {
        ApiError::panicked(format!(
            "runtime error: slice bounds out of range [:-1] (cron {spec:?})"
        ))
    }
}

impl From<String> for CronRefusal {
    fn from(text: String) -> Self {
        CronRefusal::Error(text)
    }
}

/// robfig's `Parser.Parse` with Harbor's options: the fields as sets of values, or robfig's
/// error.
pub(crate) fn parse(spec: &str) -> Result<CronSpec, CronRefusal> {
    if spec.is_empty() {
        return Err("empty spec string".to_owned().into());
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let Some(space) = spec.find(' ') else {
            return Err(CronRefusal::NoSpaceAfterZone);
        };
        // The prefixes hold the first `=`, before any space.
        let equals = spec.find('=').unwrap_or(0);
        check_location(&spec[equals + 1..space])?;
        spec = spec[space..].trim();
    }
    if spec.starts_with('@') {
        return Err(format!("parser does not accept descriptors: {spec}").into());
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "expected exactly 6 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        )
        .into());
    }
    let mut bits = [0u64; 6];
    for ((field, bounds), out) in fields.iter().zip(&FIELDS).zip(&mut bits) {
        *out = field_bits(field, bounds)?;
    }
    Ok(CronSpec { fields: bits })
}

/// `time.LoadLocation`'s refusals of a zone name, in robfig's wording (`provided bad
/// location <name>: <error>`): a name holding `..` or starting with a slash; then the zone
/// file `<zoneinfo>/<name>` as Go opens and reads it in Harbor's image (tzdata installed,
/// [`crate::tz_names`]): a directory, a path through a file, a file that is no zone, or no
/// such file (`unknown time zone <name>`).
fn check_location(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "UTC" || name == "Local" {
        return Ok(());
    }
    let refuse = |why: &str| Err(format!("provided bad location {name}: {why}"));
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return refuse("time: invalid location name");
    }
    match zone_file(name) {
        ZoneFile::Zone => Ok(()),
        ZoneFile::Directory => refuse("is a directory"),
        ZoneFile::ThroughAFile => refuse("not a directory"),
        ZoneFile::NoZone => refuse("malformed time zone information"),
        ZoneFile::Missing => refuse(&format!("unknown time zone {name}")),
        ZoneFile::BadPath => refuse("invalid argument"),
    }
}

/// What opening and reading `<zoneinfo>/<name>` finds.
enum ZoneFile {
    /// A zone's file.
    Zone,
    /// A directory (`EISDIR` on read).
    Directory,
    /// A path continuing past a file (`ENOTDIR`).
    ThroughAFile,
    /// One of tzdata's other files, whose content is no zone.
    NoZone,
    /// Nothing there (`ENOENT` in every place Go looks).
    Missing,
    /// A name the system call refuses (a NUL byte: `EINVAL`).
    BadPath,
}

/// Resolves a zone name as the kernel resolves the path: empty and `.` components skipped,
/// a trailing `/` or `/.` asking for a directory.
fn zone_file(name: &str) -> ZoneFile {
    if name.contains('\0') {
        return ZoneFile::BadPath;
    }
    let wants_directory = matches!(name.rsplit('/').next(), Some("" | "."));
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let is_file = |path: &str| {
        crate::tz_names::ZONES.binary_search(&path).is_ok()
            || crate::tz_names::DATA_FILES.contains(&path)
    };
    let is_directory = |path: &str| {
        crate::tz_names::ZONES.iter().any(|z| {
            z.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    for i in 0..parts.len() {
        let path = parts[..=i].join("/");
        let last = i + 1 == parts.len();
        if is_file(&path) {
            return if !last || wants_directory {
                ZoneFile::ThroughAFile
            } else if crate::tz_names::DATA_FILES.contains(&path.as_str()) {
                ZoneFile::NoZone
            } else {
                ZoneFile::Zone
            };
        }
        if !is_directory(&path) {
            return ZoneFile::Missing;
        }
    }
    // Every component a directory (or none at all: the zone directory itself).
    ZoneFile::Directory
}

/// robfig's `getField`: a comma-separated list of ranges (empty items skipped), their
/// values OR-ed.
fn field_bits(field: &str, bounds: &Bounds) -> Result<u64, String> {
    field
        .split(',')
        .filter(|range| !range.is_empty())
        .try_fold(0, |bits, range| Ok(bits | range_bits(range, bounds)?))
}

/// robfig's `getRange`: `*`, `?`, a number or name, `a-b`, each with an optional `/step`
/// (`n/step` runs to the field's maximum); its checks in its order.
fn range_bits(expr: &str, bounds: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (start, end, extra) = (bounds.min, bounds.max, STAR_BIT);
    } else {
        start = int_or_name(low_and_high[0], bounds.names)?;
        end = match low_and_high.len() {
            1 => start,
            2 => int_or_name(low_and_high[1], bounds.names)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = non_negative_int(range_and_step[1])?;
            if single {
                end = bounds.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < bounds.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            bounds.min
        ));
    }
    if end > bounds.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            bounds.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = extra;
    let mut value = start;
    while value <= end {
        bits |= 1 << value;
        match value.checked_add(step) {
            Some(next) => value = next,
            None => break,
        }
    }
    Ok(bits)
}

/// robfig's `parseIntOrName`: a field's name in any case, else a number.
fn int_or_name(expr: &str, names: &[(&str, u64)]) -> Result<u64, String> {
    let lower = expr.to_lowercase();
    match names.iter().find(|(name, _)| *name == lower) {
        Some((_, value)) => Ok(*value),
        None => non_negative_int(expr),
    }
}

/// robfig's `mustParseInt`: Go's `strconv.Atoi`, refusing a negative number.
fn non_negative_int(expr: &str) -> Result<u64, String> {
    let n = go_atoi(expr).map_err(|why| {
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: {why}",
            go_quote(expr)
        )
    })?;
    u64::try_from(n).map_err(|_| format!("negative number ({n}) not allowed: {expr}"))
}

/// Go's `strconv.Atoi` on a 64-bit platform: an optional sign and decimal digits only;
/// the error's reason (`invalid syntax`, or `value out of range` as soon as the digits read
/// so far overflow).
fn go_atoi(s: &str) -> Result<i64, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    const RANGE: &str = "value out of range";
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(SYNTAX);
    }
    let mut n: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return Err(SYNTAX);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(byte - b'0')))
            .ok_or(RANGE)?;
    }
    if negative {
        0i64.checked_sub_unsigned(n).ok_or(RANGE)
    } else {
        i64::try_from(n).map_err(|_| RANGE)
    }
}

/// Harbor's `utils.ValidateCronString`: not empty, robfig's parse, and with exactly six
/// space-separated parts (split at single spaces, as Harbor does) a first one of `0`.
pub(crate) fn validate_cron_string(cron: &str) -> Result<(), CronRefusal> {
    if cron.is_empty() {
        return Err("empty cron string is invalid".to_owned().into());
    }
    parse(cron)?;
    let parts: Vec<&str> = cron.split(' ').collect();
    if parts.len() == 6 && parts[0] != "0" {
        return Err(
            "the 1st field (indicating Seconds of time) of the cron setting must be 0"
                .to_owned()
                .into(),
        );
    }
    Ok(())
}

/// The 400 Harbor's handlers answer for a cron [`validate_cron_string`] refuses: `invalid
/// cron string for scheduled <what>: <cron>, error: <error>`; or the bare 500 of robfig's
/// panic ([`CronRefusal::NoSpaceAfterZone`]).
pub(crate) fn check_scheduled_cron(what: &str, cron: &str) -> ApiResult<()> {
    validate_cron_string(cron).map_err(|refusal| match refusal {
        CronRefusal::Error(text) => ApiError::bad_request(format!(
            "invalid cron string for scheduled {what}: {cron}, error: {text}"
        )),
        CronRefusal::NoSpaceAfterZone => CronRefusal::panic(cron),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `ValidateCronString` answers for each cron: `None` when it takes it.
    #[test]
    fn refusals_are_robfigs_and_harbors_texts() {
        let cases: &[(&str, Option<&str>)] = &[
            ("0 0 0 * * *", None),
            ("0 */15 * * * *", None),
            ("0 0 9 * * MON-fri", None),
            ("0 0 0 1 jan,Jul ?", None),
            ("0 0 0 ? * 0/2", None),
            ("0 +5 0 * * *", None),
            ("0 ,, 0 * * *", None),
            ("0 *-7 0 * * *", None),
            ("0 5/70 0 * * *", None),
            ("0\t0 0 * * *", None),
            (" 1 0 0 * * *", None),
            ("TZ=UTC 0 0 0 * * *", None),
            ("CRON_TZ=Europe/Berlin 0 0 0 * * *", None),
            ("TZ=Local 0 0 0 * * *", None),
            ("TZ= 0 0 0 * * *", None),
            ("TZ=Europe//Berlin 0 0 0 * * *", None),
            (
                "TZ=Mars/Olympus 0 0 0 * * *",
                Some("provided bad location Mars/Olympus: unknown time zone Mars/Olympus"),
            ),
            (
                "TZ=utc 0 0 0 * * *",
                Some("provided bad location utc: unknown time zone utc"),
            ),
            (
                "TZ=Europe 0 0 0 * * *",
                Some("provided bad location Europe: is a directory"),
            ),
            (
                "TZ=UTC/x 0 0 0 * * *",
                Some("provided bad location UTC/x: not a directory"),
            ),
            (
                "TZ=Europe/Berlin/ 0 0 0 * * *",
                Some("provided bad location Europe/Berlin/: not a directory"),
            ),
            (
                "TZ=zone.tab 0 0 0 * * *",
                Some("provided bad location zone.tab: malformed time zone information"),
            ),
            ("", Some("empty cron string is invalid")),
            (
                "0 0 0 * *",
                Some("expected exactly 6 fields, found 5: [0 0 0 * *]"),
            ),
            (
                "0  0 0 * * * *",
                Some("expected exactly 6 fields, found 7: [0 0 0 * * * *]"),
            ),
            ("@daily", Some("parser does not accept descriptors: @daily")),
            (
                "TZ=UTC @every 1h",
                Some("parser does not accept descriptors: @every 1h"),
            ),
            (
                " @daily",
                Some("expected exactly 6 fields, found 1: [@daily]"),
            ),
            (
                "TZ=../etc 0 0 0 * * *",
                Some("provided bad location ../etc: time: invalid location name"),
            ),
            ("TZ=UTC ", Some("expected exactly 6 fields, found 0: []")),
            (
                "1 0 0 * * *",
                Some("the 1st field (indicating Seconds of time) of the cron setting must be 0"),
            ),
            (
                "*/5 0 0 * * *",
                Some("the 1st field (indicating Seconds of time) of the cron setting must be 0"),
            ),
            (
                "0 60 0 * * *",
                Some("end of range (60) above maximum (59): 60"),
            ),
            (
                "0 0 24 * * *",
                Some("end of range (24) above maximum (23): 24"),
            ),
            (
                "0 0 0 0 * *",
                Some("beginning of range (0) below minimum (1): 0"),
            ),
            (
                "0 0 0 * 13 *",
                Some("end of range (13) above maximum (12): 13"),
            ),
            ("0 0 0 * * 7", Some("end of range (7) above maximum (6): 7")),
            (
                "0 0 0 * 0-3 *",
                Some("beginning of range (0) below minimum (1): 0-3"),
            ),
            (
                "0 10-5 0 * * *",
                Some("beginning of range (10) beyond end of range (5): 10-5"),
            ),
            (
                "0 0 0 * dec-jan *",
                Some("beginning of range (12) beyond end of range (1): dec-jan"),
            ),
            ("0 1-2-3 0 * * *", Some("too many hyphens: 1-2-3")),
            ("0 */2/3 0 * * *", Some("too many slashes: */2/3")),
            (
                "0 */0 0 * * *",
                Some("step of range should be a positive number: */0"),
            ),
            (
                "0 */-1 0 * * *",
                Some("negative number (-1) not allowed: -1"),
            ),
            (
                "0 x 0 * * *",
                Some(r#"failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax"#),
            ),
            (
                "0 0 0 L * *",
                Some(r#"failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax"#),
            ),
            (
                "0 -5 0 * * *",
                Some(r#"failed to parse int from : strconv.Atoi: parsing "": invalid syntax"#),
            ),
            (
                "0 0 0 * * monday",
                Some(
                    r#"failed to parse int from monday: strconv.Atoi: parsing "monday": invalid syntax"#,
                ),
            ),
            (
                "0 0 0 * jan-foo *",
                Some(
                    r#"failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax"#,
                ),
            ),
            (
                "0 */x 0 * * *",
                Some(r#"failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax"#),
            ),
            (
                "0 99999999999999999999 0 * * *",
                Some(
                    r#"failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
                ),
            ),
            (
                "0 9223372036854775808 0 * * *",
                Some(
                    r#"failed to parse int from 9223372036854775808: strconv.Atoi: parsing "9223372036854775808": value out of range"#,
                ),
            ),
            (
                "0 9223372036854775807 0 * * *",
                Some("end of range (9223372036854775807) above maximum (59): 9223372036854775807"),
            ),
            (
                "0 */-9223372036854775808 0 * * *",
                Some("negative number (-9223372036854775808) not allowed: -9223372036854775808"),
            ),
            (
                "0 */-9223372036854775809 0 * * *",
                Some(
                    r#"failed to parse int from -9223372036854775809: strconv.Atoi: parsing "-9223372036854775809": value out of range"#,
                ),
            ),
            (
                "0 a\"b 0 * * *",
                Some(
                    r#"failed to parse int from a"b: strconv.Atoi: parsing "a\"b": invalid syntax"#,
                ),
            ),
            // The first bad field in robfig's order is the one named.
            (
                "0 70 25 * * *",
                Some("end of range (70) above maximum (59): 70"),
            ),
            // A later item of a list is checked too.
            (
                "0 1,2,61 0 * * *",
                Some("end of range (61) above maximum (59): 61"),
            ),
        ];
        for (cron, want) in cases {
            let got = match validate_cron_string(cron) {
                Ok(()) => None,
                Err(CronRefusal::Error(text)) => Some(text),
                Err(other) => panic!("{cron:?}: {other:?}"),
            };
            assert_eq!(got.as_deref(), *want, "{cron:?}");
        }
    }

    #[test]
    fn a_zone_without_a_space_is_robfigs_panic() {
        assert_eq!(
            validate_cron_string("TZ=UTC"),
            Err(CronRefusal::NoSpaceAfterZone)
        );
        let refused = check_scheduled_cron("gc", "CRON_TZ=UTC").unwrap_err();
        assert!(refused.panicked, "{refused:?}");
        assert_eq!(refused.status.as_u16(), 500);
        assert_eq!(
            check_scheduled_cron("gc", "0 0 0 * 13 *")
                .unwrap_err()
                .message,
            "invalid cron string for scheduled gc: 0 0 0 * 13 *, error: end of range (13) \
             above maximum (12): 13"
        );
    }

    #[test]
    fn stars_and_steps_set_robfigs_bits() {
        let spec = parse("0 */20 0 ? * 1").expect("a cron");
        assert!(spec.any_day(), "`?` is a star");
        assert!(spec.has(1, 0) && spec.has(1, 20) && spec.has(1, 40) && !spec.has(1, 30));
        // A step over 1 drops the star bit; both days restricted match either.
        assert!(!parse("0 0 0 */2 * 1").expect("a cron").any_day());
        assert!(parse("0 0 0 */1 * 1").expect("a cron").any_day());
        assert!(parse("0 0 0 5,* * 1").expect("a cron").any_day());
        // `n/step` runs to the field's maximum.
        let spec = parse("0 50/5 0 * * *").expect("a cron");
        assert!(spec.has(1, 50) && spec.has(1, 55) && !spec.has(1, 45));
    }
}
