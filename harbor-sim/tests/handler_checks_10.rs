//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") that needed state the simulator
//! lacked: the LDAP directory's bind accounts and people (LD7, MC4). Each case is named by
//! its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::state::ldap_directory::{DEMO_ADMIN_PASSWORD, DEMO_PEOPLE_PASSWORD};
use support::checks::{BAD, case, get_json, run, send};

#[tokio::test]
async fn ld7_bind_refused_for_its_credentials() {
    let sim = support::start().await;
    let ping = |dn: &str, password: &str| {
        let body = json!({"ldap_url": "ldap://ldap.example.com", "ldap_search_dn": dn,
                          "ldap_search_password": password});
        let sim = &sim;
        async move {
            let (status, text) = send(sim, Method::POST, "/ldap/ping", Some(body)).await;
            let body: Value = serde_json::from_str(&text).expect("JSON");
            (status, body)
        }
    };
    let refused = (
        StatusCode::OK,
        json!({"message": "error: invalid credential"}),
    );
    let success = (StatusCode::OK, json!({"success": true}));
    let admin = "cn=admin,dc=example,dc=com";
    // A wrong password, and a DN the directory lacks (OpenLDAP answers 49 for both).
    assert_eq!(ping(admin, "wrong").await, refused, "LD7 wrong password");
    assert_eq!(
        ping("cn=nobody,dc=example,dc=com", DEMO_ADMIN_PASSWORD).await,
        refused,
        "LD7 unknown DN"
    );
    // The right password, the DN written in another case and spacing; a person's own bind.
    assert_eq!(ping(admin, DEMO_ADMIN_PASSWORD).await, success, "LD7");
    assert_eq!(
        ping("CN=Admin, DC=example, DC=com", DEMO_ADMIN_PASSWORD).await,
        success,
        "LD7 DN case"
    );
    assert_eq!(
        ping(
            "uid=grace,ou=people,dc=example,dc=com",
            DEMO_PEOPLE_PASSWORD
        )
        .await,
        success,
        "LD7 a person"
    );
    // Any other bind error counts as a success: a DN that does not parse (34).
    assert_eq!(ping("not a dn", "whatever").await, success, "LD7 DN syntax");
    // A password added through the handle binds.
    sim.handle().with_state(|s| {
        s.ldap_directory
            .add_account("cn=reader,dc=example,dc=com", "r3ader")
    });
    assert_eq!(
        ping("cn=reader,dc=example,dc=com", "r3ader").await,
        success,
        "LD7 a new account"
    );
}

#[tokio::test]
async fn mc4_ldap_user_onboarded_on_member_create() {
    let sim = support::start().await;
    let members = "/projects/demo/members";
    let by_name =
        |name: &str, role: i64| Some(json!({"role_id": role, "member_user": {"username": name}}));
    // Under the database's authenticator the directory is not asked.
    run(
        &sim,
        vec![
            case("MC4", Method::POST, members, by_name("grace", 2))
                .refused(StatusCode::NOT_FOUND, "user grace is not found"),
        ],
    )
    .await;
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("ldap_auth"));
        s.configurations.insert("ldap_uid".into(), json!("uid"));
    });
    run(
        &sim,
        vec![
            // Nobody of that uid in the directory: the LDAP authenticator's own 404.
            case("MC4", Method::POST, members, by_name("zed", 2))
                .refused(StatusCode::NOT_FOUND, "no user found: zed"),
            // A failed request rolls the onboarded user back (the role is refused last).
            case("MC4", Method::POST, members, by_name("heidi", 9))
                .refused(BAD, "Failed to update project member, role is not in 1,2,3"),
            // The directory's person, matched without case, is onboarded as the directory
            // names it.
            case("MC4", Method::POST, members, by_name("GRACE", 2)).answers(StatusCode::CREATED),
        ],
    )
    .await;
    let (status, text) = send(&sim, Method::GET, "/users/search?username=heidi", None).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "[]"),
        "MC4 rollback"
    );
    let users = get_json(&sim, "/users?q=username%3Dgrace").await;
    assert_eq!(users[0]["email"], "grace@example.com", "MC4 {users}");
    assert_eq!(users[0]["realname"], "grace", "MC4 {users}");
    assert_eq!(users[0]["comment"], "from LDAP.", "MC4 {users}");
    let listed = get_json(&sim, &format!("{members}?entityname=grace")).await;
    assert_eq!(listed[0]["role_id"], 2, "MC4 {listed}");
    assert_eq!(listed[0]["entity_type"], "u", "MC4 {listed}");
    // A search bind the directory refuses: Harbor's uncoded error, its text not shown.
    sim.handle().with_state(|s| {
        s.configurations
            .insert("ldap_search_password".into(), json!("wrong"));
    });
    let (status, text) = send(&sim, Method::POST, members, by_name("heidi", 2)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "MC4 {text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON"),
        json!({"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}),
        "MC4"
    );
}
