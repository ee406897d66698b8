//! The registry API (`/v2/`) and its token service as a registry client meets them: the
//! challenge, a token, blob uploads (monolithic, chunked, mounted), manifests by tag and by
//! digest, an index, tags and catalog listings, and what Harbor's REST API shows of the push.

use harbor_sim::state::registry_store::sha256_digest;
use harbor_sim::{RunningSimulator, Simulator};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

async fn start() -> (RunningSimulator, Client) {
    let sim = Simulator::builder().seed_demo(true).start().await.unwrap();
    (sim, Client::new())
}

fn admin(request: RequestBuilder) -> RequestBuilder {
    request.basic_auth("admin", Some("Harbor12345"))
}

/// What a client names in `Accept` when it reads a manifest: every type it can read, as
/// Docker, containerd and oras do.
const ACCEPT_MANIFESTS: &str = "application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

/// `request` for a manifest, accepting every manifest type.
fn accepting(request: RequestBuilder) -> RequestBuilder {
    request.header("Accept", ACCEPT_MANIFESTS)
}

/// Sends `request` as the administrator.
async fn call(request: RequestBuilder) -> Response {
    admin(request).send().await.unwrap()
}

/// The administrator's `GET` of `url`, its body as JSON.
async fn get_json(http: &Client, url: impl reqwest::IntoUrl) -> Value {
    json_of(call(http.get(url)).await).await
}

async fn json_of(response: Response) -> Value {
    response.json().await.unwrap()
}

/// Pushes `content` as a blob of `repo` in one request; returns its digest.
async fn push_blob(sim: &RunningSimulator, http: &Client, repo: &str, content: &[u8]) -> String {
    let digest = sha256_digest(content);
    let url = format!(
        "{}/v2/{repo}/blobs/uploads/?digest={digest}",
        sim.base_url()
    );
    let response = admin(http.post(url))
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["docker-content-digest"], digest.as_str());
    digest
}

/// An OCI image manifest over a config and one layer.
fn image(config: (&str, usize), layer: (&str, usize)) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.0, "size": config.1},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer.0, "size": layer.1}],
        "annotations": {"org.opencontainers.image.title": "demo"},
    }))
    .unwrap()
}

/// Pushes an image (config for `arch`, one layer) to `repo` under `tag`; returns the
/// manifest's digest and size.
async fn push_image(
    sim: &RunningSimulator,
    http: &Client,
    repo: &str,
    tag: &str,
    arch: &str,
) -> (String, usize) {
    let config = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "created": "2024-05-01T10:00:00Z",
        "config": {"Labels": {"maintainer": "ops@example.com"}},
        "history": [{"created": "2024-05-01T10:00:00Z", "created_by": "COPY app /app", "empty_layer": false}],
    }))
    .unwrap();
    let layer = format!("layer of {repo}:{tag}:{arch}").into_bytes();
    let config_digest = push_blob(sim, http, repo, &config).await;
    let layer_digest = push_blob(sim, http, repo, &layer).await;
    let manifest = image((&config_digest, config.len()), (&layer_digest, layer.len()));
    let response = admin(http.put(format!("{}/v2/{repo}/manifests/{tag}", sim.base_url())))
        .header("Content-Type", OCI_MANIFEST)
        .body(manifest.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let digest = sha256_digest(&manifest);
    (digest, manifest.len() + config.len() + layer.len())
}

#[tokio::test]
async fn a_client_is_challenged_then_gets_a_token_that_works() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let host = base.trim_start_matches("http://");
    let ping = http.get(format!("{base}/v2/")).send().await.unwrap();
    assert_eq!(ping.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        ping.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );
    assert_eq!(
        ping.headers()["www-authenticate"],
        format!(r#"Bearer realm="http://{host}/service/token",service="harbor-registry""#).as_str()
    );
    let pull = http
        .get(format!("{base}/v2/library/nginx/tags/list"))
        .send()
        .await
        .unwrap();
    assert!(
        pull.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .ends_with(r#"scope="repository:library/nginx:pull""#)
    );

    let token = get_json(
        &http,
        format!(
            "{base}/service/token?service=harbor-registry&scope=repository:library/demo:pull,push"
        ),
    )
    .await;
    assert_eq!(token["expires_in"], 1800);
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let ping = http
        .get(format!("{base}/v2/"))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    assert_eq!(ping.text().await.unwrap(), "{}");
    // The token grants the project's repositories, not only the one asked for.
    let digest = sha256_digest(b"hello");
    let upload = http
        .post(format!(
            "{base}/v2/library/other/blobs/uploads/?digest={digest}"
        ))
        .header("Authorization", &bearer)
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    // A wrong password gets no token without a scope, and the basic challenge on /v2/.
    let refused = http
        .get(format!("{base}/service/token?service=harbor-registry"))
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let wrong = http
        .get(format!("{base}/v2/"))
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong.headers()["www-authenticate"],
        r#"Basic realm="harbor""#
    );
}

