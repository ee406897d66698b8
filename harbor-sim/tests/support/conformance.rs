//! Checks recorded answers against Harbor's spec, read from `../shared/harbor/swagger.yaml`
//! at test time: never the simulator's generated schemas, so a generator bug shows up here.
//!
//! An answer conforms when its status is one the spec documents for the operation, its body
//! validates against that status's schema (draft 4, the spec's own dialect; `$ref`s resolve
//! into the spec's `definitions`), and its `Content-Type` is one of the operation's `produces`
//! (an answer without a body carries none). Where real Harbor departs from its own spec,
//! [`HARBOR_DEPARTURES`] lists the departure with the source that shows it (the same list is
//! in `harbor-sim/CONFORMANCE.md`); those pass, as do the bodyless refusals of
//! [`BODYLESS_REFUSALS`] and the bare 500 after a panic of [`RECOVERED_PANICS`]. [`PENDING`]
//! holds the simulator's own known departures, each waiting for a fix elsewhere; everything
//! else fails the test.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use harbor_sim::RecordedAnswer;
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

/// A departure of real Harbor from its spec, which the simulator copies.
pub struct HarborDeparture {
    /// The status Harbor sends although the operation's spec does not list it.
    pub status: u16,
    /// Which operations: `None` for every operation.
    pub operations: Option<&'static [&'static str]>,
    /// Why Harbor sends it, and the source file that shows it.
    pub why: &'static str,
}

/// Harbor's departures from its spec (mirrored in `harbor-sim/CONFORMANCE.md`).
pub const HARBOR_DEPARTURES: &[HarborDeparture] = &[
    HarborDeparture {
        status: 422,
        operations: None,
        why: "go-swagger's binding and validation fail before the handler runs; Harbor sends \
              them as 422 (src/lib/http/error.go apiError, src/server/v2.0/handler/handler.go \
              serveError)",
    },
    HarborDeparture {
        status: 401,
        operations: None,
        why: "an anonymous caller meets RequireAuthenticated / Require*Access in every handler \
              (src/server/v2.0/handler/base.go)",
    },
    HarborDeparture {
        status: 403,
        operations: None,
        why: "the CSRF middleware refuses writes that carry the session cookie without its \
              token (src/server/middleware/csrf/csrf.go); permission checks answer 403 \
              (src/server/v2.0/handler/base.go)",
    },
    HarborDeparture {
        status: 404,
        operations: None,
        why: "handlers answer NOT_FOUND for an unknown resource named in the path whether or \
              not the spec lists 404 (errors.NotFoundError, mapped in src/lib/http/error.go)",
    },
    HarborDeparture {
        status: 400,
        operations: None,
        why: "a malformed `q` or `sort` is a BadRequest from q.Build (src/lib/q/builder.go), \
              mapped to 400 in src/lib/http/error.go",
    },
    HarborDeparture {
        status: 409,
        operations: None,
        why: "creating or renaming to a name in use is errors.ConflictError, 409 in \
              src/lib/http/error.go, on operations whose spec omits it",
    },
    HarborDeparture {
        status: 412,
        operations: None,
        why: "deleting what is still referenced is errors.PreconditionFailedError, 412 in \
              src/lib/http/error.go",
    },
];

/// A departure of real Harbor's answer bodies from their schema, which the simulator copies.
pub struct BodyDeparture {
    /// The operations whose success answers depart.
    pub operations: &'static [&'static str],
    /// Schema failures at instance paths containing this are Harbor's; "" means the whole body
    /// (and its media type) is free.
    pub at: &'static str,
    /// Why, and the source file that shows it.
    pub why: &'static str,
}

