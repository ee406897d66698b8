//! The events Harbor's notifier turns into webhook deliveries (the handlers of
//! `src/controller/event/handler/webhook/`, `util.SendHookWithPolicies`, the `http` and
//! `slack` handlers of `src/pkg/notifier/handler/notification/` and
//! `src/pkg/notification/hook/hook.go`): which events a project's policies hear of, the
//! payload each builds, and the execution each target's delivery is.

use serde_json::{Value, json};

use super::jobs::{JobKind, JobStatus, NewExecution};
use super::lifecycle::Outcome;
use super::webhook_payload::{
    EventData, HookArtifactInfo, HookPayload, HookReplication, HookReplicationSide, HookRepository,
    HookResource, HookRetention, HookScan, HookSource,
};
use super::webhooks::WebhookPolicy;
use super::{SimState, now};

/// The artifact events Harbor's artifact webhook handler sends (`artifact.Handler` in
/// `src/controller/event/handler/webhook/artifact/artifact.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArtifactHook {
    /// A manifest pushed or copied (the artifact controller's `Ensure`).
    Push,
    /// A manifest pulled through the registry by `GET`.
    Pull,
    /// An artifact deleted (the root of a deletion only).
    Delete,
}

impl ArtifactHook {
    fn event_type(self) -> &'static str {
        match self {
            Self::Push => "PUSH_ARTIFACT",
            Self::Pull => "PULL_ARTIFACT",
            Self::Delete => "DELETE_ARTIFACT",
        }
    }
}

/// The artifact an artifact event names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HookedArtifact<'a> {
    /// Its project.
    pub project_id: i64,
    /// Its repository's full name.
    pub repository: &'a str,
    /// Its digest.
    pub digest: &'a str,
    /// The event's tags: the pushed or pulled one, or the deleted artifact's.
    pub tags: &'a [String],
}

/// A registry request the quota middleware checks, as its events name it
/// (`projectResourcesEvent`): who sends it, the repository of its path and, for a manifest,
/// the tag it is pushed by (empty for a digest) and its digest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QuotaRequest<'a> {
    /// The caller's name (empty for nobody signed in).
    pub operator: &'a str,
    /// The repository of the request's path.
    pub repository: &'a str,
    /// A manifest's tag.
    pub tag: &'a str,
    /// A manifest's digest.
    pub digest: &'a str,
}

impl SimState {
    /// Whether the notification feature is on and an enabled policy of the project
    /// subscribes to `event_type` (`GetRelatedPolices`); an event nobody subscribes to
    /// builds no payload. Read on every push and pull: no policy's targets are copied.
    fn hooked(&self, project_id: i64, event_type: &str) -> bool {
        self.notifications_on()
            && self
                .webhooks
                .values()
                .any(|w| listens(w, project_id, event_type) > 0)
    }

    /// `config.NotificationEnable`: the system setting `notification_enable`.
    fn notifications_on(&self) -> bool {
        self.configurations.get("notification_enable") != Some(&Value::Bool(false))
    }

    /// The enabled policies of the project that subscribe to `event_type`, each with its
    /// targets, newest first as the policy list reads them.
    fn hook_policies(&self, project_id: i64, event_type: &str) -> Vec<(i64, Vec<Value>)> {
        let mut policies: Vec<(i64, Vec<Value>)> = self
            .webhooks
            .iter()
            // A policy that lists the event type twice is met twice.
            .flat_map(|(id, w)| {
                let targets = w.doc["targets"].as_array().cloned().unwrap_or_default();
                std::iter::repeat_n((*id, targets), listens(w, project_id, event_type))
            })
            .collect();
        policies.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
        policies
    }