#[tokio::test]
async fn a_pushed_image_is_pulled_back_and_is_an_artifact_of_harbor() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let (digest, size) = push_image(&sim, &http, "library/demo", "v1", "arm64").await;

    let manifest = call(accepting(
        http.get(format!("{base}/v2/library/demo/manifests/v1")),
    ))
    .await;
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(manifest.headers()["content-type"], OCI_MANIFEST);
    assert_eq!(manifest.headers()["docker-content-digest"], digest.as_str());
    let body = manifest.bytes().await.unwrap();
    assert_eq!(sha256_digest(&body), digest);
    let by_digest = call(accepting(
        http.head(format!("{base}/v2/library/demo/manifests/{digest}")),
    ))
    .await;
    assert_eq!(by_digest.status(), StatusCode::OK);
    let cached = admin(http.get(format!("{base}/v2/library/demo/manifests/v1")))
        .header("If-None-Match", format!("\"{digest}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    // A client that does not accept OCI manifests gets distribution's 404, by tag or digest,
    // and no pull is recorded (a Docker manifest is served whatever is accepted: see the
    // seeded images' test).
    let pulls = |sim: &RunningSimulator| {
        let state = sim.handle().state();
        let demo = state.repository_id("library", "demo").unwrap();
        state.repositories.get(&demo).unwrap().pull_count
    };
    let before = pulls(&sim);
    for accept in [
        None,
        Some("application/json"),
        Some("application/vnd.docker.distribution.manifest.v2+json, */*"),
    ] {
        let mut request = admin(http.get(format!("{base}/v2/library/demo/manifests/{digest}")));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{accept:?}");
        assert_eq!(
            json_of(refused).await,
            json!({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "OCI manifest found, but accept header does not support OCI manifests"}]})
        );
    }
    let listed = admin(http.get(format!("{base}/v2/library/demo/manifests/v1")))
        .header(
            "Accept",
            "text/html; q=0.9, Application/VND.OCI.Image.Manifest.v1+JSON; q=0.5",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.status(),
        StatusCode::OK,
        "matched without case or parameters"
    );
    assert_eq!(pulls(&sim), before + 1);

    let artifact = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/demo/artifacts/v1"),
    )
    .await;
    assert_eq!(artifact["digest"], digest.as_str());
    assert_eq!(artifact["size"], size);
    assert_eq!(artifact["type"], "IMAGE");
    assert_eq!(artifact["manifest_media_type"], OCI_MANIFEST);
    assert_eq!(
        artifact["media_type"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(artifact["extra_attrs"]["architecture"], "arm64");
    assert_eq!(artifact["extra_attrs"]["author"], "ops@example.com");
    assert_eq!(
        artifact["annotations"]["org.opencontainers.image.title"],
        "demo"
    );
    assert_eq!(artifact["tags"][0]["name"], "v1");

    // The build history is the config's.
    let history = get_json(&http, format!(
            "{base}/api/v2.0/projects/library/repositories/demo/artifacts/v1/additions/build_history"
        )).await;
    assert_eq!(
        history,
        json!([{"created": "2024-05-01T10:00:00Z", "created_by": "COPY app /app"}])
    );

    // The two GETs served were pulls Harbor records (the HEAD, the 304 and the refusals were
    // not).
    let repository = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/demo"),
    )
    .await;
    assert_eq!(repository["pull_count"], 2);
    let pulled = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/demo/artifacts/v1?with_tag=true"),
    )
    .await;
    assert_ne!(pulled["pull_time"], "0001-01-01T00:00:00.000Z");
    assert_eq!(pulled["tags"][0]["pull_time"], pulled["pull_time"]);
    let audit = get_json(
        &http,
        format!("{base}/api/v2.0/auditlog-exts?q=operation%3Dpull"),
    )
    .await;
    assert_eq!(audit[0]["resource"], "library/demo:v1");
    assert_eq!(audit[0]["username"], "admin");

    // The same content under a second tag is the same artifact.
    let manifest_bytes = body.to_vec();
    let again = admin(http.put(format!("{base}/v2/library/demo/manifests/v2")))
        .header("Content-Type", OCI_MANIFEST)
        .body(manifest_bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let tags = get_json(&http, format!("{base}/v2/library/demo/tags/list")).await;
    assert_eq!(tags, json!({"name": "library/demo", "tags": ["v1", "v2"]}));
    let page = call(http.get(format!("{base}/v2/library/demo/tags/list?n=1"))).await;
    assert_eq!(
        page.headers()["link"],
        r#"</v2/library/demo/tags/list?last=v1&n=1>; rel="next""#
    );
    assert_eq!(json_of(page).await["tags"], json!(["v1"]));

    // A tag is no digest for a delete; the digest deletes the artifact.
    let by_tag = call(http.delete(format!("{base}/v2/library/demo/manifests/v1"))).await;
    assert_eq!(by_tag.status(), StatusCode::BAD_REQUEST);
    let deleted = call(http.delete(format!("{base}/v2/library/demo/manifests/{digest}"))).await;
    assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    let gone = call(http.get(format!("{base}/v2/library/demo/manifests/v1"))).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(gone).await,
        json!({"errors": [{"code": "NOT_FOUND", "message": "artifact library/demo:v1 not found"}]})
    );
}

#[tokio::test]
async fn chunked_uploads_mounts_and_the_checks_on_them() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let start = call(http.post(format!("{base}/v2/library/demo/blobs/uploads/"))).await;
    assert_eq!(start.status(), StatusCode::ACCEPTED);
    assert_eq!(start.headers()["range"], "0-0");
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let chunk = admin(http.patch(format!("{base}{location}")))
        .header("Content-Range", "0-4")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(chunk.status(), StatusCode::ACCEPTED);
    assert_eq!(chunk.headers()["range"], "0-4");
    let out_of_order = admin(http.patch(format!("{base}{location}")))
        .header("Content-Range", "9-10")
        .body("xx")
        .send()
        .await
        .unwrap();
    assert_eq!(out_of_order.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let wrong = sha256_digest(b"something else");
    let mismatch = admin(http.put(format!("{base}{location}?digest={wrong}")))
        .body(" world")
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(mismatch).await["errors"][0]["code"],
        "DIGEST_INVALID"
    );

    let start = call(http.post(format!("{base}/v2/library/demo/blobs/uploads/"))).await;
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    admin(http.patch(format!("{base}{location}")))
        .body("hello")
        .send()
        .await
        .unwrap();
    let digest = sha256_digest(b"hello world");
    let done = admin(http.put(format!("{base}{location}?digest={digest}")))
        .body(" world")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::CREATED);
    let blob = call(http.get(format!("{base}/v2/library/demo/blobs/{digest}"))).await;
    assert_eq!(blob.text().await.unwrap(), "hello world");
    let finished = call(http.get(format!("{base}{location}"))).await;
    assert_eq!(finished.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(finished).await["errors"][0]["code"],
        "BLOB_UPLOAD_UNKNOWN"
    );

    // Not in another repository until mounted there.
    let elsewhere = call(http.head(format!("{base}/v2/library/other/blobs/{digest}"))).await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let mount = call(http.post(format!(
        "{base}/v2/library/other/blobs/uploads/?mount={digest}&from=library/demo"
    )))
    .await;
    assert_eq!(mount.status(), StatusCode::CREATED);
    let mounted = call(http.head(format!("{base}/v2/library/other/blobs/{digest}"))).await;
    assert_eq!(mounted.status(), StatusCode::OK);
    assert_eq!(mounted.headers()["content-length"], "11");

    // A manifest naming a blob the repository lacks is refused, naming the blob.
    let missing = sha256_digest(b"never pushed");
    let refused = admin(http.put(format!("{base}/v2/library/demo/manifests/bad")))
        .header("Content-Type", OCI_MANIFEST)
        .body(image((&digest, 11), (&missing, 12)))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(refused).await,
        json!({"errors": [{"code": "MANIFEST_BLOB_UNKNOWN", "message": "blob unknown to registry", "detail": missing}]})
    );
}

