//! URL shapes: normalising the base URL and encoding path segments.
//!
//! Harbor routes `repository_name` after decoding it once in its router and once more in the
//! handler, so a repository `library/nginx` travels as `library%252Fnginx` (encoded twice).
//! Every other path parameter is encoded once.
//!
//! ```
//! use harbor_client::encoding::{encode_path_segment, encode_repository_name};
//!
//! assert_eq!(encode_repository_name("a/b"), "a%252Fb");
//! assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
//! assert_eq!(encode_path_segment("sha256:abc"), "sha256%3Aabc");
//! ```

use crate::error::BuildError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::borrow::Cow;
use url::Url;

/// Everything but RFC 3986's unreserved characters is encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The API's base path on a Harbor server.
pub const API_BASE_PATH: &str = "/api/v2.0";

/// Encodes one path segment once (`/` becomes `%2F`).
pub fn encode_path_segment(value: &str) -> String {
    encode_segment(value).into_owned()
}

/// [`encode_path_segment`], borrowing `value` when nothing in it needs encoding.
pub(crate) fn encode_segment(value: &str) -> Cow<'_, str> {
    utf8_percent_encode(value, SEGMENT).into()
}

/// Encodes a repository name twice, as Harbor expects (`a/b` becomes `a%252Fb`).
pub fn encode_repository_name(value: &str) -> String {
    encode_path_segment(&encode_path_segment(value))
}

/// Whether the path parameter with this wire name is encoded twice.
pub(crate) fn is_double_encoded(param: &str) -> bool {
    param == "repository_name"
}

/// Normalises a Harbor URL into the API base (`https://host[:port][/prefix]/api/v2.0`,
/// no trailing slash). Accepts the server URL with or without `/api/v2.0` and a trailing
/// slash; refuses anything that is not absolute `http(s)`, or carries a query or fragment.
///
/// ```
/// use harbor_client::encoding::normalize_base_url;
///
/// for given in ["https://harbor.example", "https://harbor.example/", "https://harbor.example/api/v2.0/"] {
///     assert_eq!(normalize_base_url(given).unwrap().as_str(), "https://harbor.example/api/v2.0");
/// }
/// assert!(normalize_base_url("harbor.example").is_err());
/// ```
pub fn normalize_base_url(given: &str) -> Result<Url, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUrl {
        url: redact_userinfo(given),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(given.trim()).map_err(|e| {
        invalid(&format!(
            "{e} (give an absolute URL such as https://harbor.example)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment makes no sense in a base URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not used: give them to the builder",
        ));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix(API_BASE_PATH).unwrap_or(path);
    let path = format!("{}{API_BASE_PATH}", path.trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

/// `given` with the password of its userinfo (`user:secret@`) replaced, so that an error
/// about a URL never echoes a secret pasted into it. Works on text that does not parse.
fn redact_userinfo(given: &str) -> String {
    let start = given.find("://").map_or(0, |i| i + 3);
    let rest = &given[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{}{user}:<redacted>@{}", &given[..start], &rest[at + 1..])
        }
        None => given.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        let ok = [
            ("http://h", "http://h/api/v2.0"),
            ("http://h:8080/", "http://h:8080/api/v2.0"),
            ("https://h/api/v2.0", "https://h/api/v2.0"),
            ("https://h/api/v2.0//", "https://h/api/v2.0"),
            ("https://h/harbor", "https://h/harbor/api/v2.0"),
            ("https://h/harbor/api/v2.0/", "https://h/harbor/api/v2.0"),
            ("  https://h  ", "https://h/api/v2.0"),
        ];
        for (given, want) in ok {
            assert_eq!(normalize_base_url(given).unwrap().as_str(), want, "{given}");
        }
        for bad in [
            "",
            "h",
            "ftp://h",
            "https://h/?x=1",
            "https://u:p@h/",
            "https://h/#f",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn url_errors_never_echo_a_password() {
        assert_eq!(
            redact_userinfo("https://u:s3cret@h/x?y"),
            "https://u:<redacted>@h/x?y"
        );
        assert_eq!(redact_userinfo("u:s3cret@h"), "u:<redacted>@h");
        assert_eq!(redact_userinfo("https://h/a@b"), "https://h/a@b");
        let err = normalize_base_url("ftp://u:s3cret@h").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
    }

    #[test]
    fn repository_names_are_encoded_twice() {
        assert_eq!(encode_repository_name("library/nginx"), "library%252Fnginx");
        assert_eq!(encode_repository_name("a/b/c"), "a%252Fb%252Fc");
        assert_eq!(encode_repository_name("plain"), "plain");
        assert_eq!(encode_repository_name("sp ace"), "sp%2520ace");
    }

    #[test]
    fn segments_keep_unreserved_characters() {
        assert_eq!(encode_path_segment("v1.2-rc_3~x"), "v1.2-rc_3~x");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment("a?b#c%d"), "a%3Fb%23c%25d");
    }
}
