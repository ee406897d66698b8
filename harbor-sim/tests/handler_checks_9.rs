//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") where Harbor passes a Go
//! standard-library error through: Go's `net/url` errors behind W4, RG2 and LD3, and Go's
//! `regexp` syntax errors behind PM12, PM13 and PC8. Each case is named by its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{BAD, case, get_json, proxy_project, run};

#[tokio::test]
async fn w4_go_request_uri_errors() {
    use Method as M;
    let sim = support::start().await;
    let policies = "/projects/demo/webhook/policies";
    let create = |address: &str| {
        case(
            "W4",
            M::POST,
            policies,
            Some(json!({
                "name": "w4",
                "event_types": ["PUSH_ARTIFACT"],
                "targets": [{"type": "http", "address": address}],
            })),
        )
    };
    run(
        &sim,
        vec![
            create("http://a b.example.com").refused(
                BAD,
                r#"parse "http://a b.example.com": invalid character " " in host name"#,
            ),
            // No `://`: `http://` is put in front before Go parses it.
            create("ci.example.com:80:80").refused(
                BAD,
                r#"parse "http://ci.example.com:80:80": invalid port ":80:80" after host"#,
            ),
            create("https://ci.example.com/%zz/")
                .refused(BAD, r#"parse "https://ci.example.com/%zz": invalid URL escape "%zz""#),
            create("http://[::1").refused(BAD, r#"parse "http://[::1": missing ']' in host"#),
            create("http://[1.2.3.4]/hook")
                .refused(BAD, r#"parse "http://[1.2.3.4]/hook": invalid IP-literal"#),
            create("http://[v1.x]").refused(
                BAD,
                r#"parse "http://[v1.x]": invalid host: ParseAddr("v1.x"): unexpected character (at "v1.x")"#,
            ),
            create("http://ü@ci.example.com")
                .refused(BAD, r#"parse "http://ü@ci.example.com": net/url: invalid userinfo"#),
            create("http://ci.example.com/\u{7f}").refused(
                BAD,
                r#"parse "http://ci.example.com/\x7f": net/url: invalid control character in URL"#,
            ),
            // What Go takes is stored as sent (W8): `#` is part of the path here.
            create("http://[::1]:8080/hook#x").answers(StatusCode::CREATED),
        ],
    )
    .await;
    let listed = get_json(&sim, policies).await;
    let stored = listed
        .as_array()
        .and_then(|all| all.iter().find(|p| p["name"] == "w4"))
        .expect("w4 stored");
    assert_eq!(
        stored["targets"][0]["address"], "http://[::1]:8080/hook#x",
        "W4, W8: {stored}"
    );
}

#[tokio::test]
async fn rg2_go_parse_errors() {
    use Method as M;
    let sim = support::start().await;
    sim.handle()
        .with_state(|s| s.reachability.allow("reg.example.com"));
    let create = |url: &str| {
        case(
            "RG2",
            M::POST,
            "/registries",
            Some(json!({"name": "r", "url": url, "type": "harbor"})),
        )
    };
    run(
        &sim,
        vec![
            create("https://reg.example.com:port").refused(
                BAD,
                r#"invalid URL: parse "https://reg.example.com:port": invalid port ":port" after host"#,
            ),
            create("reg example.com").refused(
                BAD,
                r#"invalid URL: parse "http://reg example.com": invalid character " " in host name"#,
            ),
            create("https://[1.2.3.4]")
                .refused(BAD, r#"invalid URL: parse "https://[1.2.3.4]": invalid IP-literal"#),
            create("https://reg.example.com/v2/%g1")
                .refused(BAD, r#"invalid URL: parse "https://reg.example.com/v2/%g1": invalid URL escape "%g1""#),
            // The fragment is cut before the rest is parsed, and parsed on its own.
            create("https://reg.example.com/#%zz").refused(
                BAD,
                r#"invalid URL: parse "https://reg.example.com/#%zz": invalid URL escape "%zz""#,
            ),
            // Go's getScheme finds no scheme before a space: the whole is a relative path.
            create("a b://reg.example.com").refused(
                BAD,
                r#"invalid URL: parse "a b://reg.example.com": first path segment in URL cannot contain colon"#,
            ),
            case("RG2", M::POST, "/registries/ping", Some(json!({"type": "harbor", "url": "http://::1"})))
                .refused(BAD, r#"invalid URL: parse "http://::1": invalid port "::1" after host"#),
        ],
    )
    .await;
    // What Go takes is kept as its decoded host and path.
    let (status, location, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        M::POST,
        "/registries",
        Some(json!({"name": "decoded", "url": "https://reg.example.com/a%20b", "type": "harbor"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let id = location.and_then(|l| l.rsplit('/').next().map(str::to_owned));
    let stored = get_json(&sim, &format!("/registries/{}", id.expect("a Location"))).await;
    assert_eq!(
        stored["url"], "https://reg.example.com/a b",
        "RG2: {stored}"
    );
}

#[tokio::test]
async fn ld3_addresses_go_refuses() {
    let sim = support::start().await;
    sim.handle()
        .with_state(|s| s.reachability.allow("ldap.example.com"));
    for url in [
        // No scheme and a colon in the first path segment.
        "1.2.3.4:389",
        "ldap://ldap.example.com:389/%zz",
        "ldap://ldap example.com",
        "ldap://[1.2.3.4]:389",
        "ldap://ldap.example.com#%zz",
    ] {
        let (status, _, text) = support::send_as(
            &sim,
            support::checks::ADMIN,
            Method::POST,
            "/ldap/ping",
            Some(json!({
                "ldap_url": url,
                "ldap_search_dn": "cn=admin,dc=example,dc=com",
                "ldap_search_password": "pw",
            })),
        )
        .await;
        let body: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            (status, body),
            (
                StatusCode::OK,
                json!({"message": "error: fail to ping LDAP server"})
            ),
            "LD3 {url}"
        );
    }
}

#[tokio::test]
async fn pm12_pm13_go_regexp_errors() {
    use Method as M;
    let sim = support::start().await;
    let regex = proxy_project(&sim, "pm-regex").await;
    let glob = proxy_project(&sim, "pm-glob").await;
    let meta = |project: i64| format!("/projects/{project}/metadatas");
    let add = |row, project: i64, key: &str, value: &str| {
        case(row, M::POST, &meta(project), Some(json!({ key: value })))
    };
    let pattern = "proxy_cache_filter_pattern";
    let kind = "proxy_cache_filter_kind";
    run(
        &sim,
        vec![
            add("PM12", regex, kind, "regex"),
            add("PM12", regex, pattern, "library/(nginx").refused(
                BAD,
                "invalid proxy_cache_filter_pattern: \"library/(nginx\", err: error parsing regexp: missing closing ): `^(?:library/(nginx)$`",
            ),
            add("PM12", regex, pattern, "*/nginx").refused(
                BAD,
                "invalid proxy_cache_filter_pattern: \"*/nginx\", err: error parsing regexp: missing argument to repetition operator: `*`",
            ),
            add("PM12", regex, pattern, r"lib/\d{1001}").refused(
                BAD,
                r#"invalid proxy_cache_filter_pattern: "lib/\\d{1001}", err: error parsing regexp: invalid repeat count: `{1001}`"#,
            ),
            add("PM12", regex, pattern, r"\p{Klingon}/.*").refused(
                BAD,
                r#"invalid proxy_cache_filter_pattern: "\\p{Klingon}/.*", err: error parsing regexp: invalid character class range: `\p{Klingon}`"#,
            ),
            add("PM12", regex, pattern, r"(?=lib)/.*").refused(
                BAD,
                "invalid proxy_cache_filter_pattern: \"(?=lib)/.*\", err: error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
            ),
            // Go's RE2 takes what Rust's `regex` would not (`\Q...\E`, `(?<name>`).
            add("PM12", regex, pattern, r"\Qlib.x\E/(?<image>nginx|redis)"),
            // The stored regex is a valid doublestar pattern too: the kind may change.
            case(
                "PM13",
                M::PUT,
                &format!("{}/{kind}", meta(regex)),
                Some(json!({ kind: "doublestar" })),
            ),
            add("PM12", glob, pattern, "lib/**"),
            add("PM13", glob, kind, "regex").refused(
                BAD,
                "existing proxy_cache_filter_pattern \"lib/**\" is invalid for new kind \"regex\": error parsing regexp: invalid nested repetition operator: `**`",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn pc8_go_regexp_errors() {
    use Method as M;
    let sim = support::start().await;
    let registry = get_json(&sim, "/registries").await[0]["id"]
        .as_i64()
        .expect("a demo registry");
    let create = |name: &str, pattern: &str| {
        case(
            "PC8",
            M::POST,
            "/projects",
            Some(json!({
                "project_name": name,
                "registry_id": registry,
                "metadata": {"proxy_cache_filter_kind": "regex", "proxy_cache_filter_pattern": pattern},
            })),
        )
    };
    let proxy = proxy_project(&sim, "pc8-update").await;
    run(
        &sim,
        vec![
            create("pc8a", "lib/[a-z").refused(
                BAD,
                "metadata.proxy_cache_filter_pattern is invalid for kind \"regex\": error parsing regexp: missing closing ]: `[a-z)$`",
            ),
            create("pc8b", "lib/nginx)").refused(
                BAD,
                "metadata.proxy_cache_filter_pattern is invalid for kind \"regex\": error parsing regexp: unexpected ): `^(?:lib/nginx))$`",
            ),
            create("pc8c", r"lib/\C").refused(
                BAD,
                r#"metadata.proxy_cache_filter_pattern is invalid for kind "regex": error parsing regexp: invalid escape sequence: `\C`"#,
            ),
            create("pc8d", "  lib/(?i:NGINX)-[0-9]+  ").answers(StatusCode::CREATED),
            case(
                "PC8",
                M::PUT,
                &format!("/projects/{proxy}"),
                Some(json!({"metadata": {"proxy_cache_filter_kind": "regex", "proxy_cache_filter_pattern": "lib/a**"}})),
            )
            .refused(
                BAD,
                "metadata.proxy_cache_filter_pattern is invalid for kind \"regex\": error parsing regexp: invalid nested repetition operator: `**`",
            ),
        ],
    )
    .await;
}
