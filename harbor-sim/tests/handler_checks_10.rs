//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") that needed state or rules the
//! simulator lacked: the LDAP directory's bind accounts and people (LD7, MC4), the task
//! manager DAOs' attribute keys (W17, PH20), the latest-in-repository values (PA3) and the
//! paging of retention runs, whose spec gives no default and no maximum (RT21).
//! Each case is named by its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::state::ldap_directory::{DEMO_ADMIN_PASSWORD, DEMO_PEOPLE_PASSWORD};
use support::checks::{
    BAD, case, get_as_admin, get_json, ids, list_with_total, run, run as run_cases, send,
};

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
        (StatusCode::OK, "[]\n"),
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

/// beego's panic on a `q` value that is a struct (`getFlatParams`), the cause of its bare 500.
fn struct_value(go_type: &str) -> String {
    format!(
        "need a valid args value, unknown table or value `github.com/goharbor/harbor/src/lib/q.{go_type}`"
    )
}

#[tokio::test]
async fn w17_ph20_task_dao_reads_one_attribute_key() {
    let sim = support::start().await;
    let policy = "/projects/library/preheat/policies/nightly";
    let (status, text) = send(&sim, Method::POST, policy, Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let runs_path = format!("{policy}/executions");
    let run = ids(&get_json(&sim, &runs_path).await)[0];
    let tasks_path = format!("{runs_path}/{run}/tasks");
    let tasks = get_json(&sim, &tasks_path).await;
    let all = ids(&tasks);
    assert!(all.len() >= 2, "{tasks}");
    let repository = tasks[0]["extra_attrs"]["repository"]
        .as_str()
        .expect("a repository attribute")
        .to_owned();
    let query = |q: &str| format!("{tasks_path}?q={}", q.replace('=', "%3D"));
    // One key: exactly on the attribute's text.
    assert_eq!(
        ids(&get_json(
            &sim,
            &query(&format!("extra_attrs.repository={repository}"))
        )
        .await),
        vec![all[0]],
        "PH20"
    );
    // Two keys: the task DAO reads the first Go's map yields, never both; over 40 requests
    // each answer is one key's list, and the matching key's list shows up.
    let two = query(&format!(
        "extra_attrs.repository={repository},ExtraAttrs.vendor=nope"
    ));
    let mut seen_repository = false;
    for _ in 0..40 {
        let got = ids(&get_json(&sim, &two).await);
        assert!(got == vec![all[0]] || got.is_empty(), "PH20: {got:?}");
        seen_repository |= !got.is_empty();
    }
    assert!(seen_repository, "PH20: the repository key is drawn too");
    // The bare prefix names the attribute "" for tasks (none has it); executions skip it.
    assert_eq!(
        ids(&get_json(&sim, &query("extra_attrs.=kraken")).await),
        Vec::<i64>::new(),
        "PH20 bare prefix"
    );
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=extra_attrs.%3Dx")).await),
        ids(&get_json(&sim, &runs_path).await),
        "PH20 bare prefix of executions"
    );
    // A fuzzy, range or list value is a struct beego's `getFlatParams` panics on: beego's
    // bare 500.
    run_cases(
        &sim,
        vec![
            case("PH20", Method::GET, &query("extra_attrs.vendor=~kra"), None)
                .panics(struct_value("FuzzyMatchValue")),
            case(
                "PH20",
                Method::GET,
                &format!("{runs_path}?q=extra_attrs.a%3D%5B1~2%5D"),
                None,
            )
            .panics(struct_value("Range")),
        ],
    )
    .await;
}

#[tokio::test]
async fn w17_attribute_values_of_webhook_runs() {
    let sim = support::start().await;
    sim.handle()
        .push_image("demo", "team/app", "v3")
        .expect("push");
    let policies = get_json(&sim, "/projects/demo/webhook/policies").await;
    let notify = policies[0]["id"].as_i64().expect("a policy");
    let runs_path = format!("/projects/demo/webhook/policies/{notify}/executions");
    let runs = get_json(&sim, &runs_path).await;
    let run = ids(&runs)[0];
    run_cases(
        &sim,
        vec![
            case(
                "W17",
                Method::GET,
                &format!("{runs_path}?q=extra_attrs.event_type%3D%7BPUSH_ARTIFACT%20X%7D"),
                None,
            )
            .panics(struct_value("OrList")),
            case(
                "W17",
                Method::GET,
                &format!("{runs_path}/{run}/tasks?q=ExtraAttrs.x%3D(a%20b)"),
                None,
            )
            .panics(struct_value("AndList")),
        ],
    )
    .await;
    // Both keys of an execution query apply (its DAO reads them all).
    let pushes = get_json(
        &sim,
        &format!("{runs_path}?q=extra_attrs.event_type%3DPUSH_ARTIFACT"),
    )
    .await;
    assert!(!ids(&pushes).is_empty(), "W17 {pushes}");
    assert_eq!(
        ids(&get_json(
            &sim,
            &format!("{runs_path}?q=extra_attrs.event_type%3DPUSH_ARTIFACT,ExtraAttrs.other%3Dx")
        )
        .await),
        Vec::<i64>::new(),
        "W17 both keys"
    );
}

#[tokio::test]
async fn pa3_latest_in_repository_values() {
    let sim = support::start().await;
    let path = "/projects/library/artifacts?latest_in_repository=true";
    run_cases(
        &sim,
        vec![
            // `\` escapes to an empty value: the DAO's own 400.
            case(
                "PA3",
                Method::GET,
                &format!("{path}&q=media_type%3D%5C"),
                None,
            )
            .refused(
                BAD,
                r#"the value of "media_type" or "artifact_type" must be set"#,
            ),
            // A fuzzy, range or list value reaches the SQL as a struct: beego's
            // `getFlatParams` panics, a bare 500.
            case(
                "PA3",
                Method::GET,
                &format!("{path}&q=media_type%3D~docker"),
                None,
            )
            .panics(struct_value("FuzzyMatchValue")),
            case(
                "PA3",
                Method::GET,
                &format!("{path}&q=artifact_type%3D%7Ba%20b%7D"),
                None,
            )
            .panics(struct_value("OrList")),
            case(
                "PA3",
                Method::GET,
                &format!("{path}&q=artifact_type%3D%5Ba~b%5D"),
                None,
            )
            .panics(struct_value("Range")),
        ],
    )
    .await;
}

#[tokio::test]
async fn rt21_retention_runs_page_without_default_or_maximum() {
    let sim = support::start().await;
    let runs = "/retentions/1/executions";
    for _ in 0..12 {
        let (status, text) = send(&sim, Method::POST, runs, Some(json!({"dry_run": true}))).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    let (all, total) = list_with_total(&sim, runs).await;
    let total = total.expect("X-Total-Count");
    assert!(total > 12, "{total}");
    // No page_size: Go's zero, every run (where every other list answers 10).
    assert_eq!(all.len() as u64, total, "RT21");
    // Any size is taken (every other list's maximum is 100).
    let (big, _) = list_with_total(&sim, &format!("{runs}?page_size=500")).await;
    assert_eq!(big.len() as u64, total, "RT21");
    let (five, _) = list_with_total(&sim, &format!("{runs}?page=2&page_size=5")).await;
    assert_eq!(
        ids(&Value::from(five)),
        ids(&Value::from(all[5..10].to_vec()))
    );
    // A size without a page is page 0: `Links` points `next` at page 1, the same first page.
    let response = get_as_admin(&sim, &format!("{runs}?page_size=5")).await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert_eq!(
        link,
        format!("</api/v2.0{runs}?page=1&page_size=5>; rel=\"next\""),
        "RT21"
    );
}
