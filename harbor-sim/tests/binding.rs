//! Parameters bound as go-swagger binds them in front of Harbor (go-openapi runtime v0.32.2,
//! swag v0.23.1, binders of go-swagger v0.33.1): what Go's query parser drops, what
//! `swag.ConvertBool` accepts, how integers, paging, headers and `q` are read. Every answer
//! is checked against the spec when each test ends.

use reqwest::header::LOCATION;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

mod support;

fn get(sim: &support::CheckedSim, path_and_query: &str) -> RequestBuilder {
    Client::new()
        .request(Method::GET, format!("{}{path_and_query}", sim.api_url()))
        .basic_auth("admin", Some("Harbor12345"))
}

async fn names(request: RequestBuilder) -> (StatusCode, Vec<String>) {
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let names = body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    (status, names)
}

async fn message(request: RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let text = body["errors"][0]["message"].as_str().unwrap_or_default();
    (status, text.to_owned())
}

#[tokio::test]
async fn booleans_bind_as_swag_convert_bool() {
    let sim = support::start().await;
    // Python clients send `True`: any case of Harbor's ten true words is true.
    for word in ["True", "YES", "on", "1", "t", "Checked"] {
        let (status, listed) = names(get(&sim, &format!("/projects?public={word}"))).await;
        assert_eq!(status, StatusCode::OK, "{word}");
        assert_eq!(listed, ["library"], "{word} is true");
    }
    // Any other word is false, never a 422.
    for word in ["False", "nope", "2", "0"] {
        let (status, listed) = names(get(&sim, &format!("/projects?public={word}"))).await;
        assert_eq!(status, StatusCode::OK, "{word}");
        assert_eq!(listed, ["demo"], "{word} is false");
    }
    let tags = |flag: &str| {
        get(
            &sim,
            &format!("/projects/library/repositories/nginx/artifacts?with_tag={flag}"),
        )
        .send()
    };
    let without: Value = tags("FALSE").await.unwrap().json().await.unwrap();
    assert!(
        without[0].get("tags").is_none_or(Value::is_null),
        "{without}"
    );
    let with: Value = tags("Yes").await.unwrap().json().await.unwrap();
    assert!(with[0]["tags"][0]["name"].is_string(), "{with}");
}

#[tokio::test]
async fn boolean_headers_bind_alike_and_the_last_value_counts() {
    let sim = support::start().await;
    let create = |name: &str, values: &[&str]| {
        let mut request = Client::new()
            .post(format!("{}/projects", sim.api_url()))
            .basic_auth("admin", Some("Harbor12345"))
            .json(&json!({"project_name": name}));
        for v in values {
            request = request.header("X-Resource-Name-In-Location", *v);
        }
        request.send()
    };
    let location = |r: reqwest::Response| {
        assert_eq!(r.status(), StatusCode::CREATED);
        r.headers()[LOCATION].to_str().unwrap().to_owned()
    };
    let by_name = location(create("p1", &["ON"]).await.unwrap());
    assert!(by_name.ends_with("/projects/p1"), "{by_name}");
    let last = location(create("p2", &["true", "no"]).await.unwrap());
    assert!(
        !last.ends_with("/projects/p2"),
        "the last value, no, counts: {last}"
    );
    // An all-digit project name is read as a name under any true spelling.
    let created = location(create("12345", &[]).await.unwrap());
    assert!(!created.ends_with("/12345"), "{created}");
    let response = get(&sim, "/projects/12345")
        .header("X-Is-Resource-Name", "Yes")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let project: Value = response.json().await.unwrap();
    assert_eq!(project["name"], "12345");
}