#[tokio::test]
async fn an_index_lists_images_pushed_before_it() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let (amd, amd_size) = push_image(&sim, &http, "library/multi", "amd", "amd64").await;
    let (arm, arm_size) = push_image(&sim, &http, "library/multi", "arm", "arm64").await;
    let entry = |digest: &str, arch: &str| json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": 1, "platform": {"os": "linux", "architecture": arch}});
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [entry(&amd, "amd64"), entry(&arm, "arm64")],
    }))
    .unwrap();
    let pushed = admin(http.put(format!("{base}/v2/library/multi/manifests/latest")))
        .header("Content-Type", OCI_INDEX)
        .body(index.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    let artifact = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/multi/artifacts/latest"),
    )
    .await;
    assert_eq!(artifact["size"], index.len() + amd_size + arm_size);
    assert_eq!(artifact["manifest_media_type"], OCI_INDEX);
    assert_eq!(
        artifact["references"][1]["platform"]["architecture"],
        "arm64"
    );
    assert_eq!(artifact["references"][0]["child_digest"], amd.as_str());
    // The index's children cannot go while it lists them.
    let child = call(http.delete(format!("{base}/v2/library/multi/manifests/{amd}"))).await;
    assert_eq!(child.status(), StatusCode::PRECONDITION_FAILED);

    let catalog = get_json(&http, format!("{base}/v2/_catalog?n=100")).await;
    let names: Vec<&str> = catalog["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(names.contains(&"library/multi"));
    assert!(names.windows(2).all(|w| w[0] < w[1]));
}

/// Pulls the manifest `reference` of `repo` and every blob it names, checking each digest and
/// size as a client does; returns the manifest and the content's size (manifest and blobs).
async fn pull(base: &str, http: &Client, repo: &str, reference: &str) -> (Value, String, usize) {
    let response = call(accepting(
        http.get(format!("{base}/v2/{repo}/manifests/{reference}")),
    ))
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{repo}:{reference}");
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let digest = response.headers()["docker-content-digest"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.bytes().await.unwrap();
    assert_eq!(
        digest,
        sha256_digest(&body),
        "the digest is the manifest's bytes'"
    );
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["mediaType"], media_type.as_str());
    let mut size = body.len();
    let descriptors = std::iter::once(&manifest["config"])
        .chain(manifest["layers"].as_array().into_iter().flatten())
        .filter(|d| d.is_object());
    for descriptor in descriptors {
        let digest = descriptor["digest"].as_str().unwrap();
        let blob = call(http.get(format!("{base}/v2/{repo}/blobs/{digest}"))).await;
        assert_eq!(blob.status(), StatusCode::OK, "{repo}@{digest}");
        let bytes = blob.bytes().await.unwrap();
        assert_eq!(sha256_digest(&bytes), digest);
        assert_eq!(Some(bytes.len() as u64), descriptor["size"].as_u64());
        size += bytes.len();
    }
    (manifest, digest, size)
}

#[tokio::test]
async fn the_simulators_own_images_are_pulled_as_harbor_serves_them() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    // A seeded image: its digest, size and platform are the artifact's.
    let (manifest, digest, size) = pull(&base, &http, "library/nginx", "latest").await;
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    let artifact = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/nginx/artifacts/latest"),
    )
    .await;
    assert_eq!(artifact["digest"], digest.as_str());
    assert_eq!(artifact["size"].as_u64(), Some(size as u64));
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let config = get_json(
        &http,
        format!("{base}/v2/library/nginx/blobs/{config_digest}"),
    )
    .await;
    // Harbor's image processor reads `extra_attrs` and the build history off that config
    // (`src/controller/artifact/processor/image/manifest_v2.go`): all five attributes, and
    // the history as the config has it.
    assert_eq!(
        artifact["extra_attrs"],
        json!({"architecture": config["architecture"], "os": config["os"],
               "created": config["created"], "config": {}, "author": ""})
    );
    let created = config["created"].as_str().unwrap();
    assert!(
        humantime::parse_rfc3339(created).is_ok()
            && created
                .split_once('.')
                .is_none_or(|(_, fraction)| !fraction.ends_with("0Z")),
        "a build time as Go writes one: {created}"
    );
    let history = get_json(
        &http,
        format!(
            "{base}/api/v2.0/projects/library/repositories/nginx/artifacts/latest/additions/build_history"
        ),
    )
    .await;
    assert_eq!(history, config["history"]);
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(2),
        "one step a layer"
    );
    assert_eq!(history[1]["created"], created);
    // A Docker manifest is served whatever the client accepts (Harbor asks distribution by
    // digest, which rewrites none).
    let plain = call(http.get(format!("{base}/v2/library/nginx/manifests/latest"))).await;
    assert_eq!(plain.headers()["docker-content-digest"], digest.as_str());
    // Images of a repository share their base layer; another repository does not serve it.
    let (older, _, _) = pull(&base, &http, "library/nginx", "1.27").await;
    assert_eq!(older["layers"][0], manifest["layers"][0]);
    assert_ne!(older["layers"][1], manifest["layers"][1]);
    let layer = manifest["layers"][1]["digest"].as_str().unwrap();
    let elsewhere = call(http.get(format!("{base}/v2/library/alpine/blobs/{layer}"))).await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(elsewhere).await["errors"][0]["code"],
        "BLOB_UNKNOWN"
    );
    // `SimHandle::push_image` and an index made by `push_image_index`: the index lists its
    // children by their manifests' digests and sizes.
    let pushed = sim.handle().push_image("demo", "tools", "v1").unwrap();
    let (_, digest, _) = pull(&base, &http, "demo/tools", "v1").await;
    assert_eq!(digest, pushed);
    let index = sim
        .handle()
        .push_image_index(
            "library",
            "multi",
            "1.0",
            &["linux/amd64", "linux/arm64/v8"],
        )
        .unwrap();
    let (listed, digest, _) = pull(&base, &http, "library/multi", "1.0").await;
    assert_eq!(
        (listed["mediaType"].as_str(), digest),
        (Some(OCI_INDEX), index)
    );
    for child in listed["manifests"].as_array().unwrap() {
        let reference = child["digest"].as_str().unwrap();
        let (image, digest, _) = pull(&base, &http, "library/multi", reference).await;
        assert_eq!(image["mediaType"], OCI_MANIFEST);
        let own = call(accepting(
            http.get(format!("{base}/v2/library/multi/manifests/{digest}")),
        ))
        .await;
        assert_eq!(
            Some(own.bytes().await.unwrap().len() as u64),
            child["size"].as_u64()
        );
    }
    // A copy through the REST API serves the same content from its repository.
    let copied = call(http.post(format!(
        "{base}/api/v2.0/projects/demo/repositories/mirror/artifacts?from=library/nginx:latest"
    )))
    .await;
    assert_eq!(copied.status(), StatusCode::CREATED);
    let (_, digest, _) = pull(
        &base,
        &http,
        "demo/mirror",
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(digest, artifact["digest"].as_str().unwrap());
}

