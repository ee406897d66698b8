//! The ledger's rows of a second reading of `retention.go` and of the preheat tables
//! (`CONFORMANCE.md`: RT8, RT16 to RT19 of `retention.go`, PH26 and PH27 of `preheat.go`,
//! binding rule 7): a policy without a trigger, a cron that one side of an update lacks, a
//! `null` cron, the order of the access checks, and values too long for their `varchar`
//! columns, which PostgreSQL refuses and Harbor answers with its 500.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{BAD, case, get_json, run, run_as};

const NIL: &str = "runtime error: invalid memory address or nil pointer dereference";
const BOB: (&str, &str) = ("bob", harbor_sim::SEED_USER_PASSWORD);

/// PostgreSQL's error for a value longer than a `varchar(n)` column.
fn too_long(n: usize) -> String {
    format!("ERROR: value too long for type character varying({n}) (SQLSTATE 22001)")
}

fn retention(project: i64, trigger: Option<Value>) -> Value {
    let mut body = json!({"algorithm": "or",
        "rules": [{"priority": 1, "action": "retain", "template": "always",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}],
        "scope": {"level": "project", "ref": project}});
    if let Some(trigger) = trigger {
        body["trigger"] = trigger;
    }
    body
}

fn schedule(settings: Value) -> Option<Value> {
    Some(json!({"kind": "Schedule", "settings": settings}))
}

async fn project_id(sim: &support::CheckedSim, name: &str) -> i64 {
    get_json(sim, &format!("/projects/{name}")).await["project_id"]
        .as_i64()
        .expect("a project id")
}

/// Creates a policy as `who`; its id.
async fn create_retention(sim: &support::CheckedSim, who: (&str, &str), body: Value) -> i64 {
    let (status, location, text) =
        support::send_as(sim, who, Method::POST, "/retentions", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location naming the policy")
}

#[tokio::test]
async fn retention_trigger_checks() {
    let sim = support::start().await;
    let demo = project_id(&sim, "demo").await;
    let long_kind = "ScheduleEveryNightAtTwo";
    run(
        &sim,
        vec![
            // RT16: the manager's `CreatePolicy` reads `p.Trigger.Kind` before its insert.
            case(
                "RT16",
                Method::POST,
                "/retentions",
                Some(retention(demo, None)),
            )
            .panics(format!("{NIL}: p.Trigger.Kind")),
            case(
                "RT16",
                Method::POST,
                "/retentions",
                Some(retention(demo, Some(Value::Null))),
            )
            .panics(format!("{NIL}: p.Trigger.Kind")),
            // RT8: a `null` cron is kept by the swagger model's `interface{}`, and is no string.
            case(
                "RT8",
                Method::POST,
                "/retentions",
                Some(retention(demo, schedule(json!({"cron": null})))),
            )
            .refused(
                BAD,
                "invalid cron type for scheduled tag retention: must be a string",
            ),
            // RT19: `trigger_kind varchar(20)`.
            case(
                "RT19",
                Method::POST,
                "/retentions",
                Some(retention(demo, Some(json!({"kind": long_kind})))),
            )
            .uncoded(too_long(20)),
        ],
    )
    .await;
    // Nothing was kept: the project still takes a policy, here a `Schedule` without a cron.
    let meta = get_json(&sim, "/projects/demo").await["metadata"].clone();
    assert!(meta.get("retention_id").is_none(), "RT16: {meta}");
    let id = create_retention(
        &sim,
        support::checks::ADMIN,
        retention(demo, schedule(json!({}))),
    )
    .await;
    let path = format!("/retentions/{id}");
    let mut long_level = retention(demo, schedule(json!({"cron": "0 0 1 * * *"})));
    long_level["scope"]["level"] = json!("project-of-the-demo-team");
    run(
        &sim,
        vec![
            // RT16: `p0.Trigger.Kind != p.Trigger.Kind` reads the body's nil trigger.
            case("RT16", Method::PUT, &path, Some(retention(demo, None)))
                .panics(format!("{NIL}: p.Trigger.Kind")),
            // RT17: the stored trigger has no cron, the body's has one: the old is asserted.
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({"cron": "0 0 0 * * *"})))),
            )
            .panics("interface conversion: interface {} is nil, not string"),
            // Both without a cron: equal, no assertion.
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({})))),
            ),
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, Some(json!({"kind": "Schedule"})))),
            ),
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, Some(json!({"kind": ""})))),
            ),
            // Turned `Schedule`: scheduled with the body's cron, asserted a string (absent:
            // a panic) and parsed (empty: the scheduler's 400), the write undone either way.
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({})))),
            )
            .panics("interface conversion: interface {} is nil, not string"),
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({"cron": ""})))),
            )
            .refused(BAD, "invalid cron : empty spec string"),
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({"cron": "0 0 1 * * *"})))),
            ),
            // RT17: now the body has none: its assertion panics.
            case(
                "RT17",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({"retry": 1})))),
            )
            .panics("interface conversion: interface {} is nil, not string"),
            case(
                "RT8",
                Method::PUT,
                &path,
                Some(retention(demo, schedule(json!({"cron": null})))),
            )
            .refused(
                BAD,
                "invalid cron type for scheduled tag retention: must be a string",
            ),
            // RT19: a level other than `project` is the system's access (the admin's), and
            // the manager's `UpdatePolicy` writes it to `scope_level varchar(20)`.
            case("RT19", Method::PUT, &path, Some(long_level)).uncoded(too_long(20)),
            case(
                "RT19",
                Method::PUT,
                &path,
                Some(retention(demo, Some(json!({"kind": long_kind})))),
            )
            .uncoded(too_long(20)),
        ],
    )
    .await;
    let policy = get_json(&sim, &path).await;
    assert_eq!(policy["trigger"]["kind"], "Schedule", "RT17: {policy}");
    assert_eq!(policy["trigger"]["settings"]["cron"], "0 0 1 * * *", "RT17");
    assert_eq!(policy["scope"]["level"], "project", "RT19: {policy}");
}

