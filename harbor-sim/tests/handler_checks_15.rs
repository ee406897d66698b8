//! The ledger's last two rows in part made whole (`CONFORMANCE.md`: RG6 of `registry.go`,
//! AR8 of `artifact.go`): a CA certificate whose DER Go's `x509.ParseCertificate` refuses,
//! with Go's own error in Harbor's 400, and a `q` value on a timestamp column read as
//! PostgreSQL reads a `timestamp`, its refusal Harbor's 500.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{BAD, case, run};

/// A self-signed P-256 certificate made with `openssl req -x509 -newkey ec -pkeyopt
/// ec_paramgen_curve:prime256v1 -nodes -subj /CN=test -days 3650`.
const EC_CERT: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBdDCCARmgAwIBAgIUB2W4ZwEWoritvr0JEWnYBvMxSiswCgYIKoZIzj0EAwIw\n\
DzENMAsGA1UEAwwEdGVzdDAeFw0yNjEyMDYxMjEzNDJaFw0zNjEyMDMxMjEzNDJa\n\
MA8xDTALBgNVBAMMBHRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASkKe2W\n\
6wy1h1Z3/XyWLwrrbEd/kuA5gGvF3KUHpsWwCCHMTIczqfDF+UbW/CZ8VUDxPEmh\n\
uHVsYRMMAsPUTpObo1MwUTAdBgNVHQ4EFgQUwIOueEezGz95iSosxYyJtzJlJY8w\n\
HwYDVR0jBBgwFoAUwIOueEezGz95iSosxYyJtzJlJY8wDwYDVR0TAQH/BAUwAwEB\n\
/zAKBggqhkjOPQQDAgNJADBGAiEAwrW//pBe3B+4j7AGlyexJrrHTIwgPw7LKcJq\n\
1x4jhVsCIQCDfpr+MEIK8hU7uxrNNiTb+0CYp5uZ72aAX1opWi7tEw==\n\
-----END CERTIFICATE-----";

/// A self-signed RSA (1024-bit) certificate, made the same way with `-newkey rsa:1024`.
const RSA_CERT: &str = "-----BEGIN CERTIFICATE-----\n\
MIIB+DCCAWGgAwIBAgIUKgdDSQ4OtuXJAC6DpYBhMS/FAeEwDQYJKoZIhvcNAQEL\n\
BQAwDjEMMAoGA1UEAwwDcnNhMB4XDTI2MTIwNjEyMTM0MloXDTM2MTIwMzEyMTM0\n\
MlowDjEMMAoGA1UEAwwDcnNhMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7\n\
bWIV8O81SVFh1FoiMFWTrfF85fb+grPahX5aHUIgvmY1pGagC9jIhlNa1HvLRgwB\n\
Kbfcvo8ywccAf59OGFj1L/tf9ySDbCCjp5GP7ZVObKUgCFLVskJfjZ/tRjzm2/wt\n\
5/K8+OzoCzPa4RP+jZjIzyJq3KZg2wYModgWRZkOtwIDAQABo1MwUTAdBgNVHQ4E\n\
FgQUElRLE5ORGCQVrdmTkh/f/NHyLNkwHwYDVR0jBBgwFoAUElRLE5ORGCQVrdmT\n\
kh/f/NHyLNkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOBgQA9Dsya\n\
cbm+0GX+ZEJzineoAc0serywOQ0QhcI3bak0YVTCyO5URizNokXSPkdplwDHI/dv\n\
XupZMlhBdeViSlckBrw2UM6YGoW7r+L4h150ouh7vVMhrgdux0qfGyMMBIBJJoPb\n\
BSpACertKUcZtCp7smmaKT2hRw+mevG2aagqVQ==\n\
-----END CERTIFICATE-----";

/// The DER inside a PEM certificate.
fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD
        .decode(body)
        .expect("the test certificate's base64")
}

/// `der` as a PEM `CERTIFICATE` block.
fn pem_of(der: &[u8]) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        STANDARD.encode(der)
    )
}

fn refused(go_error: &str) -> String {
    format!("invalid CA certificate: failed to parse certificate: {go_error}")
}

const NO_CERTIFICATE: &str = "invalid CA certificate: no valid certificates found in PEM data";

