//! What starting a replication does before any task runs: Harbor's copy flow
//! (`src/controller/replication/flow/copy.go`, `stage.go`).
//!
//! The flow makes the policy's two adapters, lists the source's resources through the
//! policy's filters, renames each for the destination (`dest_namespace` and its replace
//! count), prepares the destination, and makes one `REPLICATION` task per resource. With
//! nothing to copy the execution is done at once (`no resources need to be replicated`);
//! when a stage fails the execution fails with that stage's error as its `status_text`
//! and no task.
//!
//! - **Harbor's own registry as the source** (push-based) is read from the state, as the
//!   local adapter lists it through the API (`src/pkg/reg/adapter/harbor/v2/adapter.go`):
//!   the projects a specific name pattern names, or every project; their repositories,
//!   newest first; each listed artifact, newest first, with its tags and labels, then its
//!   accessories (and those of an index's children) carrying the subject's tags and labels.
//! - **A remote source** (pull-based) is read from [`super::remote_catalog`]: every tag an
//!   artifact, as the Docker Hub and registry adapters list them. Docker Hub's adapter keeps
//!   a repository whose tags the filters all leave out (a task of `0 item(s)`).
//! - **The destination**: Harbor's own registry creates the projects the resources need
//!   (private, owned by the admin) and skips those of proxy-cache projects; a remote one
//!   must be reachable ([`super::reachability`]). The simulator writes the network error in
//!   its own words.
//!
//! Filters (`src/pkg/reg/filter/`): every `name` filter matches the repository's full name,
//! `tag` and `label` filters the artifacts in order, doublestar patterns as
//! [`crate::doublestar`] matches them. A pull's task copies its tags in when it runs (see
//! [`super::replication_copy`]); a push's copies nothing anywhere.
//!
//! **Events** (`src/controller/event/handler/replication/`): an artifact pushed or copied
//! (with the tags it was pushed with), a tag made through the API, an artifact deleted (with
//! its tags) and a tag deleted each start every enabled `event_based` policy that reads from
//! this Harbor, replicates deletions for a deletion, and whose filters keep the event's one
//! resource. The run is over that resource alone, triggered `EVENT`: a copy, or for a
//! deletion the deletion flow's one task (`deletion`, `tag deletion`). The event's operator
//! is taken to be the admin.

use serde_json::{Value, json};

use super::SimState;
use super::replication_copy::PullCopy;
use crate::doublestar::harbor_match;

/// One artifact of a resource as an adapter lists it (`model.Artifact`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct FlowArtifact {
    kind: String,
    digest: String,
    tags: Vec<String>,
    labels: Vec<String>,
    /// An accessory, listed after its subject.
    is_accessory: bool,
    /// The subject's tags, which a tag filter matches for an accessory.
    parent_tags: Vec<String>,
}

/// One repository to copy (`model.Resource`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FlowResource {
    /// `artifact` (Harbor's adapter) or `image` (the others).
    resource_type: &'static str,
    repository: String,
    artifacts: Vec<FlowArtifact>,
    /// In a proxy-cache project of the destination: no task.
    skip: bool,
}

/// A task the flow makes: its attributes (`operation`, `resource_type`,
/// `source_resource`, `destination_resource`, `references`) and the first line its job logs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlowTask {
    pub(crate) extra_attrs: Value,
    pub(crate) first_log_line: String,
    /// What it copies into this Harbor when it runs (a pull's task).
    pub(crate) pull: Option<PullCopy>,
}

/// How a flow ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FlowOutcome {
    /// One task per resource.
    Tasks(Vec<FlowTask>),
    /// Nothing to copy: done at once (`MarkDone`).
    NothingToCopy,
    /// A stage failed (`markError`): the message is the execution's `status_text`.
    Failed(String),
}

/// Harbor's `status_text` of an execution with nothing to copy.
pub(crate) const NOTHING_TO_COPY: &str = "no resources need to be replicated";

/// `model.RepositoryPathComponentType*` of a destination adapter's `Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathComponents {
    Any,
    OnlyTwo,
    AtLeastTwo,
}

impl PathComponents {
    fn of(registry_type: &str) -> Self {
        match registry_type {
            "docker-hub" => Self::OnlyTwo,
            "harbor" => Self::AtLeastTwo,
            _ => Self::Any,
        }
    }
}