/// Harbor's body departures (mirrored in `harbor-sim/CONFORMANCE.md`).
pub const BODY_DEPARTURES: &[BodyDeparture] = &[
    BodyDeparture {
        operations: &["getAddition", "getVulnerabilitiesAddition"],
        at: "",
        why: "the handler writes the addition as stored (a JSON report, a JSON build history, \
              markdown) with its own Content-Type, where the spec says a string \
              (src/server/v2.0/handler/artifact.go GetAddition, GetVulnerabilitiesAddition)",
    },
    BodyDeparture {
        operations: &["getGCSchedule", "getPurgeSchedule", "getScanAllSchedule"],
        at: "",
        why: "with no schedule set, Harbor answers 200 with no body where the spec has a \
              schedule (src/server/v2.0/handler/gc.go GetGCSchedule, purge.go \
              GetPurgeSchedule: the responder without a payload; scan_all.go \
              GetScanAllSchedule: model.Schedule.ToSwagger returns nil)",
    },
    BodyDeparture {
        operations: &[
            "ListExecutions",
            "GetExecution",
            "ListTasks",
            "ListExecutionsOfWebhookPolicy",
            "ListTasksOfWebhookExecution",
        ],
        at: "/extra_attrs/",
        why: "an execution's or task's extra_attrs are a map[string]any holding strings \
              (vendor, repository, event_type, payload) where the spec's ExtraAttrs says every \
              value is an object (src/pkg/task/model.go Execution.ExtraAttrs, Task.ExtraAttrs)",
    },
    BodyDeparture {
        operations: &["getRetention"],
        at: "/params/",
        why: "a retention rule's params are rule.Parameters (map[string]Parameter, any value: \
              latestPushedK is a number) where the spec says every value is an object \
              (src/pkg/retention/policy/rule/models.go)",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/extra_attrs/",
        why: "an image's extra_attrs hold strings (architecture, os) where the spec's ExtraAttrs \
              says every value is an object (src/controller/artifact/processor/image/manifest_v2.go)",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/tags",
        why: "an artifact read with_tag=false has \"tags\": null where the spec says an array: \
              the handler leaves Tags nil (src/server/v2.0/handler/model/artifact.go) and \
              go-swagger v0.33.1 tags no plain array omitempty (generator/types.go)",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/labels",
        why: "an artifact read without with_label, or without labels, has \"labels\": null: \
              ToSwagger appends the labels to a nil slice (src/server/v2.0/handler/model/\
              artifact.go) and go-swagger v0.33.1 tags no plain array omitempty",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/references",
        why: "an artifact that is no image index has \"references\": null: ToSwagger appends \
              the references to a nil slice (src/server/v2.0/handler/model/artifact.go)",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/accessories",
        why: "an artifact read without with_accessory (false by the spec's default), or \
              without accessories, has \"accessories\": null: ToSwagger appends them to a \
              nil slice (src/server/v2.0/handler/model/artifact.go)",
    },
    BodyDeparture {
        operations: &["listArtifacts", "getArtifact", "listArtifactsOfProject"],
        at: "/summary",
        why: "the scan_overview of a scan that has not succeeded (queued, running, failed, \
              stopped) has \"summary\": null: GenerateNativeSummary returns the report \
              placeholder's summary with a nil Summary (src/pkg/scan/report/summary.go), put \
              in the artifact as a plain map by the assembler \
              (src/server/v2.0/handler/assembler/report.go)",
    },
    BodyDeparture {
        operations: &["getSecuritySummary"],
        at: "/dangerous_",
        why: "top lists asked for but empty are null: toDangerousCves and toDangerousArtifacts \
              return nil slices (src/server/v2.0/handler/security.go), which go-swagger sends \
              as null",
    },
    BodyDeparture {
        operations: &["listReplicationPolicies", "getReplicationPolicy"],
        at: "/filters",
        why: "a policy without filters has \"filters\": null: convertReplicationPolicy leaves \
              the slice nil (src/server/v2.0/handler/replication.go) and go-swagger v0.33.1 \
              tags no plain array omitempty",
    },
    BodyDeparture {
        operations: &["ListVulnerabilities"],
        at: "/tags",
        why: "an item without tags (with_tag=false, or an untagged artifact) has tags null: \
              the nil slice of toVulnerabilities (src/server/v2.0/handler/security.go)",
    },
    BodyDeparture {
        operations: &["search"],
        at: "/cve_allowlist/items",
        why: "a project found by search has its allowlist unloaded (project.Ctl.List without \
              WithCVEAllowlist, src/server/v2.0/handler/search.go): model.Project.ToSwagger \
              copies a zero CVEAllowlist whose nil Items go-swagger sends as null",
    },
    BodyDeparture {
        operations: &["search"],
        at: "/current_user_role_ids",
        why: "a project in which the caller holds no role (or a robot's or an anonymous \
              caller's) has current_user_role_ids null: ToSwagger appends the roles to a nil \
              slice (src/server/v2.0/handler/model/project.go)",
    },
    BodyDeparture {
        operations: &["getProject", "listProjects"],
        at: "/current_user_role_ids",
        why: "a project in which the caller holds no role (or a robot's or an anonymous \
              caller's) has current_user_role_ids null, as in search: ToSwagger appends the \
              roles to a nil slice (src/server/v2.0/handler/model/project.go)",
    },
    BodyDeparture {
        operations: &["listProjects"],
        at: "/cve_allowlist/items",
        why: "with_detail=false lists projects without their allowlist (assembleProjects \
              returns before loading it, src/controller/project/controller.go): ToSwagger \
              copies a zero CVEAllowlist whose nil Items go-swagger sends as null",
    },
    BodyDeparture {
        operations: &["getScannerOfProject"],
        at: "",
        why: "with no scanner set for the project and no default one, Harbor answers 200 \
              with no body: GetScannerOfProject's payload is ToSwagger of a nil registration \
              (src/server/v2.0/handler/model/scanner.go), which the responder does not write",
    },
];