#[tokio::test]
async fn access_is_checked_as_harbor_checks_it() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    // No such project: v2auth's 401, with the project controller's words (twice, as
    // `UnauthorizedError(err).WithMessage(err.Error())` writes them) and no challenge.
    let nowhere = call(http.post(format!("{base}/v2/nowhere/app/blobs/uploads/"))).await;
    assert_eq!(nowhere.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(nowhere.headers()["www-authenticate"], "");
    assert_eq!(
        json_of(nowhere).await["errors"][0]["message"],
        "project nowhere not found: project nowhere not found"
    );
    // An invalid name.
    let invalid = call(http.get(format!("{base}/v2/library/Nginx/tags/list"))).await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(invalid).await["errors"][0]["code"], "NAME_INVALID");
    // The catalog is a system administrator's.
    let token = json_of(
        http.get(format!(
            "{base}/service/token?service=harbor-registry&scope=registry:catalog:*"
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    let anonymous = http
        .get(format!("{base}/v2/_catalog"))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        r#"Basic realm="harbor""#
    );
    // A tag an immutable rule protects cannot be pushed over.
    let (_, _) = push_image(&sim, &http, "library/locked", "v1", "amd64").await;
    let project_id = sim.handle().state().project_id("library", true).unwrap();
    let rule = json!({"disabled": false, "action": "immutable", "template": "immutable_template",
        "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v1"}],
        "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}});
    let created = admin(http.post(format!(
        "{base}/api/v2.0/projects/{project_id}/immutabletagrules"
    )))
    .json(&rule)
    .send()
    .await
    .unwrap();
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{:?}",
        created.text().await
    );
    let over = admin(http.put(format!("{base}/v2/library/locked/manifests/v1")))
        .header("Content-Type", OCI_MANIFEST)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        json_of(over).await["errors"][0]["message"],
        "Failed to process request due to 'locked:v1' configured as immutable."
    );
}

#[tokio::test]
async fn a_manifest_with_a_subject_is_an_accessory_listed_by_the_referrers_api() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/signed";
    // The signature first, before its subject is there: it waits for it.
    let subject = {
        let config = serde_json::to_vec(&json!({"architecture": "amd64", "os": "linux"})).unwrap();
        let layer = b"the signed image".to_vec();
        let config_digest = push_blob(&sim, &http, repo, &config).await;
        let layer_digest = push_blob(&sim, &http, repo, &layer).await;
        let manifest = image((&config_digest, config.len()), (&layer_digest, layer.len()));
        (sha256_digest(&manifest), manifest)
    };
    let empty_config = push_blob(&sim, &http, repo, b"{}").await;
    let payload = push_blob(&sim, &http, repo, b"signature bytes").await;
    let signature = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.cncf.notary.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_config, "size": 2},
        "layers": [{"mediaType": "application/jose+json", "digest": payload, "size": 15}],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject.0, "size": subject.1.len()},
        "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": "[]"},
    }))
    .unwrap();
    let signature_digest = sha256_digest(&signature);
    let pushed = admin(http.put(format!("{base}/v2/{repo}/manifests/{signature_digest}")))
        .header("Content-Type", OCI_MANIFEST)
        .body(signature.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    assert_eq!(pushed.headers()["oci-subject"], subject.0.as_str());
    let pushed = admin(http.put(format!("{base}/v2/{repo}/manifests/v1")))
        .header("Content-Type", OCI_MANIFEST)
        .body(subject.1.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);

    let referrers = call(http.get(format!("{base}/v2/{repo}/referrers/{}", subject.0))).await;
    assert_eq!(referrers.headers()["content-type"], OCI_INDEX);
    assert_eq!(referrers.headers()["x-total-count"], "1");
    let index = json_of(referrers).await;
    assert_eq!(index["manifests"][0]["digest"], signature_digest.as_str());
    assert_eq!(index["manifests"][0]["size"], signature.len());
    assert_eq!(
        index["manifests"][0]["artifactType"],
        "application/vnd.cncf.notary.signature"
    );
    let filtered = call(http.get(format!(
        "{base}/v2/{repo}/referrers/{}?artifactType=application/spdx%2Bjson",
        subject.0
    )))
    .await;
    assert_eq!(filtered.headers()["oci-filters-applied"], "artifactType");
    assert_eq!(json_of(filtered).await["manifests"], json!([]));

    // Harbor's REST API: the list leaves the signature out, the subject carries it.
    let rest = format!("{base}/api/v2.0/projects/library/repositories/signed");
    let listed = get_json(&http, format!("{rest}/artifacts")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["digest"], subject.0.as_str());
    let repository = get_json(&http, &rest).await;
    assert_eq!(repository["artifact_count"], 1);
    let with = get_json(&http, format!("{rest}/artifacts/v1?with_accessory=true")).await;
    let accessory = &with["accessories"][0];
    assert_eq!(accessory["type"], "signature.notation");
    assert_eq!(accessory["digest"], signature_digest.as_str());
    assert_eq!(accessory["subject_artifact_id"], with["id"]);
    let accessories = get_json(
        &http,
        format!("{rest}/artifacts/v1/accessories?q=type%3Dsignature.notation"),
    )
    .await;
    assert_eq!(accessories.as_array().unwrap().len(), 1);

    // Deleting the subject takes its signature along.
    let deleted = call(http.delete(format!("{rest}/artifacts/v1"))).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let gone = call(http.get(format!("{rest}/artifacts/{signature_digest}"))).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let referrers = get_json(&http, format!("{base}/v2/{repo}/referrers/{}", subject.0)).await;
    assert_eq!(referrers["manifests"], json!([]));
}

