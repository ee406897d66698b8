//! With no fault installed the simulator answers a 5xx only where the simulated Harbor does,
//! whatever it is sent (random methods, paths built from Harbor's own segments and junk, odd
//! query strings and bodies): a 500 whose cause it recorded, Harbor's uncoded error or a
//! panic of Harbor's handler (`CONFORMANCE.md`), never another server error.

use harbor_sim::{RunningSimulator, Simulator};
use proptest::prelude::*;
use reqwest::Method;

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("projects".to_owned()),
        Just("library".to_owned()),
        Just("demo".to_owned()),
        Just("repositories".to_owned()),
        Just("nginx".to_owned()),
        Just("team%252Fapp".to_owned()),
        Just("artifacts".to_owned()),
        Just("latest".to_owned()),
        Just("tags".to_owned()),
        Just("labels".to_owned()),
        Just("robots".to_owned()),
        Just("users".to_owned()),
        Just("1".to_owned()),
        Just("-7".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("%ZZ".to_owned()),
        "[a-zA-Z0-9%._~-]{0,12}",
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
        Just(Method::HEAD),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("?page=0".to_owned()),
        Just("?page=2&page_size=1".to_owned()),
        Just("?page_size=1000".to_owned()),
        Just("?q=name%3D~a,id%3D[1~x]&sort=-name".to_owned()),
        Just("?q=%7Bbroken".to_owned()),
        "\\?[a-z_]{1,8}=[a-zA-Z0-9%]{0,8}",
    ]
}

fn body() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("{}".to_owned())),
        Just(Some("{\"name\": 7, \"project_name\": [1]}".to_owned())),
        Just(Some("[1, 2".to_owned())),
        Just(Some(
            "{\"project_name\": \"p\", \"public\": true}".to_owned()
        )),
        ".{0,40}".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_input_gets_a_server_error_harbor_would_not_give(
        method in method(),
        segments in prop::collection::vec(segment(), 0..7),
        query in query(),
        body in body(),
    ) {
        let (runtime, sim, client) = &*FIXTURE;
        let url = format!("{}/{}{}", sim.api_url(), segments.join("/"), query);
        let status = runtime.block_on(async {
            let mut request = client.request(method.clone(), &url).basic_auth("admin", Some("Harbor12345"));
            if let Some(body) = body {
                request = request.header("Content-Type", "application/json").body(body);
            }
            request.send().await.map(|r| r.status())
        });
        // A URL reqwest refuses to build is not the simulator's business.
        if let Ok(status) = status
            && status.is_server_error()
        {
            let cause = sim.handle().last_answer().and_then(|a| a.cause);
            prop_assert!(
                status == reqwest::StatusCode::INTERNAL_SERVER_ERROR && cause.is_some(),
                "{method} {url} -> {status}"
            );
        }
    }
}

static FIXTURE: std::sync::LazyLock<(tokio::runtime::Runtime, RunningSimulator, reqwest::Client)> =
    std::sync::LazyLock::new(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = runtime
            .block_on(
                Simulator::builder()
                    .seed_demo(true)
                    .record_answers(true)
                    .start(),
            )
            .unwrap();
        (runtime, sim, reqwest::Client::new())
    });