#[tokio::test]
async fn retention_delete_of_a_schedule_without_cron() {
    let sim = support::start().await;
    let demo = project_id(&sim, "demo").await;
    let id = create_retention(
        &sim,
        support::checks::ADMIN,
        retention(demo, schedule(json!({}))),
    )
    .await;
    let path = format!("/retentions/{id}");
    run(
        &sim,
        vec![
            case("RT20", Method::DELETE, &path, None)
                .panics("interface conversion: interface {} is nil, not string"),
            case("RT20", Method::GET, &path, None),
            // No `Schedule` trigger any more: it goes.
            case(
                "RT20",
                Method::PUT,
                &path,
                Some(retention(demo, Some(json!({"kind": ""})))),
            ),
            case("RT20", Method::DELETE, &path, None),
        ],
    )
    .await;
    let meta = get_json(&sim, "/projects/demo").await["metadata"].clone();
    assert!(meta.get("retention_id").is_none(), "RT20: {meta}");
}

#[tokio::test]
async fn retention_access_order() {
    let sim = support::start().await;
    let library = get_json(&sim, "/projects/library").await;
    let seeded = library["metadata"]["retention_id"]
        .as_str()
        .expect("library's policy")
        .to_owned();
    let library = library["project_id"].as_i64().expect("an id");
    let demo = project_id(&sim, "demo").await;
    let cron = || schedule(json!({"cron": ""}));
    let mut no_scope = retention(demo, cron());
    no_scope.as_object_mut().unwrap().remove("scope");
    // RT18: `retentionAPI.Prepare` asks for a signed-in caller before any handler check.
    run_as(
        &sim,
        ("nobody", "wrong"),
        vec![
            case("RT18", Method::POST, "/retentions", Some(no_scope.clone()))
                .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
            case(
                "RT18",
                Method::PUT,
                &format!("/retentions/{seeded}"),
                Some(no_scope),
            )
            .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
            case("RT18", Method::GET, "/retentions/999999", None)
                .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
            case(
                "RT18",
                Method::PATCH,
                &format!("/retentions/{seeded}/executions/1"),
                Some(json!({"action": "pause"})),
            )
            .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
        ],
    )
    .await;
    // bob is a developer of `demo` (all of `tag-retention`) and no member of `library`.
    let own = create_retention(&sim, BOB, retention(demo, cron())).await;
    let mismatch =
        |id: &str| format!("resource not found: the retention policy id {id} does not match");
    run_as(
        &sim,
        BOB,
        vec![
            // The update's access is the body's scope's: demo's passes, then the policy is
            // not demo's.
            case(
                "RT18",
                Method::PUT,
                &format!("/retentions/{seeded}"),
                Some(retention(demo, cron())),
            )
            .refused(StatusCode::NOT_FOUND, mismatch(&seeded)),
            // library's is refused, whatever the policy (an unknown id too).
            case(
                "RT18",
                Method::PUT,
                &format!("/retentions/{own}"),
                Some(retention(library, cron())),
            )
            .refused(StatusCode::FORBIDDEN, "forbidden"),
            case(
                "RT18",
                Method::PUT,
                "/retentions/999999",
                Some(retention(library, cron())),
            )
            .refused(StatusCode::FORBIDDEN, "forbidden"),
            // A stop's action comes before the policy and the caller's access.
            case(
                "RT18",
                Method::PATCH,
                &format!("/retentions/{seeded}/executions/1"),
                Some(json!({"action": "pause"})),
            )
            .refused(BAD, "bad request: action should be 'stop'"),
            case(
                "RT18",
                Method::PATCH,
                &format!("/retentions/{seeded}/executions/1"),
                Some(json!({"action": "stop"})),
            )
            .refused(StatusCode::FORBIDDEN, "forbidden"),
            // The policy is looked up before the caller's access.
            case("RT18", Method::GET, "/retentions/999999", None)
                .uncoded("no such Retention policy with id 999999"),
            case("RT18", Method::DELETE, "/retentions/999999", None)
                .refused(BAD, "bad request: no such Retention policy with id 999999"),
            case("RT18", Method::GET, &format!("/retentions/{seeded}"), None)
                .refused(StatusCode::FORBIDDEN, "forbidden"),
            case(
                "RT18",
                Method::PUT,
                &format!("/retentions/{own}"),
                Some(retention(demo, schedule(json!({"cron": "0 0 1 * * *"})))),
            ),
        ],
    )
    .await;
}