/// Operations whose refusals Harbor sends without a body, where the spec documents its error
/// body (mirrored in `harbor-sim/CONFORMANCE.md`): `DownloadScanData` writes a bare status
/// (`src/server/v2.0/handler/scanexport.go`), `PingInstances`, `createUserGroup` and
/// `updateUserGroup` return go-swagger responders without a payload
/// (`src/server/v2.0/handler/preheat.go`, `usergroup.go`).
pub const BODYLESS_REFUSALS: &[&str] = &[
    "downloadScanData",
    "PingInstances",
    "createUserGroup",
    "updateUserGroup",
];

/// Operations whose handler Harbor lets panic on a client's input, with where: beego's
/// `defaultRecoverPanic` (`server/web/config.go`, run mode `prod`) answers the panic with a
/// bare 500, no body and no `Content-Type`, where the spec documents Harbor's error body
/// (mirrored in `harbor-sim/CONFORMANCE.md`).
pub const RECOVERED_PANICS: &[(&str, &str)] = &[
    (
        "listArtifactsOfProject",
        "a fuzzy, range or list `q` value with latest_in_repository reaches raw SQL: beego's \
         getFlatParams panics (src/pkg/artifact/dao/dao.go ListWithLatest)",
    ),
    (
        "ListExecutionsOfWebhookPolicy",
        "a fuzzy, range or list extra_attrs.<key> value reaches raw SQL: getFlatParams \
         panics (src/pkg/task/dao/execution.go querySetter)",
    ),
    (
        "ListTasksOfWebhookExecution",
        "as ListExecutionsOfWebhookPolicy (src/pkg/task/dao/task.go querySetter)",
    ),
    ("ListExecutions", "as ListExecutionsOfWebhookPolicy"),
    (
        "listArtifacts",
        "a fuzzy, range or list q value under a key with an ORM operator (size__gt=~1): \
         beego panics on the field size__gt__icontains (setFilters, src/lib/orm/query.go)",
    ),
    ("listTags", "as listArtifacts"),
    ("ListWebhookPoliciesOfProject", "as listArtifacts"),
    ("ListInstances", "as listArtifacts"),
    ("ListPolicies", "as listArtifacts"),
    ("ListTasks", "as ListTasksOfWebhookExecution"),
    (
        "createRetention",
        "a body without scope: requireAccess reads p.Scope.Level of a nil pointer; without \
         trigger: the manager reads p.Trigger.Kind; a cron with a TZ= prefix and no space: \
         robfig's Parse slices out of range; an update's Schedule trigger without cron: \
         .(string) of a nil interface (src/server/v2.0/handler/retention.go, \
         src/controller/retention/controller.go)",
    ),
    ("updateRetention", "as createRetention"),
    (
        "deleteRetention",
        "a stored Schedule trigger without cron: DeleteRetention asserts .(string) of a nil \
         interface (src/controller/retention/controller.go)",
    ),
    (
        "createGCSchedule",
        "a body without schedule: kick reads params.Schedule.Schedule.Type of a nil pointer; \
         the cron's TZ= prefix as createRetention (src/server/v2.0/handler/gc.go)",
    ),
    ("updateGCSchedule", "as createGCSchedule"),
    (
        "createPurgeSchedule",
        "the cron's TZ= prefix as createRetention (src/server/v2.0/handler/purge.go)",
    ),
    ("updatePurgeSchedule", "as createPurgeSchedule"),
    (
        "createScanAllSchedule",
        "a body without schedule, the cron's TZ= prefix, as createGCSchedule \
         (src/server/v2.0/handler/scan_all.go)",
    ),
    ("updateScanAllSchedule", "as createScanAllSchedule"),
    (
        "CreatePolicy",
        "a scheduled trigger's cron with a TZ= prefix and no space (ValidatePreheatPolicy, \
         src/pkg/p2p/preheat/models/policy/policy.go)",
    ),
    ("UpdatePolicy", "as CreatePolicy"),
    (
        "createReplicationPolicy",
        "a scheduled trigger's cron with a TZ= prefix and no space (Policy.Validate, \
         src/controller/replication/model/model.go)",
    ),
    ("updateReplicationPolicy", "as createReplicationPolicy"),
    (
        "pingLdap",
        "no body: PingLdap reads the fields of a nil Ldapconf (src/server/v2.0/handler/ldap.go)",
    ),
    (
        "putSystemCVEAllowlist",
        "no body: the handler reads ExpiresAt of the nil params.Allowlist \
         (src/server/v2.0/handler/sys_cve_allowlist.go PutSystemCVEAllowlist)",
    ),
];