    /// What Harbor's artifact webhook handler sends for an event on `artifact` by
    /// `operator` (`constructArtifactPayload`): the first tag of the event, else the digest,
    /// as the resource's tag and in its URL on the external host; the repository as its
    /// project shows it, with its creation time while it exists.
    pub(crate) fn send_artifact_hook(
        &mut self,
        hook: ArtifactHook,
        operator: &str,
        artifact: HookedArtifact<'_>,
    ) {
        let event_type = hook.event_type();
        if !self.hooked(artifact.project_id, event_type) {
            return;
        }
        let Some(mut repository) = self.hook_repository(artifact.project_id, artifact.repository)
        else {
            return;
        };
        repository.date_created = self
            .repositories
            .id_by_name(artifact.repository)
            .and_then(|id| self.repositories.get(&id))
            .map_or(0, |r| super::unix(&r.creation_time));
        let reference = artifact
            .tags
            .first()
            .map_or(artifact.digest, String::as_str);
        let payload = HookPayload {
            event_type: event_type.to_owned(),
            occur_at: super::unix(&now()),
            operator: operator.to_owned(),
            event_data: EventData {
                resources: vec![HookResource {
                    digest: artifact.digest.to_owned(),
                    tag: reference.to_owned(),
                    resource_url: resource_url(artifact.repository, reference),
                    ..HookResource::default()
                }],
                repository: Some(repository),
                ..EventData::default()
            },
        };
        self.send_hook(artifact.project_id, &payload);
    }

    /// The `repository` block of an event on `repository` of the project (its creation
    /// time left for the caller: the scan handler leaves it out); `None` for a project that
    /// is gone.
    fn hook_repository(&self, project_id: i64, repository: &str) -> Option<HookRepository> {
        let project = self.projects.get(&project_id)?;
        Some(HookRepository {
            date_created: 0,
            name: repository
                .split_once('/')
                .map_or("", |(_, name)| name)
                .to_owned(),
            namespace: project.name.clone(),
            repo_full_name: repository.to_owned(),
            repo_type: if crate::rbac::security_context::is_public(project) {
                "public"
            } else {
                "private"
            },
        })
    }

