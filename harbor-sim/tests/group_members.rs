//! User groups as project members over real HTTP: found as Harbor's member controller finds
//! them, and answered with the group's own name.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

struct Admin {
    sim: support::CheckedSim,
    client: Client,
}

impl Admin {
    async fn new() -> Self {
        Self {
            sim: support::start().await,
            client: Client::new(),
        }
    }

    /// Status, `Location` and body of a request as the administrator.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.sim.api_url()))
            .basic_auth("admin", Some("Harbor12345"));
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get("Location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = r.json().await.unwrap_or(Value::Null);
        (status, location, body)
    }

    /// Adds `group` to `demo` as a guest: status and error message (empty on success).
    async fn add(&self, group: Value) -> (StatusCode, String) {
        let body = json!({"role_id": 3, "member_group": group});
        let (status, _, answer) = self
            .send(Method::POST, "/projects/demo/members", Some(body))
            .await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or("");
        (status, message.to_owned())
    }

    /// The group members of `demo`: entity id and name.
    async fn group_members(&self) -> Vec<(i64, String)> {
        let (_, _, members) = self.send(Method::GET, "/projects/demo/members", None).await;
        members
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["entity_type"] == "g")
            .map(|m| {
                let name = m["entity_name"].as_str().unwrap().to_owned();
                (m["entity_id"].as_i64().unwrap(), name)
            })
            .collect()
    }
}

#[tokio::test(start_paused = true)]
async fn a_group_member_is_named_after_its_group() {
    let admin = Admin::new().await;
    let group = json!({"group_name": "ops", "group_type": 3});
    let (status, location, _) = admin.send(Method::POST, "/usergroups", Some(group)).await;
    assert_eq!(status, StatusCode::CREATED);
    let ops: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    assert_eq!(
        admin.add(json!({"id": ops})).await,
        (StatusCode::CREATED, String::new())
    );
    assert_eq!(admin.group_members().await, [(ops, "ops".to_owned())]);

    // Renamed, the group's membership answers the new name.
    let renamed = json!({"group_name": "crew"});
    let path = format!("/usergroups/{ops}");
    let (status, ..) = admin.send(Method::PUT, &path, Some(renamed)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(admin.group_members().await, [(ops, "crew".to_owned())]);

    // The same group again, by id or by name and type, is a duplicate.
    let duplicate = (
        StatusCode::CONFLICT,
        "The project member specified already exist".to_owned(),
    );
    assert_eq!(admin.add(json!({"id": ops})).await, duplicate);
    let by_name = json!({"group_name": "crew", "group_type": 3});
    assert_eq!(admin.add(by_name).await, duplicate);
}

#[tokio::test(start_paused = true)]
async fn groups_are_found_by_id_dn_or_name_as_harbor_looks_them_up() {
    let admin = Admin::new().await;
    // The demo's LDAP group `dev`, by its DN: found in the user groups even under db_auth.
    let dn = "cn=dev,ou=groups,dc=example,dc=com";
    assert_eq!(
        admin.add(json!({"ldap_group_dn": dn})).await,
        (StatusCode::CREATED, String::new())
    );
    let members = admin.group_members().await;
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].1, "dev");

    assert_eq!(
        admin.add(json!({"id": 999})).await,
        (StatusCode::BAD_REQUEST, "Group 999 not found".to_owned())
    );
    // By name, Harbor filters on the type too (0 when absent), then asks the database
    // authenticator, which has no groups.
    assert_eq!(
        admin.add(json!({"group_name": "dev"})).await,
        (StatusCode::NOT_FOUND, "dev not found".to_owned())
    );
    assert_eq!(
        admin
            .add(json!({"group_name": "nobody", "group_type": 1}))
            .await,
        (StatusCode::NOT_FOUND, "nobody not found".to_owned())
    );
    assert_eq!(
        admin.add(json!({"id": 0})).await,
        (
            StatusCode::BAD_REQUEST,
            "at least one of member_user or member_group must be provided".to_owned()
        )
    );
}
