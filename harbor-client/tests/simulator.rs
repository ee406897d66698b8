//! The client against the simulator: names that look like ids, creates returning ids, the
//! credentials checks and the escape hatch.

use harbor_client::client::Method;
use harbor_client::error::{CredentialsRejected, NotFound, Unauthorized};
use harbor_client::{Credentials, Error, HarborClient, Identity, ProjectRef, capture_raw, models};
use harbor_sim::{RunningSimulator, Simulator};
use retry_runtime::ErrorClass;
use std::collections::BTreeMap;

async fn simulator() -> (RunningSimulator, HarborClient) {
    let sim = Simulator::start().await.expect("the simulator starts");
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .retry(None)
        .build()
        .unwrap();
    (sim, client)
}

fn project_req(name: &str) -> models::ProjectReq {
    models::ProjectReq {
        project_name: Some(name.into()),
        ..Default::default()
    }
}

/// A project named `2` while the project `demo` has the id 2: every call by name reaches the
/// new project (create, get, update, its metadata and immutable rules, delete) and `demo` is
/// never touched.
#[tokio::test]
async fn all_digit_names_are_names() {
    let (_sim, c) = simulator().await;
    let demo = c.get_project(2, &Default::default()).await.unwrap();
    assert_eq!(
        demo.name.as_deref(),
        Some("demo"),
        "the seed has demo as id 2"
    );
    let demo_metadata = c
        .get_project_metadata(2, &Default::default())
        .await
        .unwrap();

    let created = c
        .create_project(&project_req("2"), &Default::default())
        .await
        .unwrap();
    let new_id = created.id().expect("Location names the new project");
    assert_ne!(new_id, 2);

    let by_name = c.get_project("2", &Default::default()).await.unwrap();
    assert_eq!(
        (by_name.name.as_deref(), by_name.project_id),
        (Some("2"), Some(new_id))
    );
    let by_ref = c
        .get_project(ProjectRef::name("2"), &Default::default())
        .await
        .unwrap();
    assert_eq!(by_ref.project_id, Some(new_id));

    let update = models::ProjectReq {
        metadata: Some(models::ProjectMetadata {
            public: Some("true".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    c.update_project("2", &update, &Default::default())
        .await
        .unwrap();
    let meta = BTreeMap::from([("auto_scan".to_owned(), "true".to_owned())]);
    c.set_project_metadata("2", Some(&meta), &Default::default())
        .await
        .unwrap();
    let read = c
        .get_project_metadata("2", &Default::default())
        .await
        .unwrap();
    assert_eq!(read.get("auto_scan").map(String::as_str), Some("true"));
    assert_eq!(read.get("public").map(String::as_str), Some("true"));
    c.delete_project_metadata_entry("2", "auto_scan", &Default::default())
        .await
        .unwrap();

    let rule: models::ImmutableRule = serde_json::from_value(serde_json::json!({
        "action": "immutable", "template": "immutable_template", "priority": 0,
        "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
        "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}
    }))
    .unwrap();
    let rule_created = c
        .create_immutable_rule("2", &rule, &Default::default())
        .await
        .unwrap();
    let rules = c
        .get_immutable_rules("2", &Default::default())
        .await
        .unwrap();
    assert_eq!(rules.items.len(), 1);
    assert_eq!(rules.items[0].id, rule_created.id());
    assert!(
        c.get_immutable_rules(2, &Default::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "demo has no rule"
    );

    c.delete_project("2", &Default::default()).await.unwrap();
    let gone = c.get_project("2", &Default::default()).await.unwrap_err();
    assert!(NotFound::is_instance(&gone), "{gone}");

    // demo, id 2, is as it was.
    let demo_after = c.get_project(2, &Default::default()).await.unwrap();
    assert_eq!(demo_after.name.as_deref(), Some("demo"));
    assert_eq!(
        c.get_project_metadata(2, &Default::default())
            .await
            .unwrap(),
        demo_metadata
    );
}

/// Creates return the id that `Location` names, and it is the id of what was made.
#[tokio::test]
async fn creates_return_the_new_id() {
    let (_sim, c) = simulator().await;
    let created = c
        .create_project(&project_req("team-a"), &Default::default())
        .await
        .unwrap();
    let location = created.location().unwrap().to_owned();
    assert!(
        location.ends_with(&format!("/projects/{}", created.id().unwrap())),
        "{location}"
    );
    let p = c
        .get_project(created.id().unwrap(), &Default::default())
        .await
        .unwrap();
    assert_eq!(p.name.as_deref(), Some("team-a"));
}

#[tokio::test]
async fn verify_credentials_names_the_rejected_user() {
    let (sim, c) = simulator().await;
    let Identity::User(me) = c.verify_credentials().await.unwrap() else {
        panic!("admin is a user");
    };
    assert_eq!(me.username.as_deref(), Some("admin"));

    let wrong = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "not-the-password")
        .retry(None)
        .build()
        .unwrap();
    let e = wrong.verify_credentials().await.unwrap_err();
    assert!(CredentialsRejected::is_instance(&e), "{e:?}");
    assert!(Unauthorized::is_instance(&e), "{e:?}");
    assert!(e.to_string().contains("user \"admin\""), "{e}");
    assert!(e.request_id().is_some());

    let refused = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "not-the-password")
        .build_verified()
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("could not be verified"),
        "{refused}"
    );
}

/// A robot has no user record: Harbor answers `GET /users/current` with 412, and the client
/// then asks for the robot's permissions instead of calling the credentials rejected.
#[tokio::test]
async fn verify_credentials_of_a_robot_reads_its_permissions() {
    let (sim, admin) = simulator().await;
    let robot = models::RobotCreate {
        name: Some("verifier".into()),
        level: Some("system".into()),
        duration: Some(-1),
        permissions: Some(vec![models::RobotPermission {
            kind: Some("project".into()),
            namespace: Some("library".into()),
            access: Some(vec![models::Access {
                resource: Some("repository".into()),
                action: Some("pull".into()),
                ..Default::default()
            }]),
        }]),
        ..Default::default()
    };
    let created = admin.create_robot(&robot).await.unwrap();
    let name = created.name.clone().unwrap();
    let robot_client = HarborClient::builder(sim.base_url())
        .basic_auth(&name, created.secret.as_deref().unwrap())
        .build()
        .unwrap();
    let Identity::Other {
        username,
        permissions,
    } = robot_client.verify_credentials().await.unwrap()
    else {
        panic!("a robot is not a user");
    };
    assert_eq!(username.as_deref(), Some(name.as_str()));
    // No scope asked: Harbor answers an empty list, not an error.
    assert!(permissions.is_empty(), "{permissions:?}");
    assert_eq!(
        sim.handle().counts("getCurrentUserInfo").unwrap().received,
        1,
        "412 is not retried"
    );

    let wrong = HarborClient::builder(sim.base_url())
        .basic_auth(&name, "not-the-secret")
        .retry(None)
        .build()
        .unwrap();
    let e = wrong.verify_credentials().await.unwrap_err();
    assert!(CredentialsRejected::is_instance(&e), "{e:?}");
}

/// `set_credentials` reaches every clone, from the next request on.
#[tokio::test]
async fn set_credentials_applies_to_every_clone() {
    let (_sim, c) = simulator().await;
    let clone = c.clone();
    c.set_credentials(Credentials::basic("admin", "rotated-away"))
        .unwrap();
    let e = clone.verify_credentials().await.unwrap_err();
    assert!(matches!(e, Error::CredentialsRejected(_)), "{e:?}");
    clone
        .set_credentials(Credentials::basic("admin", "Harbor12345"))
        .unwrap();
    assert!(c.verify_credentials().await.is_ok());
}

/// The escape hatch sends like a generated method: same auth, same errors; raw answers are
/// there for errors too.
#[tokio::test]
async fn escape_hatch_and_raw_answers() {
    let (_sim, c) = simulator().await;
    let projects: serde_json::Value = c
        .request(Method::Get, "/projects")
        .query("name", "demo")
        .json()
        .await
        .unwrap();
    assert_eq!(projects[0]["name"], "demo");

    let typed: Vec<models::Project> = c
        .request(Method::Get, "/projects?page_size=1")
        .json()
        .await
        .unwrap();
    assert_eq!(typed.len(), 1);

    let raw = c
        .request(Method::Get, "/projects/demo")
        .header("X-Is-Resource-Name", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert!(
        raw.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(raw.json().unwrap()["name"], "demo");

    let body = project_req("via-hatch");
    let made = c
        .request(Method::Post, "/projects")
        .body(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    assert!(made.header("location").is_some());

    let e = c
        .request(Method::Get, "/projects/no-such-project")
        .send()
        .await
        .unwrap_err();
    assert!(NotFound::is_instance(&e), "{e}");
    assert_eq!(e.operation(), Some("request"));

    let (result, raw) = capture_raw(c.get_project("no-such-project", &Default::default())).await;
    assert!(result.is_err());
    let raw = raw.expect("the 404 was recorded");
    assert_eq!(raw.status(), 404);
    assert!(raw.json().unwrap()["errors"][0]["code"].is_string());

    let bad = c.request(Method::Get, "projects").send().await.unwrap_err();
    assert!(matches!(bad, Error::InvalidRequest { .. }), "{bad:?}");
}