/// Whether a policy's side (`src_registry`, `dest_registry`) is this Harbor.
fn is_local(registry: &Value) -> bool {
    registry["id"].as_i64().unwrap_or(0) == 0
}

/// What an artifact event tells the replication (`repevent.Event`, built by the event
/// handler of `src/controller/event/handler/replication/replication.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArtifactEventKind {
    /// An artifact pushed (or copied) with its tags, or a tag made on one.
    Push,
    /// An artifact deleted, with the tags it had.
    ArtifactDeletion,
    /// A tag deleted.
    TagDeletion,
}

/// An artifact event: its kind and the one resource it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArtifactEvent {
    kind: ArtifactEventKind,
    resource: FlowResource,
}

impl ArtifactEvent {
    /// The event `kind` of the artifact `artifact_type`/`digest` in `repository` with
    /// `tags` (the pushed or deleted ones) and the names of its `labels`.
    pub(crate) fn new(
        kind: ArtifactEventKind,
        repository: &str,
        artifact_type: &str,
        digest: &str,
        tags: Vec<String>,
        labels: Vec<String>,
    ) -> Self {
        ArtifactEvent {
            kind,
            resource: FlowResource {
                resource_type: "artifact",
                repository: repository.to_owned(),
                artifacts: vec![FlowArtifact {
                    kind: artifact_type.to_owned(),
                    digest: digest.to_owned(),
                    tags,
                    labels,
                    ..FlowArtifact::default()
                }],
                skip: false,
            },
        }
    }

    /// Whether it deletes (an artifact or a tag).
    fn is_deletion(&self) -> bool {
        self.kind != ArtifactEventKind::Push
    }
}

/// A connection to `url` failing as it does on a host with no route to it.
fn unreachable(url: &str) -> String {
    format!(
        "Get \"{url}\": dial tcp: lookup {}: no such host",
        super::reachability::host_of(url)
    )
}

/// `util.IsSpecificPathComponent`: the names a path component stands for when it names
/// them outright (`library`, `{library,test}`), `None` when it is a pattern.
fn specific_names(component: &str) -> Option<Vec<String>> {
    if component.is_empty() || component.contains(['*', '?', '[', '\\', ']', '^', '/']) {
        return None;
    }
    if !component.contains(['{', '}', ',']) {
        return Some(vec![component.to_owned()]);
    }
    if component.matches('{').count() > 1 {
        return None;
    }
    let open = component.find('{')?;
    let close = component.rfind('}')?;
    if open > close {
        return None;
    }
    let (prefix, suffix) = (&component[..open], &component[close + 1..]);
    Some(
        component[open + 1..close]
            .split(',')
            .map(|s| format!("{prefix}{s}{suffix}"))
            .collect(),
    )
}

/// `util.Match`: an empty pattern matches; a malformed one is doublestar's error.
fn matches(pattern: &str, value: &str) -> Result<bool, String> {
    harbor_match(pattern, value).map_err(|e| e.to_string())
}

/// The policy's filters of `kind` (`name`, `tag`, `label`), in order.
fn filters_of<'a>(filters: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    filters.iter().filter(move |f| f["type"] == kind)
}