/// The storage the quota of project `name` says is used.
async fn storage_used(http: &Client, base: &str, name: &str) -> Value {
    let quotas = get_json(http, format!("{base}/api/v2.0/quotas?reference=project")).await;
    let quota = quotas
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["ref"]["name"] == name)
        .unwrap();
    quota["used"]["storage"].clone()
}

#[tokio::test]
async fn a_push_over_the_projects_storage_quota_is_denied() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let created = admin(http.post(format!("{base}/api/v2.0/projects")))
        .json(&json!({"project_name": "small", "storage_limit": 2048}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    // A webhook hears of the quota's refusals and warnings.
    let hook = json!({"name": "quota", "enabled": true, "event_types": ["QUOTA_EXCEED", "QUOTA_WARNING"],
                      "targets": [{"type": "http", "address": "http://ci.example.com/hook"}]});
    let hooks = format!("{base}/api/v2.0/projects/small/webhook/policies");
    let made = call(http.post(&hooks).json(&hook)).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let hook = made.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    // The events' payloads, oldest first.
    let events = || {
        let (http, url) = (http.clone(), format!("{hooks}/{hook}/executions"));
        async move {
            let runs = get_json(&http, url).await;
            let mut payloads: Vec<Value> = runs
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    serde_json::from_str(r["extra_attrs"]["payload"].as_str().unwrap()).unwrap()
                })
                .collect();
            payloads.reverse();
            payloads
        }
    };
    // 1,500 bytes fit; the next 1,000 would not. (An upload in a session: Harbor's quota
    // and `blob` middlewares see a session's last PUT, not a monolithic POST.)
    let upload = |content: Vec<u8>| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let start = call(http.post(format!("{base}/v2/small/app/blobs/uploads/"))).await;
            let location = start.headers()["location"].to_str().unwrap().to_owned();
            let digest = sha256_digest(&content);
            admin(http.put(format!("{base}{location}?digest={digest}")))
                .body(content)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(upload(vec![7u8; 1500]).await.status(), StatusCode::CREATED);
    // An uploaded blob counts before any manifest references it, as a `project_blob` row.
    assert_eq!(storage_used(&http, &base, "small").await, 1500);
    let denied = upload(vec![9u8; 1000]).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_of(denied).await,
        json!({"errors": [{"code": "DENIED", "message": "Quota exceeded when processing the request of adding 1000 B of storage resource, which when updated to current usage of 1.5 KiB will exceed the configured upper limit of 2.0 KiB."}]})
    );
    assert_eq!(storage_used(&http, &base, "small").await, 1500);

    // A manifest counts its own bytes and its blobs not yet the project's: a config pushed in
    // one POST (which Harbor neither reserves nor associates) tips it over.
    let config = push_blob(&sim, &http, "small/app", &[1u8; 600]).await;
    let layer = sha256_digest(&[7u8; 1500]);
    let manifest = image((&config, 600), (&layer, 1500));
    let denied = admin(http.put(format!("{base}/v2/small/app/manifests/v1")))
        .header("Content-Type", OCI_MANIFEST)
        .body(manifest.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let message = json_of(denied).await["errors"][0]["message"].clone();
    assert_eq!(
        message,
        format!(
            "Quota exceeded when processing the request of adding {} of storage resource, which when updated to current usage of 1.5 KiB will exceed the configured upper limit of 2.0 KiB.",
            harbor_sim::state::quotas::display_size(manifest.len() as i64 + 600)
        )
    );

    // Each refusal was a `QUOTA_EXCEED` event with its words; the manifest's names its tag
    // and digest, a blob's nothing.
    let refused = events().await;
    assert_eq!(refused.len(), 2, "{refused:?}");
    for event in &refused {
        assert_eq!(event["type"], "QUOTA_EXCEED");
        assert_eq!(event["operator"], "admin");
        assert_eq!(
            event["event_data"]["repository"]["repo_full_name"],
            "small/app"
        );
    }
    assert!(refused[0]["event_data"].get("resources").is_none());
    assert_eq!(
        refused[1]["event_data"]["custom_attributes"]["Details"],
        message
    );
    assert_eq!(refused[1]["event_data"]["resources"][0]["tag"], "v1");
    assert_eq!(
        refused[1]["event_data"]["resources"][0]["digest"],
        sha256_digest(&manifest)
    );
    // 300 more bytes take the project past 85 % of its limit: a `QUOTA_WARNING`.
    assert_eq!(upload(vec![5u8; 300]).await.status(), StatusCode::CREATED);
    let warned = events().await;
    assert_eq!(warned.len(), 3);
    assert_eq!(warned[2]["type"], "QUOTA_WARNING");
    assert_eq!(
        warned[2]["event_data"]["custom_attributes"]["Details"],
        "quota usage reach 85%: resource storage used 1.8 KiB of 2.0 KiB"
    );
}

