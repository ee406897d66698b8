//! Go's `net/url` parser (`url.Parse`, `url.ParseRequestURI`) as far as Harbor's answers
//! depend on it: which addresses it refuses and with what text, and the scheme, host and path
//! it keeps. Harbor passes these errors through to clients (`utils.ParseEndpoint` for webhook
//! targets, `lib.ValidateHTTPURL` for registries and scanners), so their wording is Go's.
//!
//! Written from Go 1.26's `src/net/url/url.go` and `src/net/netip/netip.go` (Harbor builds
//! with `golang:1.26.4`, and its `go.mod` says `go 1.26.4`, so the `urlstrictcolons` default
//! is on: in an `http` or `https` host the first colon starts the port).
//!
//! Go strings are bytes; the simulator's are UTF-8, so a decoded `%ff` is kept as bytes and
//! shown lossily (Go's JSON encoder writes such a byte as U+FFFD too).

/// The parts of a parsed URL the simulator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoUrl {
    /// The scheme, lower-cased.
    pub scheme: String,
    /// `host[:port]`, percent-decoded.
    pub host: String,
    /// The path, percent-decoded.
    pub path: String,
}

/// `url.Parse`: the fragment cut off first; the error as Go's `*url.Error` prints it,
/// `parse "<url>": <reason>` (the URL Go-quoted, without its fragment unless the fragment
/// was the fault).
pub fn parse(raw: &str) -> Result<GoUrl, String> {
    let (u, frag) = match raw.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (raw, None),
    };
    let url = parse_inner(u.as_bytes(), false).map_err(|e| url_error(u, &e))?;
    if let Some(frag) = frag.filter(|f| !f.is_empty()) {
        unescape(frag.as_bytes(), Mode::Fragment).map_err(|e| url_error(raw, &e))?;
    }
    Ok(url)
}

/// `url.ParseRequestURI`: an absolute URI or an absolute path; no fragment is cut off.
pub fn parse_request_uri(raw: &str) -> Result<GoUrl, String> {
    parse_inner(raw.as_bytes(), true).map_err(|e| url_error(raw, &e))
}

/// `*url.Error`'s `Error()`: `%s %q: %s`.
fn url_error(url: &str, reason: &str) -> String {
    format!("parse {}: {reason}", quote_bytes(url.as_bytes()))
}