/// `filter.DoFilterRepositories`: every `name` filter in turn.
fn repository_passes(filters: &[Value], name: &str) -> Result<bool, String> {
    for f in filters_of(filters, "name") {
        if !matches(f["value"].as_str().unwrap_or_default(), name)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `filter.DoFilterArtifacts`: the `label` and `tag` filters in the policy's order.
fn filter_artifacts(
    filters: &[Value],
    mut artifacts: Vec<FlowArtifact>,
) -> Result<Vec<FlowArtifact>, String> {
    for f in filters {
        let excludes = f["decoration"] == "excludes";
        artifacts = match f["type"].as_str() {
            Some("label") => {
                let wanted: Vec<&str> = f["value"]
                    .as_array()
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if wanted.is_empty() {
                    continue;
                }
                artifacts
                    .into_iter()
                    .filter(|a| {
                        let all = wanted.iter().all(|w| a.labels.iter().any(|l| l == w));
                        all != excludes
                    })
                    .collect()
            }
            Some("tag") => {
                let pattern = f["value"].as_str().unwrap_or_default();
                if pattern.is_empty() {
                    continue;
                }
                tag_filter(pattern, excludes, artifacts)?
            }
            _ => continue,
        };
    }
    Ok(artifacts)
}

/// `artifactTagFilter.Filter`: an artifact keeps the tags that pass (an accessory is
/// matched by its subject's tags and keeps its own); an untagged one is matched as the
/// empty string. What passes is a new artifact, no longer marked as an accessory.
fn tag_filter(
    pattern: &str,
    excludes: bool,
    artifacts: Vec<FlowArtifact>,
) -> Result<Vec<FlowArtifact>, String> {
    let mut kept = Vec::new();
    for a in artifacts {
        let matching = if a.is_accessory {
            &a.parent_tags
        } else {
            &a.tags
        };
        if matching.is_empty() {
            if matches(pattern, "")? != excludes {
                kept.push(a);
            }
            continue;
        }
        let mut passing = Vec::new();
        for tag in matching {
            if matches(pattern, tag)? != excludes {
                passing.push(tag.clone());
            }
        }
        if passing.is_empty() {
            continue;
        }
        let tags = if a.is_accessory { a.tags } else { passing };
        kept.push(FlowArtifact {
            kind: a.kind,
            digest: a.digest,
            labels: a.labels,
            tags,
            ..FlowArtifact::default()
        });
    }
    Ok(kept)
}

/// `getResourceReferences`: each artifact's tags, or its digest when it has none.
fn references(artifacts: &[FlowArtifact]) -> Vec<String> {
    artifacts
        .iter()
        .flat_map(|a| {
            if a.tags.is_empty() {
                (!a.digest.is_empty())
                    .then(|| a.digest.clone())
                    .into_iter()
                    .collect()
            } else {
                a.tags.clone()
            }
        })
        .collect()
}

/// `getResourceName`: `<repository> [<n> item(s) in total]`, `n` the count of the
/// resource's references.
fn resource_name(repository: &str, items: usize) -> String {
    format!("{repository} [{items} item(s) in total]")
}

/// The attributes `createTasks` gives the task of `operation` on resource `r` bound for
/// `destination`, with the resource's references.
fn task_attributes(operation: &str, r: &FlowResource, destination: &str) -> (Value, Vec<String>) {
    let refs = references(&r.artifacts);
    let attrs = json!({
        "operation": operation,
        "resource_type": r.resource_type,
        "source_resource": resource_name(&r.repository, refs.len()),
        "destination_resource": resource_name(destination, refs.len()),
        "references": refs.join(","),
    });
    (attrs, refs)
}

/// `replaceNamespace`: the destination repository of `repository`.
fn replace_namespace(
    repository: &str,
    namespace: &str,
    replace_count: i64,
    components: PathComponents,
) -> Result<String, String> {
    if namespace.is_empty() {
        return Ok(repository.to_owned());
    }
    let parts: Vec<&str> = repository.split('/').collect();
    let last = parts.len() - 1;
    // Go keeps the count in an `int8`.
    let count = replace_count as i8;
    let prefix = if count < 0 {
        namespace.to_owned()
    } else if count as usize > last {
        return Err(format!(
            "the source repository {repository:?} contains only {last} path components [{}] excepting the last one, but the destination namespace flattening level is {count}",
            parts[..last].join(" ")
        ));
    } else {
        format!("{namespace}/{}", parts[count as usize..last].join("/"))
    };
    // `path.Join` drops the empty component a count equal to the length leaves.
    let joined = format!("{prefix}/{}", parts[last]);
    let dest = joined
        .split('/')
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    let n = dest.split('/').count();
    let listed = dest.split('/').collect::<Vec<_>>().join(" ");
    match components {
        PathComponents::OnlyTwo if n != 2 => Err(format!(
            "the destination repository {dest:?} contains {n} path components [{listed}], but the destination registry only supports 2"
        )),
        PathComponents::AtLeastTwo if n < 2 => Err(format!(
            "the destination repository {dest:?} contains only {n} path components [{listed}], but the destination registry requires at least 2"
        )),
        _ => Ok(dest),
    }
}

impl SimState {
    /// Runs the flow of `policy` (its stored document) up to its tasks: the copy flow over
    /// what the source holds, or over the one resource of an artifact `event` (Harbor's
    /// flow controller: a deletion runs the deletion flow).
    pub(crate) fn replication_flow(
        &mut self,
        policy: &Value,
        event: Option<&ArtifactEvent>,
    ) -> FlowOutcome {
        let tasks = match event {
            Some(e) if e.is_deletion() => self.deletion_flow(policy, e),
            _ => self.copy_flow(policy, event.map(|e| e.resource.clone())),
        };
        match tasks {
            Ok(tasks) if tasks.is_empty() => FlowOutcome::NothingToCopy,
            Ok(tasks) => FlowOutcome::Tasks(tasks),
            Err(message) => FlowOutcome::Failed(message),
        }
    }

    /// `initialize`: Harbor's adapter asks a remote Harbor its API version when it is made.
    fn make_adapters(&self, policy: &Value) -> Result<(), String> {
        for (side, key) in [("source", "src_registry"), ("destination", "dest_registry")] {
            let r = &policy[key];
            let url = r["url"].as_str().unwrap_or_default();
            if !is_local(r) && r["type"] == "harbor" && !self.reachability.reaches(url) {
                return Err(format!(
                    "failed to create adapter for {side} registry {url}: {}",
                    unreachable(&format!("{}/api/version", url.trim_end_matches('/')))
                ));
            }
        }
        Ok(())
    }

    /// `assembleDestinationResources`: each resource's repository at the destination.
    fn destinations(policy: &Value, resources: &[FlowResource]) -> Result<Vec<String>, String> {
        let namespace = policy["dest_namespace"].as_str().unwrap_or_default();
        let count = policy["dest_namespace_replace_count"]
            .as_i64()
            .unwrap_or(-1);
        let kind = policy["dest_registry"]["type"].as_str().unwrap_or_default();
        let components = PathComponents::of(kind);
        resources
            .iter()
            .map(|r| replace_namespace(&r.repository, namespace, count, components))
            .collect()
    }

    /// `copyFlow.Run`: the source's resources (or the event's), then one task each.
    fn copy_flow(
        &mut self,
        policy: &Value,
        given: Option<FlowResource>,
    ) -> Result<Vec<FlowTask>, String> {
        let (src, dest) = (&policy["src_registry"], &policy["dest_registry"]);
        self.make_adapters(policy)?;
        let filters: Vec<Value> = policy["filters"].as_array().cloned().unwrap_or_default();
        let mut resources = match given {
            Some(resource) => Ok(vec![resource]),
            None if is_local(src) => self.local_resources(&filters),
            None => self.remote_resources(src, &filters),
        }
        .map_err(|e| format!("failed to fetch artifacts: {e}"))?;
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let destinations = Self::destinations(policy, &resources)?;
        self.prepare_for_push(dest, &destinations, &mut resources)?;
        let pulls_from = (!is_local(src)).then(|| src["url"].as_str().unwrap_or_default());
        let override_existing = policy["override"] == json!(true);
        Ok(resources
            .iter()
            .zip(&destinations)
            .filter(|(r, _)| !r.skip)
            .map(|(r, dest_repo)| {
                let (extra_attrs, tags) = task_attributes("copy", r, dest_repo);
                let refs = tags.join(",");
                FlowTask {
                    extra_attrs,
                    first_log_line: format!(
                        "copying {}:[{refs}](source registry) to {dest_repo}:[{refs}](destination registry)...",
                        r.repository
                    ),
                    pull: pulls_from.map(|source| PullCopy {
                        source: source.to_owned(),
                        source_repository: r.repository.clone(),
                        destination_repository: dest_repo.clone(),
                        tags,
                        override_existing,
                    }),
                }
            })
            .collect())
    }

    /// `deletionFlow.Run`: the event's resource renamed for the destination, one task that
    /// deletes it there (`deletion`, or `tag deletion`).
    fn deletion_flow(
        &mut self,
        policy: &Value,
        event: &ArtifactEvent,
    ) -> Result<Vec<FlowTask>, String> {
        self.make_adapters(policy)?;
        let r = &event.resource;
        let destination = Self::destinations(policy, std::slice::from_ref(r))?.remove(0);
        let operation = if event.kind == ArtifactEventKind::TagDeletion {
            "tag deletion"
        } else {
            "deletion"
        };
        let (extra_attrs, refs) = task_attributes(operation, r, &destination);
        Ok(vec![FlowTask {
            extra_attrs,
            first_log_line: format!(
                "deleting {destination}:[{}](destination registry)...",
                refs.join(",")
            ),
            pull: None,
        }])
    }

    /// The policies an artifact event starts (`getRelatedPolicies`): enabled, event-based,
    /// reading from this Harbor, replicating deletions for a deletion, and whose filters
    /// keep the event's resource. A malformed pattern in any starts none.
    pub(crate) fn policies_for_event(&self, event: &ArtifactEvent) -> Vec<i64> {
        let mut chosen = Vec::new();
        for policy in self.replication_policies.values() {
            let doc = &policy.doc;
            if doc["enabled"] != json!(true)
                || doc["trigger"]["type"] != "event_based"
                || !is_local(&doc["src_registry"])
                || (event.is_deletion() && doc["deletion"] != json!(true))
            {
                continue;
            }
            let filters: Vec<Value> = doc["filters"].as_array().cloned().unwrap_or_default();
            let kept = repository_passes(&filters, &event.resource.repository).and_then(|passes| {
                if !passes {
                    return Ok(false);
                }
                filter_artifacts(&filters, event.resource.artifacts.clone()).map(|a| !a.is_empty())
            });
            match kept {
                Ok(true) => chosen.push(policy.id()),
                Ok(false) => {}
                Err(_) => return Vec::new(),
            }
        }
        chosen
    }

    /// `FetchArtifacts` of Harbor's adapter on this Harbor.
    fn local_resources(&self, filters: &[Value]) -> Result<Vec<FlowResource>, String> {
        // `ListProjects`: the projects the first name pattern's first component names, when
        // it names them and any exists; otherwise every project.
        let pattern = filters_of(filters, "name")
            .next()
            .and_then(|f| f["value"].as_str())
            .unwrap_or_default();
        let mut projects: Vec<i64> = specific_names(pattern.split('/').next().unwrap_or(""))
            .unwrap_or_default()
            .iter()
            .filter_map(|name| self.projects.id_by_name(name.trim()))
            .collect();
        if projects.is_empty() {
            projects = self.projects.ids_by_name().collect();
        }
        let mut resources = Vec::new();
        for project in projects {
            for &repo in self.repositories.ids_in_project(project).iter().rev() {
                let name = self.repository_name(repo).to_owned();
                if !repository_passes(filters, &name)? {
                    continue;
                }
                let artifacts = filter_artifacts(filters, self.listed_artifacts(repo))
                    .map_err(|e| format!("failed to list artifacts of repository '{name}': {e}"))?;
                if !artifacts.is_empty() {
                    resources.push(FlowResource {
                        resource_type: "artifact",
                        repository: name,
                        artifacts,
                        skip: false,
                    });
                }
            }
        }
        Ok(resources)
    }

    /// The adapter client's `listArtifacts`: each artifact the API lists, newest first,
    /// then its accessories, then those of its children.
    fn listed_artifacts(&self, repo: i64) -> Vec<FlowArtifact> {
        let mut listed = Vec::new();
        for a in self.artifacts.in_repository(repo).rev() {
            if self.is_accessory(a.id) || a.is_hidden_child() {
                continue;
            }
            let tags: Vec<String> = self
                .artifact_tags(a.id, false)
                .into_iter()
                .map(|t| t.name)
                .collect();
            let labels: Vec<String> = a
                .label_ids
                .iter()
                .filter_map(|l| self.labels.get(l).map(|l| l.name.clone()))
                .collect();
            listed.push(FlowArtifact {
                kind: a.kind().to_owned(),
                digest: a.digest.clone(),
                tags: tags.clone(),
                labels: labels.clone(),
                ..FlowArtifact::default()
            });
            self.push_accessories(a.id, &labels, &tags, &mut listed);
            for child in a.index.iter().flat_map(|i| &i.references) {
                self.push_accessories(child.child_id, &labels, &tags, &mut listed);
            }
        }
        listed
    }

    /// `getAccessoryArts`: the accessories of `subject`, depth first, each typed as its
    /// subject and carrying the top artifact's tags and labels.
    fn push_accessories(
        &self,
        subject: i64,
        labels: &[String],
        parent_tags: &[String],
        into: &mut Vec<FlowArtifact>,
    ) {
        let kind = self
            .artifacts
            .get(&subject)
            .map(|a| a.kind().to_owned())
            .unwrap_or_default();
        for acc in self.accessories_of(subject) {
            into.push(FlowArtifact {
                kind: kind.clone(),
                digest: acc.digest.clone(),
                tags: self
                    .artifact_tags(acc.artifact_id, false)
                    .into_iter()
                    .map(|t| t.name)
                    .collect(),
                labels: labels.to_vec(),
                is_accessory: true,
                parent_tags: parent_tags.to_vec(),
            });
            self.push_accessories(acc.artifact_id, labels, parent_tags, into);
        }
    }

    /// `FetchArtifacts` of a remote registry's adapter, from [`super::remote_catalog`].
    fn remote_resources(
        &self,
        registry: &Value,
        filters: &[Value],
    ) -> Result<Vec<FlowResource>, String> {
        let url = registry["url"].as_str().unwrap_or_default();
        if !self.reachability.reaches(url) {
            return Err(unreachable(url));
        }
        let kind = registry["type"].as_str().unwrap_or_default();
        let docker_hub = kind == "docker-hub";
        let first_name = filters_of(filters, "name")
            .next()
            .and_then(|f| f["value"].as_str())
            .unwrap_or_default();
        // Docker Hub's adapter lists the namespaces a specific name pattern names (else the
        // account's: here every namespace the catalog has).
        let namespaces = specific_names(first_name.split('/').next().unwrap_or(""));
        let mut resources = Vec::new();
        for (name, tags) in self.remote_catalog.repositories(url) {
            // The adapters' own words around a pattern's error (each is then wrapped in
            // `failed to fetch artifacts: `, Docker Hub's and the artifact lists' twice).
            let passes = if docker_hub {
                let namespace = name.split('/').next().unwrap_or_default();
                namespaces
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|n| n == namespace))
                    && matches(first_name, name).map_err(|e| {
                        format!(
                            "failed to fetch artifacts: match repo name '{name}' against pattern '{first_name}' error: {e}"
                        )
                    })?
            } else {
                repository_passes(filters, name)?
            };
            if !passes {
                continue;
            }
            let artifacts: Vec<FlowArtifact> = tags
                .iter()
                .map(|t| FlowArtifact {
                    tags: vec![(*t).to_owned()],
                    ..FlowArtifact::default()
                })
                .collect();
            let artifacts = filter_artifacts(filters, artifacts).map_err(|e| {
                if docker_hub {
                    format!("failed to fetch artifacts: {e}")
                } else {
                    format!("failed to fetch artifacts: failed to list artifacts of repository {name}: {e}")
                }
            })?;
            // Docker Hub's adapter keeps a repository with tags (a catalog entry has one at
            // least) whatever the filters leave.
            if artifacts.is_empty() && !docker_hub {
                continue;
            }
            resources.push(FlowResource {
                resource_type: if kind == "harbor" {
                    "artifact"
                } else {
                    "image"
                },
                repository: name.to_owned(),
                artifacts,
                skip: false,
            });
        }
        Ok(resources)
    }

    /// `PrepareForPush` of the destination: this Harbor creates the projects it lacks and
    /// skips resources bound for proxy-cache projects; a remote one must be reachable.
    fn prepare_for_push(
        &mut self,
        dest: &Value,
        destinations: &[String],
        resources: &mut [FlowResource],
    ) -> Result<(), String> {
        if dest["id"].as_i64().unwrap_or(0) != 0 {
            let url = dest["url"].as_str().unwrap_or_default();
            if !self.reachability.reaches(url) {
                return Err(format!(
                    "failed to do the prepare work for pushing/uploading resources: {}",
                    unreachable(url)
                ));
            }
            return Ok(());
        }
        let mut names: Vec<&str> = destinations
            .iter()
            .map(|d| d.split('/').next().unwrap_or_default())
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            if self.projects.id_by_name(name).is_none() {
                // The adapter's `CreateProject`: the name and the source's `public`, which
                // no resource here carries.
                let req = super::projects::ProjectReq {
                    project_name: Some(name.to_owned()),
                    public: None,
                    metadata: None,
                    cve_allowlist: None,
                    storage_limit: None,
                    registry_id: None,
                };
                self.create_project(req, 1).map_err(|e| {
                    format!(
                        "failed to do the prepare work for pushing/uploading resources: {}",
                        e.message
                    )
                })?;
            }
        }
        for (r, d) in resources.iter_mut().zip(destinations) {
            let project = d.split('/').next().unwrap_or_default();
            r.skip = self
                .projects
                .id_by_name(project)
                .and_then(|id| self.projects.get(&id))
                .is_some_and(|p| p.registry_id.is_some_and(|r| r > 0));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(tags: &[&str]) -> FlowArtifact {
        FlowArtifact {
            kind: "IMAGE".into(),
            digest: format!("sha256:{}", tags.join("")),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..FlowArtifact::default()
        }
    }

    #[test]
    fn namespaces_are_replaced_as_harbor_does() {
        let r = |count, comps| replace_namespace("a/b/c/image", "n", count, comps);
        assert_eq!(r(-1, PathComponents::Any).unwrap(), "n/image");
        assert_eq!(r(0, PathComponents::Any).unwrap(), "n/a/b/c/image");
        assert_eq!(r(1, PathComponents::Any).unwrap(), "n/b/c/image");
        assert_eq!(r(3, PathComponents::Any).unwrap(), "n/image");
        assert_eq!(
            r(4, PathComponents::Any).unwrap_err(),
            r#"the source repository "a/b/c/image" contains only 3 path components [a b c] excepting the last one, but the destination namespace flattening level is 4"#
        );
        assert_eq!(
            r(0, PathComponents::OnlyTwo).unwrap_err(),
            r#"the destination repository "n/a/b/c/image" contains 5 path components [n a b c image], but the destination registry only supports 2"#
        );
        assert_eq!(
            replace_namespace("image", "", -1, PathComponents::AtLeastTwo).unwrap(),
            "image"
        );
        assert_eq!(
            replace_namespace("library/app", "", 0, PathComponents::Any).unwrap(),
            "library/app"
        );
    }

    #[test]
    fn specific_names_follow_harbors_rules() {
        assert_eq!(specific_names("library"), Some(vec!["library".into()]));
        assert_eq!(
            specific_names("{library,test}"),
            Some(vec!["library".into(), "test".into()])
        );
        assert_eq!(
            specific_names("pre{a,b}post"),
            Some(vec!["preapost".into(), "prebpost".into()])
        );
        for pattern in ["lib*", "", "{a,{b}}", "}a{", "a?"] {
            assert_eq!(specific_names(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn tag_filters_keep_matching_tags_and_accessories_follow_their_subject() {
        let signature = FlowArtifact {
            kind: "IMAGE".into(),
            digest: "sha256:sig".into(),
            tags: vec!["sha256-abc.sig".into()],
            is_accessory: true,
            parent_tags: vec!["1.0".into(), "latest".into()],
            ..FlowArtifact::default()
        };
        let listed = vec![
            tagged(&["1.0", "latest"]),
            signature,
            tagged(&[]),
            tagged(&["dev"]),
        ];
        let filters = [json!({"type": "tag", "value": "1.*"})];
        let kept = filter_artifacts(&filters, listed.clone()).unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].tags, ["1.0"]);
        assert_eq!(kept[1].tags, ["sha256-abc.sig"]);
        assert!(!kept[1].is_accessory);
        assert_eq!(references(&kept), ["1.0", "sha256-abc.sig"]);
        assert_eq!(
            resource_name("library/app", references(&kept).len()),
            "library/app [2 item(s) in total]"
        );
        let excluded = [json!({"type": "tag", "value": "1.*", "decoration": "excludes"})];
        let kept = filter_artifacts(&excluded, listed).unwrap();
        // `latest` of the first, the untagged one, and `dev`; the signature's subject
        // keeps a tag that passes, so it stays too.
        assert_eq!(kept.len(), 4);
        assert_eq!(kept[0].tags, ["latest"]);
        assert_eq!(references(&kept[2..3]), ["sha256:"]);
        assert_eq!(
            filter_artifacts(
                &[json!({"type": "tag", "value": "[", "decoration": "matches"})],
                vec![tagged(&["a"])]
            )
            .unwrap_err(),
            "syntax error in pattern"
        );
    }

    #[test]
    fn label_filters_need_every_label() {
        let mut both = tagged(&["a"]);
        both.labels = vec!["prod".into(), "eu".into()];
        let mut one = tagged(&["b"]);
        one.labels = vec!["prod".into()];
        let wanted = [json!({"type": "label", "value": ["prod", "eu"]})];
        let kept = filter_artifacts(&wanted, vec![both.clone(), one.clone()]).unwrap();
        assert_eq!(kept, [both.clone()]);
        let unwanted =
            [json!({"type": "label", "value": ["prod", "eu"], "decoration": "excludes"})];
        assert_eq!(
            filter_artifacts(&unwanted, vec![both, one.clone()]).unwrap(),
            [one]
        );
    }
}