/// The simulator's own departures that another change is fixing: `(operation, status,
/// what is wrong)`. Temporary: each entry is a bug, listed so the rest stays checked.
pub const PENDING: &[(&str, u16, &str)] = &[];

/// One departure from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    /// The operation id ("" for a path no operation matches).
    pub operation: String,
    /// The request line.
    pub request: String,
    /// The status answered.
    pub status: u16,
    /// What is wrong.
    pub problem: String,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Answers checked.
    pub checked: usize,
    /// Answers that departed from the spec as Harbor itself does.
    pub harbor_departures: usize,
    /// Answers that departed as a [`PENDING`] entry says.
    pub pending: Vec<Departure>,
    /// Every other departure.
    pub departures: Vec<Departure>,
}

/// The spec, read once per test binary; `None` (with a message) when it is absent.
pub static SPEC: LazyLock<Option<Spec>> = LazyLock::new(Spec::load);

/// Compiled response validators by (operation id, status); `None` for bodies not checked.
type ValidatorCache = Mutex<HashMap<(String, String), Option<Arc<Validator>>>>;

/// Harbor's spec, as the checker reads it.
pub struct Spec {
    document: Value,
    /// operation id -> (path template, method).
    operations: HashMap<String, (String, String)>,
    validators: ValidatorCache,
}

fn spec_path() -> PathBuf {
    std::env::var_os("HARBOR_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/harbor/swagger.yaml")
        })
}