#[tokio::test]
async fn a_cosign_signature_tag_signs_the_digest_it_names() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/cosigned";
    let (subject, _) = push_image(&sim, &http, repo, "v1", "amd64").await;
    let config = push_blob(&sim, &http, repo, b"{}").await;
    let payload = push_blob(&sim, &http, repo, b"{\"critical\":{}}").await;
    let signature = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": payload, "size": 15,
            "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQ=="}}],
    }))
    .unwrap();
    let tag = format!("sha256-{}.sig", subject.trim_start_matches("sha256:"));
    let pushed = admin(http.put(format!("{base}/v2/{repo}/manifests/{tag}")))
        .header("Content-Type", OCI_MANIFEST)
        .body(signature.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    // cosign's tag scheme, not OCI 1.1: no `OCI-Subject`, yet Harbor records the signature.
    assert!(pushed.headers().get("oci-subject").is_none());
    let rest = format!("{base}/api/v2.0/projects/library/repositories/cosigned");
    let subject_view = get_json(&http, format!("{rest}/artifacts/v1?with_accessory=true")).await;
    assert_eq!(subject_view["accessories"][0]["type"], "signature.cosign");
    assert_eq!(
        subject_view["accessories"][0]["digest"],
        sha256_digest(&signature).as_str()
    );
    let listed = get_json(&http, format!("{rest}/artifacts")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // The signature's own tag still names it through the registry.
    let by_tag = call(accepting(
        http.head(format!("{base}/v2/{repo}/manifests/{tag}")),
    ))
    .await;
    assert_eq!(by_tag.status(), StatusCode::OK);

    // A copy through the REST API takes the content and the signature along.
    let copied = call(http.post(format!(
        "{base}/api/v2.0/projects/library/repositories/copied/artifacts?from=library/cosigned:v1"
    )))
    .await;
    assert_eq!(copied.status(), StatusCode::CREATED);
    let pulled = call(accepting(
        http.get(format!("{base}/v2/library/copied/manifests/v1")),
    ))
    .await;
    assert_eq!(pulled.status(), StatusCode::OK);
    assert_eq!(pulled.headers()["docker-content-digest"], subject.as_str());
    let copy = get_json(
        &http,
        format!(
            "{base}/api/v2.0/projects/library/repositories/copied/artifacts/v1?with_accessory=true"
        ),
    )
    .await;
    assert_eq!(copy["accessories"][0]["type"], "signature.cosign");
    assert_eq!(
        copy["accessories"][0]["subject_artifact_repo"],
        "library/copied"
    );
    assert_eq!(copy["accessories"][0]["subject_artifact_id"], copy["id"]);
}

/// Harbor's `v1alpha1` annotations, which only its default processor reads (an artifact of a
/// type no processor claims, here Harbor's own example of a user-defined model): the layer
/// annotated as the icon is the artifact's icon, and the config's skip-list takes keys out of
/// its `extra_attrs`. On an image the same annotation is just a layer's.
#[tokio::test]
async fn a_layer_annotated_as_harbors_icon_is_the_artifacts_icon() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/iconic";
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let config = br#"{"framework":"tensorflow","metrics":{"loss":0.1},"git":"abc"}"#;
    let config_digest = push_blob(&sim, &http, repo, config).await;
    let manifest_of = |config_type: &str, icon: &str, size: usize| {
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config.len(),
                "annotations": {"io.goharbor.artifact.v1alpha1.skip-list": "metrics,git"}},
            "layers": [{"mediaType": "image/png", "digest": icon, "size": size,
                "annotations": {"io.goharbor.artifact.v1alpha1.icon": ""}}],
        }))
        .unwrap()
    };
    let manifest = |icon: &str, size: usize| {
        manifest_of(
            "application/vnd.caicloud.model.config.v1alpha1+json",
            icon,
            size,
        )
    };
    let put = |tag: &str, body: Vec<u8>| {
        admin(http.put(format!("{base}/v2/{repo}/manifests/{tag}")))
            .header("Content-Type", OCI_MANIFEST)
            .body(body)
            .send()
    };
    let icon_digest = push_blob(&sim, &http, repo, &png).await;
    let pushed = put("v1", manifest(&icon_digest, png.len())).await.unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    let rest = format!("{base}/api/v2.0/projects/library/repositories");
    let artifact = get_json(&http, format!("{rest}/iconic/artifacts/v1")).await;
    assert_eq!(artifact["type"], "MODEL");
    assert_eq!(artifact["icon"], icon_digest.as_str());
    assert_eq!(artifact["extra_attrs"], json!({"framework": "tensorflow"}));
    let icon = call(http.get(format!("{base}/api/v2.0/icons/{icon_digest}"))).await;
    assert_eq!(icon.status(), StatusCode::OK);
    // A layer that is no image fails the push: the registry keeps the manifest, Harbor makes
    // no artifact.
    let text = b"not an image";
    let text_digest = push_blob(&sim, &http, repo, text).await;
    let refused = put("v2", manifest(&text_digest, text.len())).await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(refused).await["errors"][0]["message"],
        "unsupported content type: text/plain; charset=utf-8"
    );
    let missing = call(http.get(format!("{rest}/iconic/artifacts/v2"))).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // An image's processor reads neither annotation: the same layers push, and its icon is
    // the built-in one.
    let image_config = "application/vnd.oci.image.config.v1+json";
    let pushed = put("image", manifest_of(image_config, &text_digest, text.len()))
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    let image = get_json(&http, format!("{rest}/iconic/artifacts/image")).await;
    assert_eq!(
        (image["type"].clone(), image["icon"].clone()),
        (json!("IMAGE"), json!(harbor_sim::state::icons::IMAGE_ICON))
    );
    // `SimHandle::push_image_with_icon`: the image's manifest lists its icon layer last,
    // annotated, and its size counts it.
    let digest = sim
        .handle()
        .push_image_with_icon("library", "app", "v1", &png)
        .unwrap();
    let (manifest, pulled, size) = pull(&base, &http, "library/app", "v1").await;
    assert_eq!(pulled, digest);
    let last = &manifest["layers"][2];
    assert_eq!(last["mediaType"], "image/png");
    assert_eq!(
        last["annotations"]["io.goharbor.artifact.v1alpha1.icon"],
        ""
    );
    let artifact = get_json(&http, format!("{rest}/app/artifacts/v1")).await;
    assert_eq!(artifact["icon"], last["digest"]);
    assert_eq!(artifact["size"].as_u64(), Some(size as u64));
}

/// A gzip-compressed tar of `files` (name, text), as `helm package` writes a chart.
fn chart_archive(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().and_then(|gz| gz.finish()).unwrap()
}

/// Pushes a chart as `helm push` does (the Helm config, the chart's archive as its one
/// layer, or no layer when `archive` is `None`) to `repo` under `tag`.
async fn push_chart(
    sim: &RunningSimulator,
    http: &Client,
    repo: &str,
    tag: &str,
    archive: Option<Vec<u8>>,
) {
    let config = br#"{"name":"web","version":"0.1.0","apiVersion":"v2"}"#;
    let config_digest = push_blob(sim, http, repo, config).await;
    let mut layers = Vec::new();
    if let Some(archive) = archive {
        let digest = push_blob(sim, http, repo, &archive).await;
        layers.push(
            json!({"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            "digest": digest, "size": archive.len()}),
        );
    }
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json",
            "digest": config_digest, "size": config.len()},
        "layers": layers,
    });
    put_manifest(sim, http, repo, tag, &manifest).await;
}

