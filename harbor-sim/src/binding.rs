//! How the go-swagger layer in front of Harbor turns raw request text into parameter values,
//! before any validation: Go's query-string and path decoding (`net/url`), go-openapi's
//! conversions (`swag.ConvertBool`, `swag.ConvertInt64`, `swag.SplitByFormat`) and the `%q`
//! quoting of go-openapi's error messages. Harbor pins go-openapi `runtime` v0.32.2, `swag`
//! v0.23.1, `errors` v0.22.7 and generates its binders with go-swagger v0.33.1
//! (`src/go.mod`, `Makefile`); `CONFORMANCE.md` lists each rule with its source.
//!
//! These are pure functions of text; [`crate::validate`] applies them to an operation's
//! parameters and [`crate::context::Ctx`] hands the bound values to handlers.

/// Splits a raw query string into decoded pairs as Go's `url.ParseQuery` does (go-openapi
/// reads `r.URL.Query()`, which drops the pairs `ParseQuery` rejects): pairs are separated by
/// `&` only; a pair holding a `;` is dropped, and so is a pair whose key or value has a
/// malformed `%` escape; `+` is a space; an empty pair is skipped; a pair without `=` has an
/// empty value.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty() && !pair.contains(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((query_unescape(k)?, query_unescape(v)?))
        })
        .collect()
}

/// Go's `url.QueryUnescape`: `%XX` decoded, `+` as a space; `None` when a `%` is not followed
/// by two hex digits (Go's `EscapeError`).
pub fn query_unescape(s: &str) -> Option<String> {
    unescape(s, true)
}

/// Go's `url.PathUnescape`: `%XX` decoded, `+` kept; `None` on a malformed escape.
pub fn path_unescape(s: &str) -> Option<String> {
    unescape(s, false)
}

fn unescape(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                // `from_str_radix` takes a sign; Go's unhex takes only hex digits.
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Go strings hold any bytes; a value that is not UTF-8 is kept as close as Rust can.
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// go-openapi's `swag.ConvertBool` (v0.23.1, `convert.go`): true for `true`, `1`, `yes`,
/// `ok`, `y`, `on`, `selected`, `checked`, `t`, `enabled` in any case, false for anything
/// else. It never fails, so a boolean parameter never fails binding.
pub fn convert_bool(value: &str) -> bool {
    const TRUE: [&str; 10] = [
        "true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled",
    ];
    TRUE.iter().any(|t| t.eq_ignore_ascii_case(value))
}

/// go-openapi's `swag.ConvertInt64`/`ConvertInt32` (`strconv.ParseInt(s, 10, bits)`): an
/// optional sign and decimal digits that fit `bits`; no spaces, no underscores, no `0x`.
pub fn convert_int(value: &str, bits: u32) -> Option<i64> {
    let n: i64 = value.parse().ok()?;
    let limit = 1i128 << (bits - 1);
    (i128::from(n) >= -limit && i128::from(n) < limit).then_some(n)
}

/// go-openapi's `swag.SplitByFormat` (v0.23.1, `util.go`): a collection-format value split
/// by `,` (`csv`, and any unknown format), ` ` (`ssv`), tab (`tsv`) or `|` (`pipes`); each
/// item trimmed, empty items dropped. `multi` gives nothing here: its binder takes every
/// repeated parameter as one item instead.
pub fn split_by_format(data: &str, format: &str) -> Vec<String> {
    let sep = match format {
        "ssv" => ' ',
        "tsv" => '\t',
        "pipes" => '|',
        "multi" => return Vec::new(),
        _ => ',',
    };
    data.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Go's `%q` of a string (`strconv.Quote`), as go-openapi's `must be of type %s: %q` prints
/// the offending value: `"` and `\` escaped, `\a \b \f \n \r \t \v`, other control bytes as
/// `\x..`, other non-printable characters as `\u....`; printable Unicode as is.
pub fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_split_as_go_does() {
        let pairs = parse_query("a=1&b=x+y&c=%41&&d&e=%zz&f=1;g=2&h=%2&=v&a=2");
        assert_eq!(
            pairs,
            [
                ("a", "1"),
                ("b", "x y"),
                ("c", "A"),
                ("d", ""),
                ("", "v"),
                ("a", "2")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn unescaping_as_go() {
        assert_eq!(query_unescape("a%2Bb+c").as_deref(), Some("a+b c"));
        assert_eq!(path_unescape("a%2Bb+c").as_deref(), Some("a+b+c"));
        assert_eq!(query_unescape("%"), None);
        assert_eq!(query_unescape("%+1"), None, "a sign is no hex digit");
        assert_eq!(query_unescape("%e2%82%ac").as_deref(), Some("€"));
    }

    #[test]
    fn booleans_never_fail() {
        for yes in [
            "True", "TRUE", "1", "Yes", "ok", "Y", "on", "SELECTED", "checked", "t",
        ] {
            assert!(convert_bool(yes), "{yes}");
        }
        for no in ["False", "0", "no", "nope", "2", "", "truee"] {
            assert!(!convert_bool(no), "{no}");
        }
    }

    #[test]
    fn integers_by_bit_size() {
        assert_eq!(convert_int("+7", 64), Some(7));
        assert_eq!(convert_int("-0", 64), Some(0));
        assert_eq!(convert_int("2147483648", 32), None);
        assert_eq!(convert_int("-2147483648", 32), Some(-2_147_483_648));
        for bad in [" 1", "1_000", "0x10", "1.0", "1e3", ""] {
            assert_eq!(convert_int(bad, 64), None, "{bad}");
        }
    }

    #[test]
    fn collection_formats() {
        assert_eq!(split_by_format(" a, ,b ,", "csv"), ["a", "b"]);
        assert_eq!(split_by_format("a b", "ssv"), ["a", "b"]);
        assert_eq!(split_by_format("a\tb", "tsv"), ["a", "b"]);
        assert_eq!(split_by_format("a|b", "pipes"), ["a", "b"]);
        assert!(split_by_format("a,b", "multi").is_empty());
        assert!(split_by_format("", "csv").is_empty());
    }

    #[test]
    fn quoting_as_go_percent_q() {
        assert_eq!(go_quote("x"), r#""x""#);
        assert_eq!(go_quote("a\"b\\"), r#""a\"b\\""#);
        assert_eq!(go_quote("\u{1}\n\u{7f}"), r#""\x01\n\x7f""#);
        assert_eq!(go_quote("\u{85}é"), "\"\\u0085é\"");
    }
}