const INSTANCES: &str = "/p2p/preheat/instances";
const POLICIES: &str = "/projects/library/preheat/policies";

fn instance(name: &str, endpoint: &str) -> Value {
    json!({"name": name, "vendor": "dragonfly", "endpoint": endpoint, "auth_mode": "NONE",
        "enabled": true})
}

fn preheat(name: &str, provider: i64) -> Value {
    json!({"name": name, "provider_id": provider,
        "filters": r#"[{"type":"repository","value":"**"}]"#, "trigger": r#"{"type":"manual"}"#,
        "enabled": true})
}

#[tokio::test]
async fn preheat_columns() {
    let sim = support::start().await;
    let long = |n: usize| "a".repeat(n);
    let with = |mut body: Value, field: &str, value: Value| {
        body[field] = value;
        Some(body)
    };
    let endpoint = "https://d7y.example.com";
    run(
        &sim,
        vec![
            // PH27: `name`, `description`, `vendor`, `endpoint`, `auth_mode` varchar(255),
            // counted in characters.
            case(
                "PH27",
                Method::POST,
                INSTANCES,
                Some(instance(&long(256), endpoint)),
            )
            .uncoded(too_long(255)),
            case(
                "PH27",
                Method::POST,
                INSTANCES,
                with(
                    instance("d7y", endpoint),
                    "description",
                    json!("é".repeat(256)),
                ),
            )
            .uncoded(too_long(255)),
            case(
                "PH27",
                Method::POST,
                INSTANCES,
                with(
                    instance("d7y", endpoint),
                    "description",
                    json!("é".repeat(255)),
                ),
            )
            .answers(StatusCode::CREATED),
            case(
                "PH27",
                Method::POST,
                INSTANCES,
                Some(instance(
                    "d7y2",
                    &format!("https://{}.example.com", long(240)),
                )),
            )
            .uncoded(too_long(255)),
            // Before the name's unique key (PH7).
            case(
                "PH27",
                Method::POST,
                INSTANCES,
                with(
                    instance("d7y", "https://other.example.com"),
                    "auth_mode",
                    json!(long(256)),
                ),
            )
            .uncoded(too_long(255)),
        ],
    )
    .await;
    let listed = get_json(&sim, &format!("{INSTANCES}?q=name%3Dd7y")).await;
    let id = listed[0]["id"].as_i64().expect("the instance");
    let mut update = instance("d7y", endpoint);
    update["id"] = json!(id);
    update["default"] = json!(true);
    update["description"] = json!(long(300));
    run(
        &sim,
        vec![
            case(
                "PH27",
                Method::PUT,
                &format!("{INSTANCES}/d7y"),
                Some(update),
            )
            .uncoded(too_long(255)),
        ],
    )
    .await;
    // The failed update changed no default.
    let d7y = get_json(&sim, &format!("{INSTANCES}/d7y")).await;
    assert_eq!(d7y["default"], false, "PH27: {d7y}");
    assert_eq!(d7y["description"], "é".repeat(255), "PH27");

    let filters = format!(r#"[{{"type":"repository","value":"{}"}}]"#, long(1000));
    let trigger = format!(r#"{{"type":"manual"{}}}"#, " ".repeat(240));
    run(
        &sim,
        vec![
            // PH26: `name` varchar(255), `description` varchar(1024), `filters`
            // varchar(1024), `trigger` varchar(255), after the strings decode.
            case(
                "PH26",
                Method::POST,
                POLICIES,
                Some(preheat(&long(256), id)),
            )
            .uncoded(too_long(255)),
            case(
                "PH26",
                Method::POST,
                POLICIES,
                with(preheat("p1", id), "description", json!(long(1025))),
            )
            .uncoded(too_long(1024)),
            case(
                "PH26",
                Method::POST,
                POLICIES,
                with(preheat("p1", id), "filters", json!(filters)),
            )
            .uncoded(too_long(1024)),
            case(
                "PH26",
                Method::POST,
                POLICIES,
                with(preheat("p1", id), "trigger", json!(trigger)),
            )
            .uncoded(too_long(255)),
            case(
                "PH26",
                Method::POST,
                POLICIES,
                with(preheat("p1", id), "description", json!(long(1024))),
            )
            .answers(StatusCode::CREATED),
            // Before the name's unique key (PH15's 409).
            case(
                "PH26",
                Method::POST,
                POLICIES,
                with(preheat("p1", id), "trigger", json!(trigger)),
            )
            .uncoded(too_long(255)),
        ],
    )
    .await;
    let p1 = get_json(&sim, &format!("{POLICIES}/p1")).await;
    let mut update = preheat("p1", id);
    update["id"] = p1["id"].clone();
    update["filters"] = json!(filters);
    let mut scheduled = update.clone();
    scheduled["trigger"] =
        json!(r#"{"type":"scheduled","trigger_setting":{"cron":"0 0 1 * * *"}}"#);
    run(
        &sim,
        vec![
            case("PH26", Method::PUT, &format!("{POLICIES}/p1"), Some(update))
                .uncoded(too_long(1024)),
            // After a schedule change the controller wraps the write's error.
            case(
                "PH26",
                Method::PUT,
                &format!("{POLICIES}/p1"),
                Some(scheduled),
            )
            .uncoded(format!(
                "Update failed, but not rollback scheduler: {}",
                too_long(1024)
            )),
        ],
    )
    .await;
    let p1 = get_json(&sim, &format!("{POLICIES}/p1")).await;
    assert_eq!(p1["description"], long(1024), "PH26");
}

#[tokio::test]
async fn a_repository_name_that_does_not_unescape_twice_is_kept() {
    let sim = support::start().await;
    // Binding rule 7: `a%25zz` is `a%zz` after the router; the handlers' `Prepare` fails
    // to unescape it again and drops its `SendError` responder, so the name is `a%zz`
    // (which the artifact list does not look up: it lists none).
    run(
        &sim,
        vec![
            case(
                "binding 7",
                Method::GET,
                "/projects/library/repositories/a%25zz",
                None,
            )
            .refused(StatusCode::NOT_FOUND, "repository library/a%zz not found"),
            case(
                "binding 7",
                Method::GET,
                "/projects/library/repositories/a%25zz/artifacts",
                None,
            )
            .answers(StatusCode::OK),
        ],
    )
    .await;
}

/// The schedules a failed update leaves (SCH3): the request's transaction undoes what the
/// controller (un)scheduled before the failed write, a taken name here.
#[tokio::test]
async fn a_failed_update_keeps_the_schedule() {
    let sim = support::start().await;
    let schedule_id = |vendor: &'static str, id: i64| {
        let sim = &sim;
        async move {
            get_json(sim, "/schedules?page_size=100")
                .await
                .as_array()
                .expect("a list")
                .iter()
                .find(|s| s["vendor_type"] == vendor && s["vendor_id"] == id)
                .map(|s| s["id"].clone())
        }
    };
    let hub = get_json(&sim, "/registries?name=docker-hub").await[0]["id"].clone();
    let replication = |name: &str| {
        json!({"name": name, "src_registry": {"id": hub},
            "trigger": {"type": "scheduled", "trigger_settings": {"cron": "0 30 1 * * *"}}})
    };
    run(
        &sim,
        vec![
            case(
                "SCH3",
                Method::POST,
                "/replication/policies",
                Some(replication("nightly")),
            )
            .answers(StatusCode::CREATED),
            case(
                "SCH3",
                Method::POST,
                "/replication/policies",
                Some(replication("weekly")),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let nightly = get_json(&sim, "/replication/policies?name=nightly").await[0]["id"]
        .as_i64()
        .expect("the policy");
    let before = schedule_id("REPLICATION", nightly).await;
    assert!(before.is_some(), "SCH3");
    run(
        &sim,
        vec![
            case(
                "SCH3",
                Method::PUT,
                &format!("/replication/policies/{nightly}"),
                Some(replication("weekly")),
            )
            .refused(
                StatusCode::CONFLICT,
                "replication policy weekly already exists",
            ),
        ],
    )
    .await;
    assert_eq!(schedule_id("REPLICATION", nightly).await, before, "SCH3");

    // Preheat: a schedule change and a taken name.
    let manual = preheat("p1", 1);
    let mut scheduled = preheat("p2", 1);
    scheduled["trigger"] =
        json!(r#"{"type":"scheduled","trigger_setting":{"cron":"0 0 1 * * *"}}"#);
    run(
        &sim,
        vec![
            case("SCH3", Method::POST, POLICIES, Some(manual)).answers(StatusCode::CREATED),
            case("SCH3", Method::POST, POLICIES, Some(scheduled.clone()))
                .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let p2 = get_json(&sim, &format!("{POLICIES}/p2")).await["id"]
        .as_i64()
        .expect("the policy");
    let before = schedule_id("P2P_PREHEAT", p2).await;
    assert!(before.is_some(), "SCH3");
    let mut renamed = preheat("p1", 1);
    renamed["id"] = json!(p2);
    run(
        &sim,
        vec![
            case(
                "SCH3",
                Method::PUT,
                &format!("{POLICIES}/p2"),
                Some(renamed),
            )
            .uncoded(
                "Update failed, but not rollback scheduler: ERROR: duplicate key value \
                 violates unique constraint \"p2p_preheat_policy_name_project_id_key\" \
                 (SQLSTATE 23505)",
            ),
        ],
    )
    .await;
    assert_eq!(schedule_id("P2P_PREHEAT", p2).await, before, "SCH3");
}