/// Pushes `manifest` (its `mediaType` its content type) to `repo` under `reference`; its
/// digest.
async fn put_manifest(
    sim: &RunningSimulator,
    http: &Client,
    repo: &str,
    reference: &str,
    manifest: &Value,
) -> String {
    let body = serde_json::to_vec(manifest).unwrap();
    let media_type = manifest["mediaType"].as_str().unwrap();
    let url = format!("{}/v2/{repo}/manifests/{reference}", sim.base_url());
    let pushed = admin(http.put(url))
        .header("Content-Type", media_type)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        pushed.status(),
        StatusCode::CREATED,
        "{:?}",
        pushed.text().await
    );
    sha256_digest(&body)
}

/// A descriptor of `content` pushed as a blob of `repo`, with `media_type` and
/// `annotations`.
async fn pushed_descriptor(
    sim: &RunningSimulator,
    http: &Client,
    repo: &str,
    media_type: &str,
    content: &[u8],
    annotations: Value,
) -> Value {
    let digest = push_blob(sim, http, repo, content).await;
    let mut descriptor = json!({"mediaType": media_type, "digest": digest, "size": content.len()});
    if !annotations.is_null() {
        descriptor["annotations"] = annotations;
    }
    descriptor
}

/// The names of an artifact's `addition_links`, sorted.
fn link_names(artifact: &Value) -> Vec<String> {
    let mut names: Vec<String> = artifact["addition_links"]
        .as_object()
        .map(|links| links.keys().cloned().collect())
        .unwrap_or_default();
    names.sort_unstable();
    names
}

/// A pushed Helm chart is a `CHART` artifact whose values, readme and dependencies are its
/// additions, read out of its archive as Harbor's chart processor reads them; a name the
/// processor does not know is 400, an archive Helm cannot load 500, and a chart without a
/// layer a bare 500 (Harbor's handler dereferences a nil addition).
#[tokio::test]
async fn a_charts_additions_come_out_of_its_archive() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let chart = "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n- name: redis\n  version: 17.x\n  repository: oci://charts.example.com\n";
    let archive = chart_archive(&[
        ("web/Chart.yaml", chart),
        ("web/values.yaml", "replicas: 2\n"),
        ("web/README.md", "# web\n"),
        ("web/templates/deployment.yaml", "kind: Deployment\n"),
        (
            "web/charts/redis/Chart.yaml",
            "apiVersion: v2\nname: redis\nversion: 17.0.0\n",
        ),
    ]);
    push_chart(&sim, &http, "library/web", "0.1.0", Some(archive)).await;
    let rest = format!("{base}/api/v2.0/projects/library/repositories/web/artifacts");
    let artifact = get_json(&http, format!("{rest}/0.1.0")).await;
    assert_eq!(artifact["type"], "CHART");
    let digest = artifact["digest"].as_str().unwrap();
    assert_eq!(
        link_names(&artifact),
        ["dependencies", "readme.md", "values.yaml"]
    );
    assert_eq!(
        artifact["addition_links"]["readme.md"]["href"],
        format!(
            "/api/v2.0/projects/library/repositories/web/artifacts/{digest}/additions/readme.md"
        )
    );
    for (addition, content_type, body) in [
        ("values.yaml", "text/plain; charset=utf-8", "replicas: 2\n"),
        ("readme.md", "text/markdown; charset=utf-8", "# web\n"),
        (
            "dependencies",
            "application/json; charset=utf-8",
            r#"[{"name":"redis","version":"17.x","repository":"oci://charts.example.com"}]"#,
        ),
    ] {
        let answer = fetch(&http, format!("{rest}/0.1.0/additions/{addition}")).await;
        assert_eq!(
            (answer.0, answer.1.as_str(), answer.2.as_str()),
            (StatusCode::OK, content_type, body),
            "{addition}"
        );
    }
    let scan = call(http.post(format!("{rest}/0.1.0/scan"))).await;
    assert_eq!(
        scan.status(),
        StatusCode::BAD_REQUEST,
        "only images are scanned"
    );
    // Our client reads an addition as text, whatever its type: a readme is no JSON.
    let client = harbor_client::HarborClient::builder(base.as_str())
        .basic_auth("admin", "Harbor12345")
        .build()
        .unwrap();
    let readme = client
        .get_artifact_addition("library", "web", "0.1.0", "readme.md")
        .await
        .unwrap();
    assert_eq!(readme, "# web\n");
    let refused = call(http.get(format!("{rest}/0.1.0/additions/build_history"))).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(refused).await["errors"][0]["message"],
        "addition BUILD_HISTORY isn't supported for CHART"
    );

    // A chart whose Chart.yaml has no version: Helm's loader refuses it.
    let broken = chart_archive(&[("web/Chart.yaml", "apiVersion: v2\nname: web\n")]);
    push_chart(&sim, &http, "library/web", "broken", Some(broken)).await;
    let failed = call(http.get(format!("{rest}/broken/additions/values.yaml"))).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        json_of(failed).await["errors"][0]["message"],
        "internal server error"
    );
    push_chart(&sim, &http, "library/web", "empty", None).await;
    let panicked = call(http.get(format!("{rest}/empty/additions/readme.md"))).await;
    assert_eq!(panicked.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(panicked.headers().get("content-type").is_none());
    assert_eq!(panicked.bytes().await.unwrap().len(), 0);
}

/// Sends the administrator's `GET` of `url`: status, `Content-Type` and body text.
async fn fetch(http: &Client, url: String) -> (StatusCode, String, String) {
    let answer = call(http.get(url)).await;
    let status = answer.status();
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, answer.text().await.unwrap())
}