    /// What Harbor's scan webhook handler sends when a scan task of `execution` ends
    /// (`scanTaskStatusChange` in `src/controller/scan/callback.go`, `constructScanImagePayload`):
    /// `SCANNING_COMPLETED`, `SCANNING_STOPPED` or `SCANNING_FAILED` by the task's final
    /// `status`, at `occur_at`, by the execution's operator, naming the artifact by the tag
    /// the scan was for (the artifact's latest), else its digest, with the summary of the
    /// scan type the execution ran (`vulnerability`: `scan_overview`, `sbom`:
    /// `sbom_overview`). Nothing for an artifact that is gone (Harbor's handler fails to
    /// read it).
    pub(crate) fn send_scan_hook(
        &mut self,
        execution: i64,
        artifact_id: i64,
        status: JobStatus,
        occur_at: i64,
    ) {
        let event_type = match status {
            JobStatus::Success => "SCANNING_COMPLETED",
            JobStatus::Stopped => "SCANNING_STOPPED",
            JobStatus::Error => "SCANNING_FAILED",
            JobStatus::Pending | JobStatus::Running => return,
        };
        let Some(a) = self.artifacts.get(&artifact_id) else {
            return;
        };
        if !self.hooked(a.project_id, event_type) {
            return;
        }
        let (project_id, digest) = (a.project_id, a.digest.clone());
        let tag = a
            .tags
            .iter()
            .max_by(|x, y| x.push_time.cmp(&y.push_time).then(x.id.cmp(&y.id)))
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let repository = self.repository_name(a.repository_id).to_owned();
        let Some(hook_repository) = self.hook_repository(project_id, &repository) else {
            return;
        };
        let attrs = self
            .executions
            .get(&execution)
            .map(|e| e.extra_attrs.clone())
            .unwrap_or_default();
        let scan_type = attrs["enabled_capabilities"]["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reference = if tag.is_empty() { &digest } else { &tag };
        let mut resource = HookResource {
            resource_url: resource_url(&repository, reference),
            digest: digest.clone(),
            tag,
            ..HookResource::default()
        };
        match scan_type.as_str() {
            "vulnerability" => resource.scan_overview = self.scan_overview(artifact_id),
            "sbom" => resource.sbom_overview = self.sbom_overview(artifact_id).unwrap_or_default(),
            _ => {}
        }
        let payload = HookPayload {
            event_type: event_type.to_owned(),
            occur_at,
            operator: attrs["operator"].as_str().unwrap_or_default().to_owned(),
            event_data: EventData {
                resources: vec![resource],
                repository: Some(hook_repository),
                scan: Some(HookScan { scan_type }),
                ..EventData::default()
            },
        };
        self.send_hook(project_id, &payload);
    }

    /// What Harbor's replication webhook handler sends when a task of the replication
    /// `execution` reports a new `status` (every change after `Pending`: the post function
    /// `init.go` registers for `REPLICATION` tasks, `ReplicationMetaData`,
    /// `constructReplicationPayload`): a `REPLICATION` event by the execution's operator
    /// about the task, the policy and both sides, the local one at the external endpoint.
    /// Harbor names the remote side with the source namespace and this Harbor's with the
    /// destination one whichever way the copy goes, and sends the event to the policies of
    /// the project on this Harbor's side. Nothing once the policy or that project is gone.
    pub(crate) fn send_replication_hook(
        &mut self,
        execution: i64,
        task: i64,
        status: JobStatus,
        occur_at: i64,
    ) {
        let Some(run) = self.executions.get(&execution) else {
            return;
        };
        let Some(t) = run.tasks.iter().find(|t| t.id == task) else {
            return;
        };
        let Some(policy) = self.replication_policies.get(&run.vendor_id) else {
            return;
        };
        let doc = &policy.doc;
        let is_local = |side: &str| doc[side]["id"].as_i64().unwrap_or(0) == 0;
        let remote_id = if is_local("dest_registry") {
            doc["src_registry"]["id"].as_i64()
        } else {
            doc["dest_registry"]["id"].as_i64()
        };
        let Some(remote) = remote_id.and_then(|id| self.registries.get(&id)) else {
            return;
        };
        let attr = |key: &str| t.extra_attrs[key].as_str().unwrap_or_default().to_owned();
        // `getMetadataFromResource`: the namespace, and the rest (repository and tags).
        let split = |resource: String| match resource.split_once('/') {
            Some((namespace, rest)) => (namespace.to_owned(), rest.to_owned()),
            None => (String::new(), resource),
        };
        let (source_namespace, source_rest) = split(attr("source_resource"));
        let (destination_namespace, destination_rest) = split(attr("destination_resource"));
        let remote_side = HookReplicationSide {
            registry_name: remote.name.clone(),
            registry_type: remote.kind.clone(),
            endpoint: remote.url.clone(),
            namespace: source_namespace.clone(),
        };
        let local_side = HookReplicationSide {
            registry_name: String::new(),
            registry_type: "harbor".to_owned(),
            endpoint: super::EXT_ENDPOINT.to_owned(),
            namespace: destination_namespace.clone(),
        };
        let (src_resource, dest_resource, project, name_and_tag) = if is_local("dest_registry") {
            (
                remote_side,
                local_side,
                destination_namespace,
                destination_rest,
            )
        } else {
            (local_side, remote_side, source_namespace, source_rest)
        };
        let carried = HookArtifactInfo {
            resource_type: attr("resource_type"),
            status: status.as_str().to_owned(),
            name_and_tag,
            references: Some(attr("references").split(',').map(str::to_owned).collect()),
        };
        let mut replication = HookReplication {
            harbor_hostname: harbor_hostname(),
            job_status: status.as_str().to_owned(),
            description: doc["description"].as_str().unwrap_or_default().to_owned(),
            artifact_type: attr("resource_type"),
            authentication_type: remote.stored_credential[0].clone(),
            override_mode: doc["override"].as_bool().unwrap_or(false),
            trigger_type: run.trigger.clone(),
            policy_creator: doc["creator"].as_str().unwrap_or_default().to_owned(),
            execution_timestamp: super::unix(&run.start_time),
            src_resource: Some(src_resource),
            dest_resource: Some(dest_resource),
            execution_id: execution,
            task_id: task,
            ..HookReplication::default()
        };
        match status {
            JobStatus::Success => replication.successful_artifact = vec![carried],
            JobStatus::Error => replication.failed_artifact = vec![carried],
            _ => {}
        }
        let payload = HookPayload {
            event_type: "REPLICATION".to_owned(),
            occur_at,
            operator: run.operator.clone(),
            event_data: EventData {
                replication: Some(replication),
                ..EventData::default()
            },
        };
        let Some(project_id) = self.projects.id_by_name(&project) else {
            return;
        };
        self.send_hook(project_id, &payload);
    }

    /// What Harbor's retention webhook handler sends when a task of the retention
    /// `execution` checks in what it deleted from `repository`
    /// (`retentionTaskCheckInProcessor` in `src/pkg/retention/callback.go`,
    /// `RetentionHandler`): a `TAG_RETENTION` event by the execution's operator with the
    /// task's figures, the policy and its rules, and each deleted artifact, `SUCCESS`
    /// throughout. The caller sends nothing for a dry run or a task that deleted nothing,
    /// as the handler does.
    pub(super) fn send_retention_hook(
        &mut self,
        execution: i64,
        repository: i64,
        outcome: &super::retention_run::RepositoryOutcome,
    ) {
        let Some(run) = self.executions.get(&execution) else {
            return;
        };
        let Some(project_id) = self.repositories.get(&repository).map(|r| r.project_id) else {
            return;
        };
        let Some(project) = self.projects.get(&project_id).map(|p| p.name.clone()) else {
            return;
        };
        let policy = self.retention(run.vendor_id).cloned().unwrap_or_default();
        let rules = policy["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(retention_rule)
            .collect();
        let status = "SUCCESS".to_owned();
        let deleted_artifacts = outcome
            .deleted
            .iter()
            .map(|name_and_tag| HookArtifactInfo {
                resource_type: "image".to_owned(),
                status: status.clone(),
                name_and_tag: name_and_tag.clone(),
                references: None,
            })
            .collect();
        let payload = HookPayload {
            event_type: "TAG_RETENTION".to_owned(),
            occur_at: super::unix(&now()),
            operator: run.operator.clone(),
            event_data: EventData {
                retention: Some(HookRetention {
                    total: outcome.total,
                    retained: outcome.retained,
                    harbor_hostname: harbor_hostname(),
                    project_name: project,
                    retention_policy_id: run.vendor_id,
                    retention_rules: rules,
                    status,
                    deleted_artifacts,
                }),
                ..EventData::default()
            },
        };
        self.send_hook(project_id, &payload);
    }

    /// The quota middleware on a registry request that asks for `delta` more bytes of the
    /// project's storage ([`SimState::check_storage`]): a refusal is also a `QUOTA_EXCEED`
    /// event with the refusal's words (`errs.Exceeded()`), sent whatever becomes of the
    /// request.
    pub(crate) fn reserve_storage(
        &mut self,
        project_id: i64,
        delta: i64,
        request: QuotaRequest<'_>,
    ) -> crate::ApiResult<()> {
        let checked = self.check_storage(project_id, delta);
        if let Err(refused) = &checked {
            let message = refused.message.clone();
            self.send_quota_hook("QUOTA_EXCEED", project_id, request, message);
        }
        checked
    }

    /// What the quota middleware does once a request it reserved storage for has
    /// succeeded: a `QUOTA_WARNING` event while the usage is at 85 % of the limit or more
    /// ([`SimState::quota_warning`]).
    pub(crate) fn warn_storage(&mut self, project_id: i64, request: QuotaRequest<'_>) {
        if let Some(message) = self.quota_warning(project_id) {
            self.send_quota_hook("QUOTA_WARNING", project_id, request, message);
        }
    }

    /// Harbor's quota webhook handler (`constructQuotaPayload`): the repository without its
    /// creation time, the manifest's tag and digest when the request pushed one (no
    /// `resource_url`), and the message as the `Details` attribute.
    fn send_quota_hook(
        &mut self,
        event_type: &str,
        project_id: i64,
        request: QuotaRequest<'_>,
        message: String,
    ) {
        if !self.hooked(project_id, event_type) {
            return;
        }
        let Some(repository) = self.hook_repository(project_id, request.repository) else {
            return;
        };
        let resources = if request.tag.is_empty() && request.digest.is_empty() {
            Vec::new()
        } else {
            vec![HookResource {
                tag: request.tag.to_owned(),
                digest: request.digest.to_owned(),
                ..HookResource::default()
            }]
        };
        let payload = HookPayload {
            event_type: event_type.to_owned(),
            occur_at: super::unix(&now()),
            operator: request.operator.to_owned(),
            event_data: EventData {
                resources,
                repository: Some(repository),
                custom: [("Details".to_owned(), message)].into(),
                ..EventData::default()
            },
        };
        self.send_hook(project_id, &payload);
    }

    /// What Harbor's notifier does with an event's payload (`SendHookWithPolicies`, the
    /// `http` and `slack` handlers, `HookManager.StartHook`): for every target of every
    /// enabled policy of the project that subscribes to the event, an execution of its own
    /// (`WEBHOOK` for an `http` target, `SLACK` for a `slack` one) holding the event type and
    /// the payload as the target's format writes it, with one task, the delivery. A
    /// delivery lives by the kind's [`super::Lifecycle`]; one to a target whose host the
    /// simulated Harbor cannot reach ([`super::Reachability`]) fails as the job's post
    /// fails. A `CloudEvents` target of an event type the format does not map gets nothing
    /// (Harbor's formatter refuses it).
    pub(crate) fn send_hook(&mut self, project_id: i64, payload: &HookPayload) {
        if !self.notifications_on() {
            return;
        }
        let request_id = crate::request_id::current();
        for (policy_id, targets) in self.hook_policies(project_id, &payload.event_type) {
            for target in targets {
                let address = target["address"].as_str().unwrap_or_default().to_owned();
                let (kind, formatted) = match target["type"].as_str() {
                    Some("slack") => (JobKind::Slack, Some(payload.slack_format())),
                    _ if target["payload_format"] == "CloudEvents" => {
                        let source = HookSource {
                            project_id,
                            policy_id,
                        };
                        let id = crate::random_id::random_uuid();
                        let formatted = payload.cloud_events_format(source, &id, &request_id);
                        (JobKind::Webhook, formatted)
                    }
                    _ => (JobKind::Webhook, Some(payload.default_format())),
                };
                let Some(formatted) = formatted else {
                    continue;
                };
                let job = if kind == JobKind::Slack {
                    "slack"
                } else {
                    "webhook"
                };
                let first_log_line = format!(
                    "start to run {job} job\nsend request to remote endpoint, body: {}",
                    formatted.body
                );
                let outcome = (!self.reachability.reaches(&address)).then(|| Outcome::Failure {
                    message: format!(
                        "error to send request: Post \"{address}\": dial tcp: lookup {}: no such host",
                        super::reachability::host_of(&address)
                    ),
                });
                let plans = self.draw_plans_with(kind, vec![outcome]);
                self.start_planned_execution(
                    NewExecution {
                        kind,
                        vendor_id: policy_id,
                        trigger: "EVENT",
                        extra_attrs: json!({"event_type": payload.event_type, "payload": formatted.body}),
                        operator: payload.operator.clone(),
                        tasks: vec![(json!({}), first_log_line)],
                    },
                    plans,
                );
            }
        }
    }
}

/// How many times the policy `w` hears of `event_type` in the project: the times its event
/// types list it when it is the project's and enabled, else none.
fn listens(w: &WebhookPolicy, project_id: i64, event_type: &str) -> usize {
    if w.project_id != project_id || w.doc["enabled"] != json!(true) {
        return 0;
    }
    w.doc["event_types"]
        .as_array()
        .map_or(0, |e| e.iter().filter(|t| *t == event_type).count())
}

/// The external host without its port, as the replication and retention events name it.
fn harbor_hostname() -> String {
    super::ext_url()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A retention rule as the event carries it (`RetentionRule`): its template, parameters
/// and selectors, each left out when empty, every selector with the four fields of
/// `rule.Selector`.
fn retention_rule(rule: &Value) -> Value {
    let selector = |s: &Value| {
        let field = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
        json!({"kind": field("kind"), "decoration": field("decoration"),
               "pattern": field("pattern"), "extras": field("extras")})
    };
    let mut out = serde_json::Map::new();
    if let Some(template) = rule["template"].as_str().filter(|t| !t.is_empty()) {
        out.insert("template".into(), json!(template));
    }
    if let Some(params) = rule["params"].as_object().filter(|p| !p.is_empty()) {
        out.insert("params".into(), Value::Object(params.clone()));
    }
    if let Some(tags) = rule["tag_selectors"].as_array().filter(|t| !t.is_empty()) {
        out.insert("tag_selectors".into(), tags.iter().map(selector).collect());
    }
    if let Some(scopes) = rule["scope_selectors"]
        .as_object()
        .filter(|s| !s.is_empty())
    {
        let scopes = scopes
            .iter()
            .map(|(k, v)| {
                let list: Value = v.as_array().into_iter().flatten().map(selector).collect();
                (k.clone(), list)
            })
            .collect();
        out.insert("scope_selectors".into(), Value::Object(scopes));
    }
    Value::Object(out)
}

/// `BuildImageResourceURL`: the reference on the external host, after `@` for a digest and
/// `:` for a tag.
fn resource_url(repository: &str, reference: &str) -> String {
    let separator = if reference.starts_with("sha256:") {
        '@'
    } else {
        ':'
    };
    format!("{}/{repository}{separator}{reference}", super::ext_url())
}