impl Spec {
    fn load() -> Option<Self> {
        let path = spec_path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!(
                "SKIPPED conformance checks: no Harbor spec at {} (set HARBOR_SPEC to check)",
                path.display()
            );
            return None;
        };
        let document: Value = serde_norway::from_str(&text).expect("Harbor's spec parses");
        let mut operations = HashMap::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if let Some(id) = op["operationId"].as_str() {
                    operations.insert(id.to_owned(), (path.clone(), method.clone()));
                }
            }
        }
        Some(Self {
            document,
            operations,
            validators: Mutex::default(),
        })
    }

    fn operation(&self, id: &str) -> Option<&Value> {
        let (path, method) = self.operations.get(id)?;
        Some(&self.document["paths"][path][method])
    }

    /// The response object the spec gives `status` (following a `#/responses/` reference).
    fn response<'a>(&'a self, op: &'a Value, status: u16) -> Option<&'a Value> {
        let response = op["responses"].get(status.to_string())?;
        Some(match response["$ref"].as_str() {
            Some(r) => &self.document["responses"][r.trim_start_matches("#/responses/")],
            None => response,
        })
    }

    /// The media types an operation answers with.
    fn produces<'a>(&'a self, op: &'a Value) -> Vec<&'a str> {
        let list = op.get("produces").unwrap_or(&self.document["produces"]);
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    fn validator(&self, key: (String, String), schema: &Value) -> Option<Arc<Validator>> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                // A `file` answer is bytes: nothing to validate.
                if schema["type"] == "file" {
                    return None;
                }
                let wrapped = json!({
                    "definitions": self.document["definitions"],
                    "allOf": [schema],
                });
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft4)
                    .build(&wrapped)
                    .expect("the spec's schema compiles");
                Some(Arc::new(validator))
            })
            .clone()
    }

    /// Checks every answer; injected faults are left out (they are not Harbor's behaviour),
    /// and so are the registry API's and its token service's, which Harbor's REST spec does
    /// not describe (`tests/registry_api.rs` checks them).
    pub fn check(&self, answers: &[RecordedAnswer]) -> Report {
        let mut report = Report::default();
        let rest_api = |a: &&RecordedAnswer| {
            !(a.uri.starts_with("/v2/") || a.uri == "/v2" || a.uri.starts_with("/service/token"))
        };
        for answer in answers.iter().filter(|a| !a.injected).filter(rest_api) {
            report.checked += 1;
            let mut problems = Vec::new();
            let harbor_departure = self.check_one(answer, &mut problems);
            let departures = problems.into_iter().map(|problem| Departure {
                operation: answer.operation.to_owned(),
                request: format!("{} {}", answer.method, answer.uri),
                status: answer.status,
                problem,
            });
            for d in departures {
                if PENDING
                    .iter()
                    .any(|(op, status, _)| *op == d.operation && *status == d.status)
                {
                    report.pending.push(d);
                } else {
                    report.departures.push(d);
                }
            }
            if harbor_departure {
                report.harbor_departures += 1;
            }
        }
        report
    }

    /// Pushes what is wrong with one answer; true when its status is one of Harbor's own
    /// departures.
    fn check_one(&self, answer: &RecordedAnswer, problems: &mut Vec<String>) -> bool {
        let errors_schema = json!({ "$ref": "#/definitions/Errors" });
        let media = answer
            .content_type
            .as_deref()
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned());
        if answer.operation.is_empty() {
            // No operation matched: go-swagger's router answers 404 / 405 with Harbor's errors.
            if !matches!(answer.status, 404 | 405) {
                problems.push(format!("unrouted request answered {}", answer.status));
            }
            self.check_body(
                ("".into(), "errors".into()),
                &errors_schema,
                answer,
                problems,
            );
            return true;
        }
        let Some(op) = self.operation(answer.operation) else {
            problems.push("operation id not in the spec".into());
            return false;
        };
        // An operation may depart in several places (an artifact's extra_attrs and tags).
        let body_departures: Vec<&BodyDeparture> = BODY_DEPARTURES
            .iter()
            .filter(|d| answer.status < 300 && d.operations.contains(&answer.operation))
            .collect();
        if body_departures.iter().any(|d| d.at.is_empty()) {
            return true;
        }
        let (schema, harbor_departure) = match self.response(op, answer.status) {
            // Harbor sends every handler error through SendError, with its error body, even
            // where the spec documents the status without one (src/lib/http/error.go).
            Some(response) if response.get("schema").is_none() && answer.status >= 400 => {
                let departs = !answer.body.is_empty();
                (departs.then(|| errors_schema.clone()), departs)
            }
            Some(response) => (response.get("schema").cloned(), false),
            None => {
                let allowed = HARBOR_DEPARTURES.iter().any(|d| {
                    d.status == answer.status
                        && d.operations
                            .is_none_or(|ops| ops.contains(&answer.operation))
                });
                if !allowed {
                    problems.push(format!(
                        "status {} is not documented for {}",
                        answer.status, answer.operation
                    ));
                }
                // Harbor's error answers always carry its error body.
                let schema = (answer.status >= 400).then(|| errors_schema.clone());
                (schema, allowed)
            }
        };
        let is_error = answer.status >= 400;
        match (&schema, answer.body.is_empty(), answer.method == "HEAD") {
            (_, _, true) => {}
            (None, true, false) => {
                if let Some(ct) = &answer.content_type {
                    problems.push(format!(
                        "an answer without a body carries Content-Type {ct}"
                    ));
                }
            }
            (None, false, false) => problems.push(format!(
                "a body where the spec has none: {}",
                preview(&answer.body)
            )),
            (Some(_), true, false) if is_error && BODYLESS_REFUSALS.contains(&answer.operation) => {
            }
            (Some(_), true, false)
                if answer.status == 500
                    && RECOVERED_PANICS
                        .iter()
                        .any(|(op, _)| *op == answer.operation) =>
            {
                if let Some(ct) = &answer.content_type {
                    problems.push(format!(
                        "a recovered panic's bare 500 carries Content-Type {ct}"
                    ));
                }
            }
            (Some(_), true, false) => problems.push("no body where the spec has one".into()),
            (Some(schema), false, false) => {
                let produces = self.produces(op);
                let expected: Vec<&str> = if is_error {
                    vec!["application/json"]
                } else {
                    produces
                };
                match &media {
                    Some(m) if expected.contains(&m.as_str()) => {}
                    other => problems.push(format!(
                        "Content-Type {other:?} where the spec produces {expected:?}"
                    )),
                }
                let is_json = media.as_deref() == Some("application/json");
                if is_json {
                    let key = (answer.operation.to_owned(), answer.status.to_string());
                    self.check_body(key, schema, answer, problems);
                    for d in &body_departures {
                        problems.retain(|p| !p.contains(d.at));
                    }
                }
            }
        }
        harbor_departure
    }

    fn check_body(
        &self,
        key: (String, String),
        schema: &Value,
        answer: &RecordedAnswer,
        problems: &mut Vec<String>,
    ) {
        let Some(validator) = self.validator(key, schema) else {
            return;
        };
        let body: Value = match serde_json::from_slice(&answer.body) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("body is not JSON ({e}): {}", preview(&answer.body)));
                return;
            }
        };
        for error in validator.iter_errors(&body) {
            problems.push(format!(
                "body at {:?}: {error}",
                error.instance_path().as_str()
            ));
        }
        if answer.status < 300 {
            self.omitted_zeros(&body, schema, "", problems);
        }
    }

    /// `schema`, its `$ref`s followed.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        while let Some(name) = schema["$ref"].as_str() {
            schema = &self.document["definitions"][name.trim_start_matches("#/definitions/")];
        }
        schema
    }

    /// go-swagger's models write every property that is not required with `omitempty`
    /// (unless the spec says `x-omitempty: false`, or makes it a pointer with
    /// `x-nullable: true`): a string, number or boolean at its zero value is left out of
    /// Harbor's answer, and must not be in the simulator's.
    fn omitted_zeros(&self, body: &Value, schema: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        match body {
            Value::Object(members) => {
                // A map (`additionalProperties`): each value is a model of its own.
                if schema["properties"].is_null() && schema["additionalProperties"].is_object() {
                    for (key, value) in members {
                        let values = &schema["additionalProperties"];
                        self.omitted_zeros(value, values, &format!("{at}/{key}"), problems);
                    }
                    return;
                }
                let Some(properties) = schema["properties"].as_object() else {
                    return;
                };
                let required = schema["required"].as_array();
                for (name, value) in members {
                    let Some(declared) = properties.get(name) else {
                        continue;
                    };
                    let target = self.resolve(declared);
                    let zero = match value {
                        Value::String(s) => s.is_empty(),
                        Value::Bool(b) => !b,
                        Value::Number(n) => n.as_f64() == Some(0.0),
                        _ => false,
                    };
                    let kept = |s: &Value| s["x-omitempty"] == false || s["x-nullable"] == true;
                    let scalar = matches!(
                        target["type"].as_str(),
                        Some("string" | "integer" | "number" | "boolean")
                    ) && target["format"] != "date-time";
                    if zero
                        && scalar
                        && !kept(declared)
                        && !kept(target)
                        && !required.is_some_and(|r| r.iter().any(|n| n == name.as_str()))
                    {
                        problems.push(format!(
                            "body at \"{at}/{name}\": {value} is its zero value, which go-swagger's omitempty leaves out"
                        ));
                    }
                    self.omitted_zeros(value, declared, &format!("{at}/{name}"), problems);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.omitted_zeros(item, &schema["items"], &format!("{at}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(160).collect()
}

/// Checks the answers recorded by `handle` and fails with every departure found.
pub fn assert_conforms(handle: &harbor_sim::SimHandle, test: &str) {
    let answers = handle.answers();
    // Harbor rolls back a refused write (one database transaction per request): one that
    // changed the state departs from Harbor, whatever the spec says of its answer.
    let changed: Vec<String> = answers
        .iter()
        .filter(|a| !a.changed_when_refused.is_empty())
        .map(|a| {
            format!(
                "  {} {} [{}] -> {}: changed {:?}",
                a.method, a.uri, a.operation, a.status, a.changed_when_refused
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "{} refused writes of {test} changed the state, which Harbor's transaction rolls back:\n{}",
        changed.len(),
        changed.join("\n")
    );
    let Some(spec) = SPEC.as_ref() else {
        return;
    };
    let report = spec.check(&answers);
    eprintln!(
        "conformance of {test}: {} answers checked, {} as Harbor departs from its spec, {} pending fixes, {} other departures",
        report.checked,
        report.harbor_departures,
        report.pending.len(),
        report.departures.len()
    );
    if !report.departures.is_empty() {
        let lines: Vec<String> = report
            .departures
            .iter()
            .map(|d| {
                format!(
                    "  {} [{}] -> {}: {}",
                    d.request, d.operation, d.status, d.problem
                )
            })
            .collect();
        panic!(
            "{} answers of {test} depart from Harbor's spec:\n{}",
            lines.len(),
            lines.join("\n")
        );
    }
}