/// A WebAssembly module pushed as wasm-to-oci pushes it is a `WASM` artifact: the WASM
/// processor's attributes, its build history as its one addition, and no scan (only images
/// are scanned); an image annotated as WebAssembly stays an image whose media type is
/// WASM's.
#[tokio::test]
async fn a_wasm_module_is_typed_and_described_by_the_wasm_processor() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/module";
    let config = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.wasm.config.v1+json",
        b"{}",
        Value::Null,
    )
    .await;
    let layer = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.wasm.content.layer.v1+wasm",
        b"\0asm\x01\0\0\0",
        json!({"org.opencontainers.image.title": "module.wasm"}),
    )
    .await;
    let manifest =
        json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]});
    put_manifest(&sim, &http, repo, "v1", &manifest).await;
    let rest = format!("{base}/api/v2.0/projects/library/repositories/module/artifacts/v1");
    let artifact = get_json(&http, rest.clone()).await;
    assert_eq!(artifact["type"], "WASM");
    assert_eq!(
        artifact["extra_attrs"],
        json!({
            "manifest.config.mediaType": "application/vnd.wasm.config.v1+json",
            "manifest.layers.mediaType": "application/vnd.wasm.content.layer.v1+wasm",
            "org.opencontainers.image.title": "module.wasm",
        })
    );
    assert_eq!(link_names(&artifact), ["build_history"]);
    let (status, content_type, body) =
        fetch(&http, format!("{rest}/additions/build_history")).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (StatusCode::OK, "application/json; charset=utf-8", "null")
    );
    let (status, _, body) = fetch(&http, format!("{rest}/additions/values.yaml")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("addition VALUES.YAML isn't supported for WASM(manifest version 2)"),
        "{body}"
    );
    let scan = call(http.post(format!("{rest}/scan"))).await;
    assert_eq!(scan.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(scan).await["errors"][0]["message"],
        format!(
            "the configured scanner Trivy does not support scanning artifact with mime type {OCI_MANIFEST}"
        )
    );

    // The annotations of a WebAssembly image: the image processor, WASM's media type.
    let image_config = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.oci.image.config.v1+json",
        br#"{"architecture":"wasm","os":"wasip1"}"#,
        Value::Null,
    )
    .await;
    let annotated = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": image_config,
        "layers": [layer], "annotations": {"run.oci.handler": "wasm"}});
    put_manifest(&sim, &http, repo, "v2", &annotated).await;
    let image = get_json(
        &http,
        format!("{base}/api/v2.0/projects/library/repositories/module/artifacts/v2"),
    )
    .await;
    assert_eq!(
        (image["type"].clone(), image["media_type"].clone()),
        (json!("IMAGE"), json!("application/vnd.wasm.config.v1+json"))
    );
}

/// A model pushed by the CNCF model spec is a `CNAI` artifact: its config as its
/// attributes, its readme, license and file list as additions, read from its layers.
#[tokio::test]
async fn a_models_readme_license_and_files_are_its_additions() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/model";
    let path = |p: &str| json!({"org.cncf.model.filepath": p});
    let config = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.cncf.model.config.v1+json",
        br#"{"descriptor":{"name":"tiny"},"config":{"format":"safetensors"}}"#,
        Value::Null,
    )
    .await;
    let readme = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.cncf.model.doc.v1.raw",
        b"# tiny",
        path("README.md"),
    )
    .await;
    let license = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.cncf.model.doc.v1.raw",
        b"MIT",
        path("LICENSE"),
    )
    .await;
    let weights = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.cncf.model.weight.v1.raw",
        b"0123456789",
        path("weights/model.safetensors"),
    )
    .await;
    let manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.cncf.model.manifest.v1+json",
        "config": config, "layers": [readme, license, weights]});
    put_manifest(&sim, &http, repo, "v1", &manifest).await;
    let rest = format!("{base}/api/v2.0/projects/library/repositories/model/artifacts/v1");
    let artifact = get_json(&http, rest.clone()).await;
    assert_eq!(artifact["type"], "CNAI");
    assert_eq!(artifact["extra_attrs"]["descriptor"]["name"], "tiny");
    assert_eq!(link_names(&artifact), ["files", "license", "readme.md"]);
    let (status, content_type, body) = fetch(&http, format!("{rest}/additions/readme.md")).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (StatusCode::OK, "text/markdown; charset=utf-8", "# tiny")
    );
    let (status, content_type, body) = fetch(&http, format!("{rest}/additions/license")).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (StatusCode::OK, "text/plain; charset=utf-8", "MIT")
    );
    let (status, content_type, body) = fetch(&http, format!("{rest}/additions/files")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json; charset=utf-8")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!([
            {"name": "weights", "type": "directory", "children": [
                {"name": "model.safetensors", "type": "file", "size": 10}]},
            {"name": "LICENSE", "type": "file", "size": 3},
            {"name": "README.md", "type": "file", "size": 6},
        ])
    );
}

/// A CNAB bundle, an index its annotation types `application/vnd.cnab.manifest.v1`, is a
/// `CNAB` artifact whose attributes are its bundle's config; it has no additions, and is
/// scannable through its invocation image.
#[tokio::test]
async fn a_cnab_bundle_takes_its_attributes_from_its_config_manifest() {
    let (sim, http) = start().await;
    let base = sim.base_url();
    let repo = "library/bundle";
    let bundle = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.cnab.config.v1+json",
        br#"{"schemaVersion":"v1.0.0","name":"hello","version":"0.1.0"}"#,
        Value::Null,
    )
    .await;
    let empty = pushed_descriptor(
        &sim,
        &http,
        repo,
        "application/vnd.oci.image.layer.v1.tar",
        b"",
        Value::Null,
    )
    .await;
    let config_manifest =
        json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": bundle, "layers": [empty]});
    let config_size = serde_json::to_vec(&config_manifest).unwrap().len();
    let config_digest = put_manifest(&sim, &http, repo, "config", &config_manifest).await;
    let (image_digest, _) = push_image(&sim, &http, repo, "invocation", "amd64").await;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": config_digest, "size": config_size,
                "annotations": {"io.cnab.manifest.type": "config"}},
            {"mediaType": OCI_MANIFEST, "digest": image_digest, "size": 1,
                "annotations": {"io.cnab.manifest.type": "invocation"}},
        ],
        "annotations": {"org.opencontainers.artifactType": "application/vnd.cnab.manifest.v1"},
    });
    put_manifest(&sim, &http, repo, "0.1.0", &index).await;
    let rest = format!("{base}/api/v2.0/projects/library/repositories/bundle/artifacts/0.1.0");
    let artifact = get_json(&http, rest.clone()).await;
    assert_eq!(artifact["type"], "CNAB");
    assert_eq!(artifact["media_type"], "application/vnd.cnab.manifest.v1");
    assert_eq!(artifact["extra_attrs"]["name"], "hello");
    assert_eq!(link_names(&artifact), ["sboms", "vulnerabilities"]);
    let (status, _, body) = fetch(&http, format!("{rest}/additions/build_history")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("addition BUILD_HISTORY isn't supported\""),
        "{body}"
    );
    let scan = call(http.post(format!("{rest}/scan"))).await;
    assert_eq!(scan.status(), StatusCode::ACCEPTED);
}