#[tokio::test]
async fn ca_certificate_der_checks() {
    use Method as M;
    let sim = support::start().await;
    sim.handle()
        .with_state(|s| s.reachability.allow("ca.example.com"));
    let registry = |name: &str, ca: &str| json!({"name": name, "url": "https://ca.example.com", "type": "harbor", "ca_certificate": ca});
    let create = |ca: &str| case("RG6", M::POST, "/registries", Some(registry("ca", ca)));
    let der = der_of(EC_CERT);
    let truncated = pem_of(&der[..der.len() - 40]);
    let mut trailing = der.clone();
    trailing.extend_from_slice(&[0x00, 0x00]);
    // The outer signature algorithm (ecdsa-with-SHA256, the certificate's last but one
    // element) made ecdsa-with-SHA384, so it no longer matches the signed one.
    let sig_alg = [
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    let outer = der
        .windows(sig_alg.len())
        .rposition(|w| w == sig_alg)
        .expect("the outer algorithm");
    let mut mismatched = der.clone();
    mismatched[outer + sig_alg.len() - 1] = 0x03;
    // Version 4 (`[0] INTEGER 3`): Go knows versions 1 to 3.
    let version_at = der
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
        .expect("the version");
    let mut version4 = der.clone();
    version4[version_at + 4] = 0x03;
    run(
        &sim,
        vec![
            // Base64 Go's decoder refuses: `pem.Decode` passes the block over, so no block.
            create("-----BEGIN CERTIFICATE-----\nMIIB!!!not base64!!!\n-----END CERTIFICATE-----")
                .refused(BAD, NO_CERTIFICATE),
            // Base64 of bytes that are no DER: Go's first check, the outer SEQUENCE.
            create(&pem_of(b"hello, world")).refused(BAD, refused("x509: malformed certificate")),
            create(&truncated).refused(BAD, refused("x509: malformed certificate")),
            create(&pem_of(&trailing)).refused(BAD, refused("x509: trailing data")),
            create(&pem_of(&mismatched)).refused(
                BAD,
                refused("x509: inner and outer signature algorithm identifiers don't match"),
            ),
            create(&pem_of(&version4)).refused(BAD, refused("x509: invalid version")),
            // Only a private key block: skipped by type.
            create("-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----")
                .refused(BAD, NO_CERTIFICATE),
            // A good certificate before a bad one: each block is parsed, the first error wins.
            create(&format!("{EC_CERT}\n{}", pem_of(&trailing)))
                .refused(BAD, refused("x509: trailing data")),
            // The ping reads the certificate the same way.
            case(
                "RG6",
                M::POST,
                "/registries/ping",
                Some(registry("ca", &truncated)),
            )
            .refused(BAD, refused("x509: malformed certificate")),
            // Well-formed certificates, with Windows line ends and a chain of two.
            create(&EC_CERT.replace('\n', "\r\n")).answers(StatusCode::CREATED),
            case(
                "RG6",
                M::POST,
                "/registries",
                Some(registry("ca2", &format!("{RSA_CERT}\n{EC_CERT}"))),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let id = support::checks::get_json(&sim, "/registries?name=ca2").await[0]["id"]
        .as_i64()
        .expect("the registry just created");
    run(
        &sim,
        vec![
            case(
                "RG6",
                M::PUT,
                &format!("/registries/{id}"),
                Some(json!({"ca_certificate": pem_of(&mismatched)})),
            )
            .refused(
                BAD,
                refused("x509: inner and outer signature algorithm identifiers don't match"),
            ),
            case(
                "RG6",
                M::PUT,
                &format!("/registries/{id}"),
                Some(json!({"ca_certificate": EC_CERT})),
            ),
        ],
    )
    .await;
    let stored: Value = support::checks::get_json(&sim, &format!("/registries/{id}")).await;
    assert_eq!(
        stored["ca_certificate"], EC_CERT,
        "RG6: the update is stored"
    );
}

/// The ids of a list, sorted.
fn sorted_ids(list: &Value) -> Vec<i64> {
    let mut ids = support::checks::ids(list);
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn timestamp_columns_read_as_postgresql_reads_them() {
    let sim = support::start().await;
    for tag in ["old", "new"] {
        sim.handle()
            .push_image("library", "times", tag)
            .expect("push");
    }
    let path = "/projects/library/repositories/times/artifacts";
    let all = support::checks::get_json(&sim, path).await;
    let id_of = |tag: &str| {
        all.as_array()
            .expect("a list")
            .iter()
            .find(|a| a["tags"][0]["name"] == tag)
            .and_then(|a| a["id"].as_i64())
            .expect("the artifact")
    };
    let (old, new) = (id_of("old"), id_of("new"));
    sim.handle().with_state(|s| {
        for (id, at) in [
            (old, "2024-06-15T10:00:00.000Z"),
            (new, "2025-03-01T08:30:00.000Z"),
        ] {
            s.artifacts.get_mut(&id).expect("the artifact").push_time = at.to_owned();
        }
    });
    let listed = |q: &str| {
        let sim = &sim;
        let url = format!("{path}?q={q}");
        async move { sorted_ids(&support::checks::get_json(sim, &url).await) }
    };
    // AR8: ranges and values in the forms PostgreSQL reads, compared as instants.
    for (q, want) in [
        ("push_time%3D%5B2024-01-01%20~%202025-01-01%5D", vec![old]),
        ("push_time%3D%5BJan%201%202025~03%2F02%2F2025%5D", vec![new]),
        ("push_time%3D%5B15-Jun-2024%2010%3A00~%5D", vec![old, new]),
        (
            "push_time%3D%5B~June%2015%202024%2009%3A59%3A59.5%5D",
            vec![],
        ),
        ("push_time%3D2024-06-15T10%3A00%3A00Z", vec![old]),
        // A timestamp without time zone reads the zone and ignores it (`%252B` is a `+`
        // after Harbor's second unescaping; a bare `+` would be a space).
        ("push_time%3D2024-06-15T10%3A00%3A00%252B02", vec![old]),
        ("push_time__gt%3D20250101", vec![new]),
        ("push_time__lte%3D2024-06-15%2010%3A00%3A00", vec![old]),
        // beego rewrites a text whose first 19 characters read as `2006-01-02 15:04:05`
        // and drops the rest (the fraction here) before PostgreSQL sees it.
        ("push_time%3D2024-06-15%2010%3A00%3A00.999", vec![old]),
        // Shorter than 19 characters, the first 10 are read as a date: the hour, even one
        // PostgreSQL would refuse, never reaches it.
        (
            "push_time%3D%5B2024-06-15%2025%3A00~2024-06-15%2010%3A00%3A00%5D",
            vec![old],
        ),
        (
            "push_time%3D%7B2025-03-01T08%3A30%3A00%20epoch%7D",
            vec![new],
        ),
        ("push_time%3D%5B-infinity~infinity%5D", vec![old, new]),
        // A fuzzy match reads the column's text as PostgreSQL casts it.
        ("push_time%3D~2024-06-15%2010%3A00", vec![old]),
    ] {
        let mut want = want;
        want.sort_unstable();
        assert_eq!(listed(q).await, want, "AR8: {q}");
    }
    let refused = |q: &str, cause: &str| {
        case("AR8", Method::GET, &format!("{path}?q={q}"), None).uncoded(cause.to_owned())
    };
    run(
        &sim,
        vec![
            refused(
                "push_time%3D2024-13-01",
                "ERROR: date/time field value out of range: \"2024-13-01\" (SQLSTATE 22008)",
            ),
            refused(
                "push_time%3D2024-02-30%2008%3A00",
                "ERROR: date/time field value out of range: \"2024-02-30 08:00\" (SQLSTATE 22008)",
            ),
            refused(
                "push_time%3D%5B2024-01-01~soon%5D",
                "ERROR: invalid input syntax for type timestamp: \"soon\" (SQLSTATE 22007)",
            ),
            refused(
                "pull_time%3D2024-01-01%2025%3A00%3A00",
                "ERROR: date/time field value out of range: \"2024-01-01 25:00:00\" (SQLSTATE 22008)",
            ),
            refused(
                "PushTime%3D%7B2024-01-01%20Mars%2FOlympus%7D",
                "ERROR: invalid input syntax for type timestamp: \"Mars/Olympus\" (SQLSTATE 22007)",
            ),
        ],
    )
    .await;
}