#[tokio::test]
async fn the_query_string_is_split_as_go_splits_it() {
    let sim = support::start().await;
    // A pair holding a `;` and a pair with a malformed escape are dropped by `ParseQuery`:
    // `page_size` keeps its default of 10 and `public` is absent.
    for query in ["page_size=1;public=true", "page_size=%zz&public=%1"] {
        let (status, listed) = names(get(&sim, &format!("/projects?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(listed.len(), 2, "{query}: {listed:?}");
    }
    // Query names are case-sensitive: `PUBLIC` is no parameter, so nothing is filtered.
    let (status, listed) = names(get(&sim, "/projects?PUBLIC=true")).await;
    assert_eq!((status, listed.len()), (StatusCode::OK, 2));
    // A repeated parameter counts by its last value.
    let (status, listed) = names(get(&sim, "/projects?page_size=x&page_size=1")).await;
    assert_eq!((status, listed.len()), (StatusCode::OK, 1));
}

#[tokio::test]
async fn integers_and_pages_bind_without_a_minimum() {
    let sim = support::start().await;
    let (status, first) = names(get(&sim, "/projects?page_size=1&page=1")).await;
    assert_eq!(status, StatusCode::OK);
    for page in ["0", "-3", "%2B1"] {
        let response = get(&sim, &format!("/projects?page_size=1&page={page}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "page={page}");
        let link = response.headers()["link"].to_str().unwrap().to_owned();
        let listed: Value = response.json().await.unwrap();
        assert_eq!(listed[0]["name"], json!(first[0]), "page={page}");
        assert!(link.contains("rel=\"next\""), "{link}");
    }
    // `page_size` below zero is no limit, as 0 is.
    let (status, all) = names(get(&sim, "/projects?page_size=-5")).await;
    assert_eq!((status, all.len()), (StatusCode::OK, 2));
    // What `ParseInt` refuses, with the value as Go's %q prints it (`+1` is " 1": a `+` in a
    // query is a space).
    for (value, shown) in [
        ("1e2", r#""1e2""#),
        ("+1", r#"" 1""#),
        ("1%01", r#""1\x01""#),
    ] {
        let (status, text) = message(get(&sim, &format!("/projects?page_size={value}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        assert_eq!(
            text,
            format!("validation failure list:\npage_size in query must be of type int64: {shown}")
        );
    }
    let (status, text) = message(get(
        &sim,
        "/projects/library/repositories/nginx/artifacts/latest/additions/Build_History",
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "enums are case-sensitive"
    );
    assert!(
        text.contains("addition in path should be one of [build_history"),
        "{text}"
    );
}

#[tokio::test]
async fn q_is_unescaped_again_as_harbors_q_builder_does() {
    let sim = support::start().await;
    // A client that escaped `q` itself: go-swagger decodes once, `q.Build` once more.
    let (status, listed) = names(get(&sim, "/projects?q=name%253D~LIB")).await;
    assert_eq!(
        (status, listed),
        (StatusCode::OK, vec!["library".to_owned()])
    );
    // An or-list with quoted items.
    let (status, listed) = names(get(
        &sim,
        "/projects?q=name%3D%7B%22demo%22%20%27none%27%7D",
    ))
    .await;
    assert_eq!((status, listed), (StatusCode::OK, vec!["demo".to_owned()]));
    // A malformed condition is still Harbor's 400.
    let (status, text) = message(get(&sim, "/projects?q=name%253D")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("key/value cannot be empty"), "{text}");
}

#[tokio::test]
async fn media_types_are_checked_before_any_parameter() {
    let sim = support::start().await;
    let post = |content_type: Option<&'static str>| {
        let mut request = Client::new()
            .post(format!("{}/projects", sim.api_url()))
            .basic_auth("admin", Some("Harbor12345"))
            .body(r#"{"project_name":"typed"}"#);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        request
    };
    // No Content-Type reads as application/octet-stream; only JSON is consumed.
    for (sent, shown) in [
        (None, "application/octet-stream"),
        (Some("text/plain"), "text/plain"),
    ] {
        let (status, text) = message(post(sent)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            text,
            format!(
                "validation failure list:\nunsupported media type \"{shown}\", only [application/json] are allowed"
            )
        );
    }
    let created = post(Some("application/json; charset=utf-8"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    // Accept must take what the operation produces: a log is text/plain.
    let gc = get(&sim, "/system/gc")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let log = format!("/system/gc/{}/log", gc[0]["id"]);
    let (status, text) = message(get(&sim, &log).header("Accept", "application/json")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text,
        "validation failure list:\nunsupported media type requested, only [text/plain] are available"
    );
    for accept in ["text/plain", "*/*", "application/json, text/plain, */*"] {
        let response = get(&sim, &log)
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
    }
}

#[tokio::test]
async fn a_csv_array_is_split_and_read_as_any_of() {
    let sim = support::start().await;
    let policies: Value = get(&sim, "/projects/demo/webhook/policies")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let policy = &policies[0]["id"];
    let jobs = |status: &str| {
        get(
            &sim,
            &format!("/projects/demo/webhook/jobs?policy_id={policy}&status={status}"),
        )
        .send()
    };
    let all: Value = jobs("").await.unwrap().json().await.unwrap();
    let all = all.as_array().unwrap().len();
    assert!(all > 0, "the demo has a delivery");
    // Items are trimmed, empty ones dropped: every status the demo's deliveries can have.
    let any: Value = jobs("Success,%20Error,,Stopped")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(any.as_array().unwrap().len(), all);
    let none: Value = jobs("Pending").await.unwrap().json().await.unwrap();
    assert_eq!(none, json!([]));
}