/// Go's `strconv.Quote` of a byte string: a byte that is no part of valid UTF-8 is `\x..`.
pub fn quote_bytes(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in s.utf8_chunks() {
        let quoted = crate::binding::go_quote(chunk.valid());
        out.push_str(&quoted[1..quoted.len() - 1]);
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape` for the modes the parser unescapes with.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
            // Host and zone fall through to "everything else": escaped.
            Mode::Host | Mode::Zone => true,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `unescape`: the first bad `%` escape is `invalid URL escape "<up to 3 bytes>"`; in a
/// host, an ASCII byte that needs escaping is `invalid character "<c>" in host name`, and
/// `%`-escapes of ASCII bytes other than `%25` are refused.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
    let escape_error = |b: &[u8]| format!("invalid URL escape {}", quote_bytes(b));
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if i + 2 >= s.len()
                    || !s[i + 1].is_ascii_hexdigit()
                    || !s[i + 2].is_ascii_hexdigit()
                {
                    let end = (i + 3).min(s.len());
                    return Err(escape_error(&s[i..end]));
                }
                let esc = &s[i..i + 3];
                if mode == Mode::Host && unhex(s[i + 1]) < 8 && esc != b"%25" {
                    return Err(escape_error(esc));
                }
                if mode == Mode::Zone {
                    let v = (unhex(s[i + 1]) << 4) | unhex(s[i + 2]);
                    if esc != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(escape_error(esc));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote_bytes(&s[i..=i])
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            out.push((unhex(s[i + 1]) << 4) | unhex(s[i + 2]));
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Go's `getScheme`: `[a-zA-Z][a-zA-Z0-9+.-]*` before a `:`; a leading `:` is an error.
fn get_scheme(raw: &[u8]) -> Result<(&[u8], &[u8]), String> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok((b"", raw)),
        }
    }
    Ok((b"", raw))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_inner(raw: &[u8], via_request: bool) -> Result<GoUrl, String> {
    if raw.iter().any(|&b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".into());
    }
    if raw == b"*" {
        return Ok(GoUrl {
            scheme: String::new(),
            host: String::new(),
            path: "*".into(),
        });
    }
    let (scheme, rest) = get_scheme(raw)?;
    let scheme = lossy(scheme).to_ascii_lowercase();
    let mut rest = if rest.ends_with(b"?") && rest.iter().filter(|&&b| b == b'?').count() == 1 {
        &rest[..rest.len() - 1]
    } else {
        rest.split(|&b| b == b'?').next().unwrap_or_default()
    };
    if !rest.starts_with(b"/") {
        if !scheme.is_empty() {
            // A rootless path after a scheme is opaque: no host, no path.
            return Ok(GoUrl {
                scheme,
                host: String::new(),
                path: String::new(),
            });
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        let segment = rest.split(|&b| b == b'/').next().unwrap_or_default();
        if segment.contains(&b':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    let mut host = Vec::new();
    if (!scheme.is_empty() || !via_request && !rest.starts_with(b"///")) && rest.starts_with(b"//")
    {
        let after = &rest[2..];
        let (authority, tail) = match after.iter().position(|&b| b == b'/') {
            Some(i) => after.split_at(i),
            None => (after, &b""[..]),
        };
        host = parse_authority(scheme.as_bytes(), authority)?;
        rest = tail;
    }
    let path = unescape(rest, Mode::Path)?;
    Ok(GoUrl {
        scheme,
        host: lossy(&host),
        path: lossy(&path),
    })
}

/// Go's `parseAuthority`: the host after the last `@` is checked first, then the user info.
fn parse_authority(scheme: &[u8], authority: &[u8]) -> Result<Vec<u8>, String> {
    let at = authority.iter().rposition(|&b| b == b'@');
    let host = parse_host(scheme, at.map_or(authority, |i| &authority[i + 1..]))?;
    if let Some(i) = at {
        let userinfo = &authority[..i];
        if !valid_userinfo(userinfo) {
            return Err("net/url: invalid userinfo".into());
        }
        match userinfo.iter().position(|&b| b == b':') {
            None => {
                unescape(userinfo, Mode::UserPassword)?;
            }
            Some(c) => {
                unescape(&userinfo[..c], Mode::UserPassword)?;
                unescape(&userinfo[c + 1..], Mode::UserPassword)?;
            }
        }
    }
    Ok(host)
}

/// RFC 3986's user info characters, and `@` (Go allows it), checked per character.
fn valid_userinfo(s: &[u8]) -> bool {
    String::from_utf8_lossy(s).chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

/// `^(:[0-9]*)?$`.
fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn invalid_port(port: &[u8]) -> String {
    format!("invalid port {} after host", quote_bytes(port))
}

/// Go's `parseHost`: an IP literal in brackets must be an IPv6 address (`netip.ParseAddr`);
/// otherwise what follows the port colon must be digits.
fn parse_host(scheme: &[u8], host: &[u8]) -> Result<Vec<u8>, String> {
    match host.iter().rposition(|&b| b == b'[') {
        Some(i) if i > 0 => return Err("invalid IP-literal".into()),
        Some(_) => {
            let Some(close) = host.iter().rposition(|&b| b == b']') else {
                return Err("missing ']' in host".into());
            };
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port) {
                return Err(invalid_port(colon_port));
            }
            let port = unescape(colon_port, Mode::Host)?;
            let hostname = &host[1..close];
            let mut name = match find(hostname, b"%25") {
                Some(z) => {
                    let mut h = unescape(&hostname[..z], Mode::Host)?;
                    h.extend(unescape(&hostname[z..], Mode::Zone)?);
                    h
                }
                None => unescape(hostname, Mode::Host)?,
            };
            match parse_addr(&name) {
                Err(e) => return Err(format!("invalid host: {e}")),
                Ok(Family::V4) => return Err("invalid IP-literal".into()),
                Ok(Family::V6) => {}
            }
            let mut out = b"[".to_vec();
            out.append(&mut name);
            out.push(b']');
            out.extend(port);
            return Ok(out);
        }
        None => {}
    }
    if let Some(first) = host.iter().position(|&b| b == b':') {
        let last = host.iter().rposition(|&b| b == b':').unwrap_or(first);
        // Go 1.26's strict colons hold for `http` and `https` only (go.dev/issue/75223,
        // 78077): other schemes keep the last colon as the port's.
        let i = if scheme == b"http" || scheme == b"https" {
            first
        } else {
            last
        };
        if !valid_optional_port(&host[i..]) {
            return Err(invalid_port(&host[i..]));
        }
    }
    unescape(host, Mode::Host)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The address family `netip.ParseAddr` found.
#[derive(Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// `netip.ParseAddr`'s error: `ParseAddr("<in>"): <msg>[ (at "<rest>")]`.
fn addr_error(input: &[u8], msg: &str, at: &[u8]) -> String {
    let mut s = format!("ParseAddr({}): {msg}", quote_bytes(input));
    if !at.is_empty() {
        s.push_str(&format!(" (at {})", quote_bytes(at)));
    }
    s
}

/// Go's `netip.ParseAddr`: the first `.`, `:` or `%` decides the form.
fn parse_addr(s: &[u8]) -> Result<Family, String> {
    for &c in s {
        match c {
            b'.' => return parse_ipv4_fields(s, 0, s.len()).map(|()| Family::V4),
            b':' => return parse_ipv6(s).map(|()| Family::V6),
            b'%' => return Err(addr_error(s, "missing IPv6 address", b"")),
            _ => {}
        }
    }
    Err(addr_error(s, "unable to parse IP", b""))
}

/// Go's `parseIPv4Fields` over `input[off..end]`, errors naming the whole input.
fn parse_ipv4_fields(input: &[u8], off: usize, end: usize) -> Result<(), String> {
    let s = &input[off..end];
    let (mut val, mut pos, mut dig_len) = (0u32, 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_error(
                    input,
                    "IPv4 field has octet with leading zero",
                    b"",
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_error(input, "IPv4 field has value >255", b""));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(addr_error(
                    input,
                    "IPv4 field must have at least one digit",
                    &s[i..],
                ));
            }
            if pos == 3 {
                return Err(addr_error(input, "IPv4 address too long", b""));
            }
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            return Err(addr_error(input, "unexpected character", &s[i..]));
        }
    }
    if pos < 3 {
        return Err(addr_error(input, "IPv4 address too short", b""));
    }
    Ok(())
}

/// Go's `parseIPv6`, for its errors only.
fn parse_ipv6(input: &[u8]) -> Result<(), String> {
    let err = |msg: &str, at: &[u8]| Err(addr_error(input, msg, at));
    let (mut s, zone) = match input.iter().position(|&b| b == b'%') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &b""[..]),
    };
    if input.len() != s.len() && zone.is_empty() {
        return err("zone must be a non-empty string", b"");
    }
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        let mut acc: u32 = 0;
        while off < s.len() {
            let Some(d) = (s[off] as char).to_digit(16) else {
                break;
            };
            acc = (acc << 4) + d;
            if off > 3 {
                return err("each group must have 4 or less digits", s);
            }
            if acc > 0xffff {
                return err("IPv6 field has value >=2^16", s);
            }
            off += 1;
        }
        if off == 0 {
            return err("each colon-separated field must have at least one digit", s);
        }
        if off < s.len() && s[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return err(
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                );
            }
            if i + 4 > 16 {
                return err(
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                );
            }
            let mut end = input.len();
            if !zone.is_empty() {
                end -= zone.len() + 1;
            }
            parse_ipv4_fields(input, end - s.len(), end)?;
            s = b"";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return err("unexpected character, want colon", s);
        } else if s.len() == 1 {
            return err("colon must be followed by more characters", s);
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return err("multiple :: in address", s);
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return err("trailing garbage after address", s);
    }
    if i < 16 {
        if ellipsis.is_none() {
            return err("address string too short", b"");
        }
    } else if ellipsis.is_some() {
        return err("the :: must expand to at least one field of zeros", b"");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> String {
        parse(raw).unwrap_err()
    }

    #[test]
    fn parse_errors_in_go_wording() {
        for (raw, want) in [
            ("://x", r#"parse "://x": missing protocol scheme"#),
            (
                "http://a\u{1}b",
                r#"parse "http://a\x01b": net/url: invalid control character in URL"#,
            ),
            (
                "1a:b/x",
                r#"parse "1a:b/x": first path segment in URL cannot contain colon"#,
            ),
            (
                "http://a b/",
                r#"parse "http://a b/": invalid character " " in host name"#,
            ),
            (
                "http://a{b}/",
                r#"parse "http://a{b}/": invalid character "{" in host name"#,
            ),
            (
                "http://h:abc/x",
                r#"parse "http://h:abc/x": invalid port ":abc" after host"#,
            ),
            (
                "http://h:80:80/",
                r#"parse "http://h:80:80/": invalid port ":80:80" after host"#,
            ),
            (
                "http://::1/",
                r#"parse "http://::1/": invalid port "::1" after host"#,
            ),
            (
                "http://h/%zz",
                r#"parse "http://h/%zz": invalid URL escape "%zz""#,
            ),
            (
                "http://h/%z",
                r#"parse "http://h/%z": invalid URL escape "%z""#,
            ),
            (
                "http://h/%zé",
                r#"parse "http://h/%zé": invalid URL escape "%z\xc3""#,
            ),
            (
                "http://%41/",
                r#"parse "http://%41/": invalid URL escape "%41""#,
            ),
            (
                "http://ü@h/",
                r#"parse "http://ü@h/": net/url: invalid userinfo"#,
            ),
            (
                "http://u:%zz@h/",
                r#"parse "http://u:%zz@h/": invalid URL escape "%zz""#,
            ),
            (
                "http://[::1/",
                r#"parse "http://[::1/": missing ']' in host"#,
            ),
            (
                "http://a[::1]/",
                r#"parse "http://a[::1]/": invalid IP-literal"#,
            ),
            (
                "http://[1.2.3.4]/",
                r#"parse "http://[1.2.3.4]/": invalid IP-literal"#,
            ),
            (
                "http://[::1]x/",
                r#"parse "http://[::1]x/": invalid port "x" after host"#,
            ),
            (
                "http://[v1.x]/",
                r#"parse "http://[v1.x]/": invalid host: ParseAddr("v1.x"): unexpected character (at "v1.x")"#,
            ),
            (
                "http://[fe80::1%25]/",
                r#"parse "http://[fe80::1%25]/": invalid host: ParseAddr("fe80::1%"): zone must be a non-empty string"#,
            ),
            (
                "http://[12345::1]/",
                r#"parse "http://[12345::1]/": invalid host: ParseAddr("12345::1"): each group must have 4 or less digits (at "12345::1")"#,
            ),
            (
                "http://[1:2]/",
                r#"parse "http://[1:2]/": invalid host: ParseAddr("1:2"): address string too short"#,
            ),
            (
                "http://[::1.2.3.04]/",
                r#"parse "http://[::1.2.3.04]/": invalid host: ParseAddr("::1.2.3.04"): IPv4 field has octet with leading zero"#,
            ),
            (
                "http://[::1::2]/",
                r#"parse "http://[::1::2]/": invalid host: ParseAddr("::1::2"): multiple :: in address (at ":2")"#,
            ),
            (
                "http://h/#%zz",
                r#"parse "http://h/#%zz": invalid URL escape "%zz""#,
            ),
        ] {
            assert_eq!(err(raw), want, "{raw}");
        }
    }

    #[test]
    fn accepted_urls_keep_decoded_host_and_path() {
        let u = parse("HTTP://user:pw@H%C3%A9:8080/a%20b?q#f").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("http", "Hé:8080", "/a b")
        );
        for ok in [
            "http://[::1]:80/",
            "http://[fe80::1%25en0]/",
            "http://[::ffff:1.2.3.4]/",
            "http://h:/",
            "ldap://a:1:2",
            "host:389",
            "http:opaque",
            "*",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        // Go 1.26's strict colons are for `http` and `https` hosts only.
        assert!(parse("ldap://h:1:2/").is_ok());
        assert!(parse("http://h:1:2/").is_err());
    }

    #[test]
    fn go_parse_request_uri_tests() {
        // `parseRequestURLTests` of Go's `src/net/url/url_test.go`.
        for ok in [
            "http://foo.com",
            "http://foo.com/",
            "http://foo.com/path",
            "/",
            "//not.a.user@not.a.host/just/a/path",
            "//not.a.user@%66%6f%6f.com/just/a/path/also",
            "*",
            "http://192.168.0.1/",
            "http://192.168.0.1:8080/",
            "http://[fe80::1]/",
            "http://[fe80::1]:8080/",
            "http://[fe80::1%25en0]/",
            "http://[fe80::1%25en0]:8080/",
            "http://[fe80::1%25%65%6e%301-._~]/",
            "http://[fe80::1%25%65%6e%301-._~]:8080/",
        ] {
            assert!(parse_request_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "foo.html",
            "../dir/",
            " http://foo.com",
            "http://192.168.0.%31/",
            "http://192.168.0.%31:8080/",
            "http://[fe80::%31]/",
            "http://[fe80::%31]:8080/",
            "http://[fe80::1%en0]/",
            "http://[fe80::1%en0]:8080/",
        ] {
            assert!(parse_request_uri(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_request_uri("//not.a.user@not.a.host/just/a/path")
                .unwrap()
                .path,
            "//not.a.user@not.a.host/just/a/path"
        );
    }

    #[test]
    fn request_uris_have_no_fragment_and_no_relative_form() {
        assert_eq!(
            parse_request_uri("x").unwrap_err(),
            r#"parse "x": invalid URI for request"#
        );
        assert_eq!(parse_request_uri("").unwrap_err(), r#"parse "": empty url"#);
        // `#` is no fragment here: it is part of the path.
        assert_eq!(parse_request_uri("http://h/a#b").unwrap().path, "/a#b");
        assert_eq!(
            parse_request_uri("http://h/#%zz").unwrap_err(),
            r#"parse "http://h/#%zz": invalid URL escape "%zz""#
        );
    }
}
