//! Repositories, artifacts and tags: what a `docker push` leaves behind.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::blobs::{BlobRef, Freed, GcTimeWindow, ManifestFamily};
use super::image_content::{IconLayer, ImageRecipe};
use super::image_index::{ImageIndex, OCI_INDEX, Platform, Reference};
use super::replication_flow::ArtifactEventKind;
use super::webhook_events::{ArtifactHook, HookedArtifact};
use super::{AuditEvent, SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A repository, serialized as Harbor's `Repository`.
#[derive(Debug, Clone, Serialize)]
pub struct Repository {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project_id: i64,
    /// The full name, project included (`library/nginx`).
    pub name: String,
    /// Free text; omitted when empty (`omitempty` in Harbor's `Repository` model).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Artifacts in it (computed on answer).
    pub artifact_count: i64,
    /// Pulls so far.
    pub pull_count: i64,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
}

/// A tag, serialized as Harbor's `Tag`.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// Its id.
    pub id: i64,
    /// Its repository.
    pub repository_id: i64,
    /// Its artifact.
    pub artifact_id: i64,
    /// The tag name.
    pub name: String,
    /// RFC 3339.
    pub push_time: String,
    /// RFC 3339.
    pub pull_time: String,
    /// Whether an immutable rule protects it.
    pub immutable: bool,
}

/// An artifact; answered as Harbor's `Artifact` through [`SimState::artifact_view`].
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project_id: i64,
    /// Its repository.
    pub repository_id: i64,
    /// `sha256:...`
    pub digest: String,
    /// Bytes.
    pub size: i64,
    /// RFC 3339.
    pub push_time: String,
    /// When it was last pulled (RFC 3339), Go's zero time before.
    pub pull_time: String,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// Ids of labels attached to it.
    pub label_ids: Vec<i64>,
    /// Whether it has been scanned (its report is then answered).
    pub scanned: bool,
    /// When it was last scanned (RFC 3339), empty before.
    pub scanned_at: String,
    /// The platform it is built for (its `extra_attrs`); `linux/amd64` unless pushed as a
    /// child of an index.
    pub platform: Platform,
    /// What it lists when it is an image index; `None` for an image.
    pub index: Option<ImageIndex>,
    /// The ids of the indexes that list it, ascending (none for most artifacts).
    pub parents: Vec<i64>,
    /// The digest of its own icon (a layer annotated as one, see [`super::icons`]); its
    /// type's built-in icon when `None`.
    pub icon: Option<String>,
    /// The blobs it references, its manifest first (see [`super::blobs`]).
    pub blobs: Arc<[BlobRef]>,
    /// What Harbor read off its manifest when it was pushed through the registry (`/v2/`);
    /// `None` for the simulator's own pushes, which are Docker images (or OCI indexes).
    pub pushed: Option<Arc<PushedMetadata>>,
}

/// The artifact processors of Harbor (`src/controller/artifact/processor/`) the simulator
/// tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processor {
    /// Images and image indexes: build history, scans.
    Image,
    /// Helm charts: type `CHART`, and their values, readme and dependencies as additions
    /// (see [`super::chart_archive`]).
    Chart,
    /// Harbor's SBOMs (`application/vnd.goharbor.harbor.sbom.v1`): type `SBOM`, and every
    /// addition is the SBOM document (see [`super::sbom_push`]).
    Sbom,
    /// WebAssembly modules (`application/vnd.wasm.config.v1+json`): type `WASM`, and their
    /// build history as their one addition.
    Wasm,
    /// AI models of the CNCF model spec (`application/vnd.cncf.model.manifest.v1+json`):
    /// type `CNAI`, and their readme, license and file list as additions (see
    /// [`super::model_additions`]).
    Cnai,
    /// Cloud Native Application Bundles, image indexes marked
    /// `application/vnd.cnab.manifest.v1`: type `CNAB`, no additions.
    Cnab,
    /// Anything else: no additions.
    Default,
}

/// The fields of an artifact Harbor's abstractor and processors read off a manifest pushed
/// through the registry (`src/controller/artifact/manifest/`, `processor/`).
#[derive(Debug, Clone, PartialEq)]
pub struct PushedMetadata {
    /// The manifest's media type.
    pub manifest_media_type: String,
    /// The config's media type (an index's own media type, or the `org.opencontainers.artifactType`
    /// annotation of an index).
    pub media_type: String,
    /// The manifest's `artifactType`, else the config's media type; empty for an index
    /// without one (then omitted).
    pub artifact_type: String,
    /// The processor's type: `IMAGE`, `CHART`, the middle of a `vnd.<x>.<type>.config.*+json`
    /// media type, else `UNKNOWN`.
    pub kind: String,
    /// The processor Harbor picked for it.
    pub processor: Processor,
    /// The manifest's annotations.
    pub annotations: Map<String, Value>,
    /// What the processor read off the config (`None`: the answer omits `extra_attrs`).
    pub extra_attrs: Option<Map<String, Value>>,
}

/// What a push stores: the artifact's content, wherever it comes from (a push, an index, a
/// copy).
#[derive(Debug, Clone)]
pub(crate) struct Manifest {
    /// `sha256:...`
    pub digest: String,
    /// The artifact's `size`.
    pub size: i64,
    /// Its blobs, its manifest first.
    pub blobs: Arc<[BlobRef]>,
    /// The platform it is built for.
    pub platform: Platform,
    /// What it lists when it is an image index.
    pub index: Option<ImageIndex>,
    /// The digest of its own icon.
    pub icon: Option<String>,
    /// What Harbor read off a manifest pushed through the registry.
    pub pushed: Option<Arc<PushedMetadata>>,
    /// What the registry makes the content of an image the simulator made itself from
    /// (`image_content.rs`).
    pub made: Option<Arc<ImageRecipe>>,
}

impl Artifact {
    /// Its manifest's media type: a pushed manifest's own, an index's the OCI index type,
    /// a simulated image's Docker's schema 2.
    pub fn manifest_media_type(&self) -> &str {
        match (&self.pushed, &self.index) {
            (Some(pushed), _) => &pushed.manifest_media_type,
            (None, Some(_)) => OCI_INDEX,
            (None, None) => "application/vnd.docker.distribution.manifest.v2+json",
        }
    }

    /// The processor Harbor picks for it: the image processors for every artifact the
    /// simulator pushes itself, else the one its pushed type picked.
    pub fn processor(&self) -> Processor {
        self.pushed
            .as_ref()
            .map_or(Processor::Image, |p| p.processor)
    }

    /// Its type (`IMAGE`, `CHART`, ...): a pushed artifact's processor's, `IMAGE` for one the
    /// simulator made.
    pub fn kind(&self) -> &str {
        self.pushed.as_ref().map_or("IMAGE", |p| p.kind.as_str())
    }

    /// Whether Harbor's image processors handle it: every artifact the simulator pushes
    /// itself, and a pushed image or image index.
    pub fn is_image(&self) -> bool {
        self.processor() == Processor::Image
    }

    /// Whether artifact lists leave it out unless asked for `base=*`: a child of an index
    /// without a tag of its own (`setBaseQuery`).
    pub fn is_hidden_child(&self) -> bool {
        !self.parents.is_empty() && self.tags.is_empty()
    }
}

/// What an artifact read includes: the `with_*` options as `option` in Harbor's
/// `src/server/v2.0/handler/artifact.go` makes them (the spec's defaults bound by go-swagger).
#[derive(Debug, Clone, Copy)]
pub struct ArtifactOptions {
    /// `with_tag` (default true).
    pub with_tag: bool,
    /// `with_label` (default false).
    pub with_label: bool,
    /// `with_scan_overview` (default false).
    pub with_scan: bool,
    /// `with_immutable_status` (default false): the tags' `immutable`, else false.
    pub with_immutable_status: bool,
    /// `with_accessory` (default false): the artifact's `accessories`, else `null`.
    pub with_accessory: bool,
}

/// Refuses a repository name with an empty path component (the simulator's own check: a
/// push names its repository, so Harbor's API never sees one).
fn check_repository_name(repo: &str) -> ApiResult<()> {
    if repo.is_empty() || repo.split('/').any(str::is_empty) {
        return Err(ApiError::bad_request(format!(
            "invalid repository name {repo:?}"
        )));
    }
    Ok(())
}

/// The icon Harbor gives an artifact of type `kind` without an icon of its own
/// (`populateIcon`: the type's built-in icon, else the default one).
fn type_icon(kind: &str) -> &'static str {
    match kind {
        "IMAGE" => super::icons::IMAGE_ICON,
        "CHART" => "sha256:61cf3a178ff0f75bf08a25d96b75cf7355dc197749a9f128ed3ef34b0df05518",
        "CNAB" => "sha256:089bdda265c14d8686111402c8ad629e8177a1ceb7dcd0f7f39b6480f623b3bd",
        "WASM" => "sha256:badd7693bcaf115be202748241dd0ea6ee3b0524bfab9ac22d1e1c43721afec6",
        "SBOM" => "sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae",
        "CNAI" => "sha256:1e1e5c5fdaf0931ec8655e835d1182f723a0c322a6760211622e1270f0193717",
        _ => "sha256:da834479c923584f4cbcdecc0dac61f32bef1d51e8aae598cf16bd154efab49f",
    }
}

/// The pull time of what was never pulled: Go's zero `time.Time`, as Harbor answers it.
pub(crate) const NEVER: &str = "0001-01-01T00:00:00.000Z";

/// A digest made from `seed`, different for each simulator run.
pub(crate) fn fake_digest(seed: &str) -> String {
    let s = RandomState::new();
    let parts: Vec<String> = (0..4u8)
        .map(|i| format!("{:016x}", s.hash_one((seed, i))))
        .collect();
    format!("sha256:{}", parts.concat())
}

impl SimState {
    /// Finds a repository by project and short name (`nginx` or `team/app` in `library`).
    pub fn repository_id(&self, project: &str, repo: &str) -> ApiResult<i64> {
        let full = format!("{project}/{repo}");
        self.repositories
            .id_by_name(&full)
            .ok_or_else(|| ApiError::not_found(format!("repository {full} not found")))
    }

    /// The full name of a repository (`library/nginx`), empty when there is none.
    pub fn repository_name(&self, id: i64) -> &str {
        self.repositories.get(&id).map_or("", |r| r.name.as_str())
    }

    /// A repository as answered: `artifact_count` computed.
    pub fn repository_view(&self, id: i64) -> Option<Repository> {
        Some(self.repository_view_of(self.repositories.get(&id)?))
    }

    /// `repository` as answered: `artifact_count` computed as Harbor counts it (the
    /// artifact list's default filter: an index's untagged children are not counted).
    pub fn repository_view_of(&self, repository: &Repository) -> Repository {
        let mut r = repository.clone();
        r.artifact_count = self.visible_artifact_count(repository.id) as i64;
        r
    }

    /// How many artifacts of the repository a list without `base=*` holds (accessories are
    /// never listed).
    pub fn visible_artifact_count(&self, repository_id: i64) -> usize {
        let ids = self.artifacts.ids_in_repository(repository_id);
        if !self.artifacts.has_children(repository_id) && self.accessories.is_empty() {
            return ids.len();
        }
        self.artifacts
            .in_repository(repository_id)
            .filter(|a| !a.is_hidden_child() && !self.is_accessory(a.id))
            .count()
    }

    /// What a `docker push` by the administrator (user 1) does: see [`SimState::push_as`].
    pub fn push(
        &mut self,
        project: &str,
        repo: &str,
        tag: Option<&str>,
        content: &str,
    ) -> ApiResult<String> {
        let admin = self.admin_name();
        self.push_as(&admin, project, repo, tag, content)
    }

    /// What a push by `operator` does: the repository if new, a new artifact, and the tag
    /// moved onto it, with the audit row Harbor's push event writes. Returns the artifact's
    /// digest.
    pub fn push_as(
        &mut self,
        operator: &str,
        project: &str,
        repo: &str,
        tag: Option<&str>,
        content: &str,
    ) -> ApiResult<String> {
        let (artifact_id, digest) = self.store_push(project, repo, tag, content)?;
        self.record_push(operator, artifact_id, tag);
        Ok(digest)
    }

    /// The push event of the artifact `artifact_id` by `operator` (`PushArtifactEvent` in
    /// Harbor's `src/controller/event/topic.go`, fired by the artifact controller's `Ensure`
    /// for every manifest pushed or copied, with the pushed tag if any) and what its
    /// handlers do: the audit row (the resource is `repository:tag`, or `repository@digest`
    /// when pushed by digest), the webhooks of `PUSH_ARTIFACT` and the event-based
    /// replications.
    pub fn record_push(&mut self, operator: &str, artifact_id: i64, tag: Option<&str>) {
        let Some(a) = self.artifacts.get(&artifact_id) else {
            return;
        };
        let (project_id, digest) = (a.project_id, a.digest.clone());
        let repo = self.repository_name(a.repository_id).to_owned();
        let tags: Vec<String> = tag.map(str::to_owned).into_iter().collect();
        let replication = self.artifact_event(ArtifactEventKind::Push, a, tags.clone());
        let by_digest = format!("{repo}@{digest}");
        let event = AuditEvent {
            project_id,
            operation: "create",
            resource_type: "artifact",
            resource: tag.map_or_else(|| by_digest.clone(), |t| format!("{repo}:{t}")),
            description: format!("push artifact: {by_digest}"),
            successful: true,
            username: operator.to_owned(),
        };
        self.record_audit(event);
        let pushed = HookedArtifact {
            project_id,
            repository: &repo,
            digest: &digest,
            tags: &tags,
        };
        self.send_artifact_hook(ArtifactHook::Push, operator, pushed);
        if let Some(event) = replication {
            self.replicate_event(&event);
        }
    }

    /// What a pull of the artifact `id` through the registry (by `tag` when pulled by tag)
    /// leaves in Harbor's tables, as its artifact event handler leaves it with the pull time
    /// and count flushed at once (`onPull`, `syncFlushPullTime`, `syncFlushPullCount`): the
    /// pull time of the artifact, of the tag and of every index listing the artifact, one
    /// more pull of the repository, and the audit row of the pull (`PullArtifactEvent`,
    /// `anonymous` for a public pull without credentials). A scanner's pull leaves the time
    /// and count alone when `scanner_skip_update_pulltime` is set (see
    /// [`Self::is_scanner_user`]); its audit row is written all the same.
    pub fn record_pull(&mut self, operator: &str, id: i64, tag: Option<&str>) {
        let Some(artifact) = self.artifacts.get(&id) else {
            return;
        };
        let (project_id, repository_id, digest) = (
            artifact.project_id,
            artifact.repository_id,
            artifact.digest.clone(),
        );
        let repo = self.repository_name(repository_id).to_owned();
        let skip = self.configurations.get("scanner_skip_update_pulltime")
            == Some(&Value::Bool(true))
            && self.is_scanner_user(operator, &repo);
        if !skip {
            self.flush_pull(id, tag);
        }
        let by_digest = format!("{repo}@{digest}");
        self.record_audit(AuditEvent {
            project_id,
            operation: "pull",
            resource_type: "artifact",
            resource: tag.map_or_else(|| by_digest.clone(), |t| format!("{repo}:{t}")),
            description: format!("pull artifact: {by_digest}"),
            successful: true,
            username: if operator.is_empty() {
                "anonymous".to_owned()
            } else {
                operator.to_owned()
            },
        });
        let tags: Vec<String> = tag.map(str::to_owned).into_iter().collect();
        let pulled = HookedArtifact {
            project_id,
            repository: &repo,
            digest: &digest,
            tags: &tags,
        };
        self.send_artifact_hook(ArtifactHook::Pull, operator, pulled);
    }

    /// The pull time and count a pull writes (`syncFlushPullTime`, `syncFlushPullCount`).
    fn flush_pull(&mut self, id: i64, tag: Option<&str>) {
        let now = now();
        let Some(mut artifact) = self.artifacts.get_mut(&id) else {
            return;
        };
        artifact.pull_time = now.clone();
        for t in artifact
            .tags
            .iter_mut()
            .filter(|t| Some(t.name.as_str()) == tag)
        {
            t.pull_time = now.clone();
        }
        let (repository_id, parents) = (artifact.repository_id, artifact.parents.clone());
        drop(artifact);
        for parent in parents {
            if let Some(mut index) = self.artifacts.get_mut(&parent) {
                index.pull_time = now.clone();
            }
        }
        if let Some(mut repository) = self.repositories.get_mut(&repository_id) {
            repository.pull_count += 1;
        }
    }

    /// Whether `operator` is a scan job's robot for the repository `repo` (`isScannerUser`
    /// in `src/controller/event/handler/internal/artifact.go`): its name starts with the
    /// robot prefix, the repository's project, `+` and the scanner robots' prefix.
    pub fn is_scanner_user(&self, operator: &str, repo: &str) -> bool {
        // `parseProjectName`: "" for a name without `/`.
        let project = repo.split_once('/').map_or("", |(p, _)| p);
        !operator.is_empty() && operator.starts_with(&self.scanner_robot_prefix(project))
    }

    /// `<robot prefix><project>+<scanner robots' prefix>`: how the name of every robot a
    /// scan job makes for `project` starts.
    fn scanner_robot_prefix(&self, project: &str) -> String {
        format!("{}{project}+{SCANNER_ROBOT_PREFIX}", self.robot_prefix())
    }

    /// The pull a scan makes of the artifact `id`: the scanner adapter pulls it by digest
    /// with the robot account the scan job made for the project
    /// (`makeRobotAccount` in `src/controller/scan/base_controller.go`:
    /// `<robot prefix><project>+scanner-<registration name>-<uuid>`).
    /// Returns the robot's name (`None` for an unknown artifact).
    pub fn record_scanner_pull(&mut self, id: i64, registration: &str) -> Option<String> {
        let a = self.artifacts.get(&id)?;
        let repo = self.repository_name(a.repository_id);
        // `strings.Split(repository, "/")[0]`: the whole name for a name without `/`.
        let project = repo.split_once('/').map_or(repo, |(p, _)| p);
        let operator = format!(
            "{}-{registration}-{}",
            self.scanner_robot_prefix(project),
            crate::random_id::random_uuid()
        );
        self.record_pull(&operator, id, None);
        Some(operator)
    }

    /// A push without its audit row; returns the new artifact's id and digest.
    pub(crate) fn store_push(
        &mut self,
        project: &str,
        repo: &str,
        tag: Option<&str>,
        content: &str,
    ) -> ApiResult<(i64, String)> {
        let manifest = self.image_manifest(
            project,
            repo,
            content,
            Platform::default(),
            ManifestFamily::Docker,
            None,
        );
        let digest = manifest.digest.clone();
        let id = self.store_manifest(project, repo, tag, manifest)?;
        Ok((id, digest))
    }

    /// The manifest of an image built for `platform` from `content` in `project/repo`, of
    /// `1024 * (content.len() + 3)` bytes, in `family` (Docker's for an image alone, OCI for an
    /// index's child), with real content (`image_content.rs`). [`SimState::store_manifest`]
    /// checks the names when it stores it.
    pub(crate) fn image_manifest(
        &self,
        project: &str,
        repo: &str,
        content: &str,
        platform: Platform,
        family: ManifestFamily,
        icon: Option<IconLayer>,
    ) -> Manifest {
        let full = format!("{project}/{repo}");
        let icon_size = icon.as_ref().map_or(0, |i| i.bytes.len() as i64);
        let size = 1024 * (content.len() as i64 + 3) + icon_size;
        let recipe = ImageRecipe {
            repository: full.clone(),
            // The nonce: two pushes of the same content are two builds, two digests.
            text: format!("{content} {}", crate::random_id::random_uuid()),
            platform: platform.clone(),
            family,
            size,
            icon,
            created: crate::go_time::rfc3339_nano(
                &humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string(),
            ),
        };
        if let Some((digest, blobs)) = recipe.blobs() {
            return Manifest {
                digest,
                size,
                blobs: blobs.into(),
                platform,
                index: None,
                icon: None,
                pushed: None,
                made: Some(Arc::new(recipe)),
            };
        }
        // Too small to hold real content (an image is at least 3 KiB, so never): the blobs
        // are named, not stored.
        let digest = fake_digest(&format!("{full}:{content}"));
        let blobs = self.blobs.image(&full, &digest, size, &platform, family);
        Manifest {
            digest,
            size,
            blobs,
            platform,
            index: None,
            icon: None,
            pushed: None,
            made: None,
        }
    }

    /// Stores a pushed `manifest` in `project/repo` (the repository made if new), with its
    /// blobs, `tag` moved onto it, its project's quota usage and the push's webhook; returns
    /// the new artifact's id.
    pub(crate) fn store_manifest(
        &mut self,
        project: &str,
        repo: &str,
        tag: Option<&str>,
        manifest: Manifest,
    ) -> ApiResult<i64> {
        let project_id = self.project_id(project, true)?;
        check_repository_name(repo)?;
        let full = format!("{project}/{repo}");
        let now = now();
        let repository_id = match self.repositories.id_by_name(&full) {
            Some(id) => id,
            None => {
                let id = self.ids.next("repository");
                self.repositories.insert(Repository {
                    id,
                    project_id,
                    name: full.clone(),
                    description: String::new(),
                    artifact_count: 0,
                    pull_count: 0,
                    creation_time: now.clone(),
                    update_time: now.clone(),
                });
                id
            }
        };
        self.blobs.store(&manifest.blobs);
        if let Some(recipe) = &manifest.made {
            self.registry.put_made(recipe, &manifest.blobs);
        }
        // The `blob` middleware's association of a manifest's blobs with the project, which
        // the artifact's deletion ends (`CleanupAssociationsForProject`).
        for blob in manifest.blobs.iter() {
            self.registry.adopt(project_id, &blob.digest);
        }
        let children: Vec<i64> = manifest
            .index
            .iter()
            .flat_map(|i| i.references.iter().map(|r| r.child_id))
            .collect();
        let artifact_id = self.ids.next("artifact");
        let digest = manifest.digest;
        self.artifacts.insert(Artifact {
            id: artifact_id,
            project_id,
            repository_id,
            digest: digest.clone(),
            size: manifest.size,
            push_time: now.clone(),
            pull_time: NEVER.to_owned(),
            tags: Vec::new(),
            label_ids: Vec::new(),
            scanned: false,
            scanned_at: String::new(),
            platform: manifest.platform,
            index: manifest.index,
            parents: Vec::new(),
            icon: manifest.icon,
            blobs: manifest.blobs,
            pushed: manifest.pushed,
        });
        for child in children {
            if let Some(mut c) = self.artifacts.get_mut(&child) {
                c.parents.push(artifact_id);
            }
        }
        if let Some(tag) = tag {
            // A tag lives on one artifact of a repository; pushing moves it.
            self.artifacts
                .for_each_in_repository_mut(repository_id, |a| a.tags.retain(|t| t.name != tag));
            self.add_tag(artifact_id, tag)?;
        }
        self.refresh_quota_usage(project_id);
        Ok(artifact_id)
    }

    /// Copies the artifact `source` into `project/repository` as the artifact controller's
    /// `copyDeeply` does, returning the copy's id; the registry's content and the artifact's
    /// accessories come along. When that repository holds the digest
    /// already, nothing is copied: the root (`is_root`) has its tags ensured there, a child
    /// is left as it is. Otherwise an index's children are copied first (each by this, so a
    /// new child brings its own tags), then the artifact with its digest, size and platform,
    /// an index listing the copied children, and its tags. Each new copy, and the root
    /// always, is a push by `operator` (`Ensure` fires the push event).
    pub(crate) fn copy_deeply(
        &mut self,
        source: i64,
        project: &str,
        repository: &str,
        is_root: bool,
        operator: &str,
    ) -> ApiResult<i64> {
        let src = self
            .artifacts
            .get(&source)
            .cloned()
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        let tags: Vec<String> = src.tags.iter().map(|t| t.name.clone()).collect();
        let destination_repository = self.repository_id(project, repository).ok();
        if let Some(r) = destination_repository.filter(|_| is_root) {
            self.check_tags_movable(r, &src.digest, &tags)?;
        }
        let existing =
            destination_repository.and_then(|r| self.artifacts.id_by_digest(r, &src.digest));
        if let Some(id) = existing {
            if is_root {
                // `Ensure` fires the push event for an artifact it did not create too.
                self.ensure_tags(id, &tags)?;
                let tag = tags.first().map(String::as_str);
                self.record_push(operator, id, tag);
            }
            return Ok(id);
        }
        let index = match &src.index {
            None => None,
            Some(index) => {
                let mut references = Vec::with_capacity(index.references.len());
                for r in &index.references {
                    let child =
                        self.copy_deeply(r.child_id, project, repository, false, operator)?;
                    references.push(Reference {
                        child_id: child,
                        ..r.clone()
                    });
                }
                Some(ImageIndex {
                    references,
                    manifest_size: index.manifest_size,
                })
            }
        };
        // A copy keeps the digest, size and blobs: the content is the same.
        let manifest = Manifest {
            digest: src.digest.clone(),
            size: src.size,
            blobs: Arc::clone(&src.blobs),
            platform: src.platform.clone(),
            index,
            icon: src.icon.clone(),
            pushed: src.pushed.clone(),
            // The source's content, which the links below serve.
            made: None,
        };
        let id = self.store_manifest(project, repository, None, manifest)?;
        self.ensure_tags(id, &tags)?;
        self.record_push(operator, id, tags.first().map(String::as_str));
        // The registry copies the content (`regCli.Copy`): the destination serves what the
        // source held.
        let destination = format!("{project}/{repository}");
        for blob in src.blobs.iter() {
            self.registry.link(&destination, &blob.digest);
        }
        // Its accessories come along, each an accessory of the copy (`copyDeeply` with the
        // accessories' `Ensure`).
        let accessories: Vec<(i64, &'static str)> = self
            .accessories_of(source)
            .iter()
            .map(|a| (a.artifact_id, a.kind))
            .collect();
        for (accessory, kind) in accessories {
            let copy = self.copy_deeply(accessory, project, repository, false, operator)?;
            self.record_accessory(copy, &destination, &src.digest, kind);
        }
        Ok(id)
    }

    /// Puts each of `tags` on the artifact `id`, moving it from another artifact of the
    /// repository that has it (a tag lives on one artifact of a repository), as the tag
    /// controller's `Ensure` does: an immutable tag is not moved (see
    /// [`Self::check_tags_movable`]), and then none is.
    pub(crate) fn ensure_tags(&mut self, id: i64, tags: &[String]) -> ApiResult<()> {
        let repository_id = self
            .artifacts
            .get(&id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?
            .repository_id;
        let digest = self.artifacts[&id].digest.clone();
        self.check_tags_movable(repository_id, &digest, tags)?;
        for tag in tags {
            if self.artifacts[&id].tags.iter().any(|t| &t.name == tag) {
                continue;
            }
            self.artifacts
                .for_each_in_repository_mut(repository_id, |a| a.tags.retain(|t| &t.name != tag));
            self.add_tag(id, tag)?;
        }
        Ok(())
    }

    /// 412 `the tag <tag> configured as immutable, cannot be updated` when one of `tags` is
    /// on another artifact of the repository than the one of `digest` and immutable there
    /// (`Ensure` in `src/controller/tag/controller.go`). Checked before anything changes:
    /// Harbor's request transaction rolls back what the request did before the refusal.
    pub(crate) fn check_tags_movable(
        &self,
        repository_id: i64,
        digest: &str,
        tags: &[String],
    ) -> ApiResult<()> {
        let repo = self.repository_name(repository_id);
        for a in self.artifacts.in_repository(repository_id) {
            if a.digest == digest {
                continue;
            }
            if let Some(tag) = a.tags.iter().find(|t| {
                tags.contains(&t.name) && self.tag_is_immutable(a.project_id, repo, &t.name)
            }) {
                return Err(ApiError::precondition(format!(
                    "the tag {} configured as immutable, cannot be updated",
                    tag.name
                )));
            }
        }
        Ok(())
    }

    /// Finds an artifact of a repository by digest or tag.
    pub fn artifact_id(&self, repository_id: i64, reference: &str) -> ApiResult<i64> {
        if reference.starts_with("sha256:") {
            self.artifacts.id_by_digest(repository_id, reference)
        } else {
            self.artifacts.id_by_tag(repository_id, reference)
        }
        .ok_or_else(|| ApiError::not_found(format!("artifact {reference} not found")))
    }

    /// An artifact as Harbor's `Artifact`, read with the list's and get's defaults (tags,
    /// no labels, no immutable status); see [`SimState::artifact_view_with`].
    pub fn artifact_view(&self, id: i64, with_label: bool, with_scan: bool) -> Option<Value> {
        self.artifact_view_with(
            id,
            &ArtifactOptions {
                with_tag: true,
                with_label,
                with_scan,
                with_immutable_status: false,
                with_accessory: false,
            },
        )
    }

    /// An artifact's tags as the tag controller lists them (`populateTags`, the tag model's
    /// `GetDefaultSorts`: push time, then id, descending; tags are appended as they are
    /// made, so newest first is the reverse), with their immutable status only when asked
    /// (`assembleTag`: otherwise `false`).
    pub fn artifact_tags(&self, id: i64, with_immutable_status: bool) -> Vec<Tag> {
        let Some(a) = self.artifacts.get(&id) else {
            return Vec::new();
        };
        let repo = self.repository_name(a.repository_id);
        a.tags
            .iter()
            .rev()
            .map(|t| {
                let mut t = t.clone();
                t.immutable =
                    with_immutable_status && self.tag_is_immutable(a.project_id, repo, &t.name);
                t
            })
            .collect()
    }

    /// An artifact as Harbor's `Artifact` (`src/server/v2.0/handler/model/artifact.go`
    /// `ToSwagger`): the arrays it fills by appending stay nil, `null` in the answer, when
    /// there is nothing to append: `tags` when not asked or untagged, `labels` when not
    /// asked or none, `references` of an artifact that is no image index (an index's are
    /// always answered, see [`super::image_index`]) and `accessories` (none here) always;
    /// go-swagger tags no plain array `omitempty`.
    pub fn artifact_view_with(&self, id: i64, options: &ArtifactOptions) -> Option<Value> {
        let a = self.artifacts.get(&id)?;
        let repo = self.repositories.get(&a.repository_id)?;
        let tags = if options.with_tag {
            self.artifact_tags(id, options.with_immutable_status)
        } else {
            Vec::new()
        };
        let nil_if_empty = |v: Value| match &v {
            Value::Array(items) if items.is_empty() => Value::Null,
            _ => v,
        };
        let mut doc = json!({
            "id": a.id,
            "type": "IMAGE",
            "media_type": "application/vnd.docker.container.image.v1+json",
            "manifest_media_type": a.manifest_media_type(),
            "artifact_type": "application/vnd.docker.container.image.v1+json",
            "project_id": a.project_id,
            "repository_id": a.repository_id,
            "repository_name": repo.name,
            "digest": a.digest,
            "size": a.size,
            "icon": a.icon.as_deref().unwrap_or(super::icons::IMAGE_ICON),
            "push_time": a.push_time,
            "pull_time": a.pull_time,
            "extra_attrs": super::registry_push::image_attributes(
                &self.made_config(a).unwrap_or_else(
                    || json!({"architecture": a.platform.architecture, "os": a.platform.os}),
                ),
            ),
            "annotations": {},
            "references": null,
            "tags": nil_if_empty(json!(tags)),
            "addition_links": self.addition_links(a, &repo.name),
            "labels": null,
            "accessories": null,
        });
        if let Some(index) = &a.index {
            // The index processor records no extra attributes (omitted when empty); its
            // media type is the index manifest's, and it has no config whose type
            // `artifact_type` would be (omitted when empty).
            let doc = doc.as_object_mut().expect("an artifact is an object");
            doc.insert("media_type".into(), json!(OCI_INDEX));
            doc.insert("references".into(), index.references_view(a.id));
            for key in ["artifact_type", "extra_attrs"] {
                doc.remove(key);
            }
            if doc["addition_links"].as_object().is_some_and(Map::is_empty) {
                doc.remove("addition_links");
            }
        }
        if let Some(pushed) = &a.pushed {
            let doc = doc.as_object_mut().expect("an artifact is an object");
            doc.insert("type".into(), json!(pushed.kind));
            if a.icon.is_none() {
                doc.insert("icon".into(), json!(type_icon(&pushed.kind)));
            }
            doc.insert("media_type".into(), json!(pushed.media_type));
            if pushed.artifact_type.is_empty() {
                doc.remove("artifact_type");
            } else {
                doc.insert("artifact_type".into(), json!(pushed.artifact_type));
            }
            doc.insert("annotations".into(), json!(pushed.annotations));
            match &pushed.extra_attrs {
                Some(extra) => doc.insert("extra_attrs".into(), json!(extra)),
                None => doc.remove("extra_attrs"),
            };
        }
        if options.with_accessory {
            let accessories: Vec<Value> = self
                .accessories_of(id)
                .iter()
                .map(|acc| acc.view())
                .collect();
            doc["accessories"] = nil_if_empty(json!(accessories));
        }
        if options.with_label {
            let labels: Vec<&super::Label> = a
                .label_ids
                .iter()
                .filter_map(|l| self.labels.get(l))
                .collect();
            doc["labels"] = nil_if_empty(json!(labels));
        }
        if options.with_scan {
            let mut overview = self.scan_overview(a.id);
            // `Artifact.ToSwagger` passes each summary through `models.NativeReportSummary`:
            // its `omitempty` leaves out an unset severity, a 0 duration or percentage and a
            // nil summary or scanner, and its `strfmt.DateTime` writes milliseconds (Go's zero
            // time too).
            if let Some(summaries) = overview.as_object_mut() {
                for summary in summaries.values_mut() {
                    crate::omitempty::omit_empty(
                        summary,
                        &[
                            "report_id",
                            "scan_status",
                            "severity",
                            "duration",
                            "summary",
                            "complete_percent",
                            "scanner",
                        ],
                    );
                    for time in ["start_time", "end_time"] {
                        if summary[time] == "0001-01-01T00:00:00Z" {
                            summary[time] = json!(crate::state::projects::GO_ZERO_TIME);
                        }
                    }
                }
            }
            doc["scan_overview"] = overview;
        }
        Some(doc)
    }

    /// An artifact's `addition_links`: the addition types of its processor
    /// (`populateAdditionLinks`: an image's or a WASM module's build history, a chart's values,
    /// readme and dependencies, a model's readme, license and files; an index's processor
    /// has none); and, when the project's scanner can scan it (an image; an index through a
    /// child: `checker.IsScannable`, [`SimState::scanning_targets`]), its `vulnerabilities`
    /// and its `sboms`, which the scan report
    /// assembler links with an empty digest until an SBOM overview is asked for
    /// ([`SimState::add_sbom_overview`]). Links are relative, under `/api/v2.0`.
    fn addition_links(&self, a: &Artifact, repository: &str) -> Value {
        let mut links = serde_json::Map::new();
        let mut link = |name: &str, digest: &str, addition: &str| {
            let href = addition_href(repository, digest, addition);
            links.insert(name.into(), json!({"absolute": false, "href": href}));
        };
        // The processor's `ListAdditionTypes`, in lower case.
        let additions: &[&str] = match a.processor() {
            Processor::Image if a.index.is_none() => &["build_history"],
            Processor::Wasm => &["build_history"],
            Processor::Chart => &["values.yaml", "readme.md", "dependencies"],
            Processor::Cnai => &["readme.md", "license", "files"],
            _ => &[],
        };
        for addition in additions {
            link(addition, &a.digest, addition);
        }
        let scannable = !self.scanning_targets(a.id).is_empty();
        if scannable && self.project_scanner(a.project_id).is_some() {
            link("vulnerabilities", &a.digest, "vulnerabilities");
            link("sboms", "", "sbom");
        }
        Value::Object(links)
    }

    /// Adds the artifact's `sbom_overview` to its answer `doc` when it has one, and points
    /// the `sboms` link at its SBOM's digest (the scan report assembler's `WithSBOM`).
    pub fn add_sbom_overview(&self, doc: &mut Value, id: i64) {
        let Some(sbom) = self.sbom_overview(id) else {
            return;
        };
        if let (Some(digest), Some(a)) = (sbom["sbom_digest"].as_str(), self.artifacts.get(&id))
            && doc["addition_links"].get("sboms").is_some()
        {
            let repository = self.repository_name(a.repository_id);
            doc["addition_links"]["sboms"]["href"] =
                json!(addition_href(repository, digest, "sbom"));
        }
        doc["sbom_overview"] = sbom;
    }

    /// Tags an artifact as Harbor's tag controller does (`Create` in
    /// `src/controller/tag/controller.go`): a name of the OCI pattern, else 400; 409 when the
    /// repository already has the tag (`dao.Create` in `src/pkg/tag/dao/dao.go`).
    pub fn add_tag(&mut self, artifact_id: i64, name: &str) -> ApiResult<()> {
        if !is_tag_name(name) {
            return Err(ApiError::bad_request(format!(
                "bad request: invalid tag name: {name}"
            )));
        }
        let repository_id = self
            .artifacts
            .get(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?
            .repository_id;
        if self
            .artifacts
            .in_repository(repository_id)
            .any(|a| a.tags.iter().any(|t| t.name == name))
        {
            return Err(ApiError::conflict(format!(
                "tag {name} already exists under the repository {repository_id}"
            )));
        }
        let id = self.ids.next("tag");
        let now = now();
        let mut artifact = self
            .artifacts
            .get_mut(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        artifact.tags.push(Tag {
            id,
            repository_id,
            artifact_id,
            name: name.to_owned(),
            push_time: now,
            pull_time: NEVER.to_owned(),
            immutable: false,
        });
        Ok(())
    }

    /// [`SimState::delete_artifact_deeply_as`] by the administrator.
    pub fn delete_artifact_deeply(&mut self, id: i64) -> ApiResult<()> {
        let admin = self.admin_name();
        self.delete_artifact_deeply_as(id, &admin)
    }

    /// Deletes an artifact by `operator` as the artifact controller's `deleteDeeply` does,
    /// for the artifact API and the registry's manifest delete alike: an artifact an image
    /// index lists is refused (412 `VIOLATE_FOREIGN_KEY_CONSTRAINT`), before its tags are
    /// looked at; an immutable tag is refused; its accessories go first (see
    /// [`super::accessories`]); an index takes its untagged children along.
    pub fn delete_artifact_deeply_as(&mut self, id: i64, operator: &str) -> ApiResult<()> {
        let artifact = self
            .artifacts
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("artifact {id} not found")))?;
        if !artifact.parents.is_empty() {
            return Err(ApiError::new(
                axum::http::StatusCode::PRECONDITION_FAILED,
                "VIOLATE_FOREIGN_KEY_CONSTRAINT",
                "the deleting artifact is referenced by others",
            ));
        }
        let repo = self.repository_name(artifact.repository_id);
        if let Some(t) = artifact
            .tags
            .iter()
            .find(|t| self.tag_is_immutable(artifact.project_id, repo, &t.name))
        {
            // The artifact's tags are deleted through the tag controller, which refuses an
            // immutable one (`DeleteTags`, `tag.Controller.Delete`).
            return Err(ApiError::precondition(format!(
                "the tag {} configured as immutable, cannot be deleted",
                t.name
            )));
        }
        // Its own accessory row goes; then its accessories, each deleted as the root of its
        // own deletion unless an index lists it (then it stays).
        self.drop_accessory_rows(id);
        let accessories: Vec<i64> = self
            .accessories_of(id)
            .iter()
            .map(|a| a.artifact_id)
            .filter(|a| self.artifacts.get(a).is_some_and(|a| a.parents.is_empty()))
            .collect();
        for accessory in accessories {
            self.delete_artifact_deeply_as(accessory, operator)?;
        }
        self.delete_artifact_as(id, operator)
    }

    /// [`SimState::delete_artifact_as`] by the administrator.
    pub fn delete_artifact(&mut self, artifact_id: i64) -> ApiResult<()> {
        let admin = self.admin_name();
        self.delete_artifact_as(artifact_id, &admin)
    }

    /// Deletes an artifact by `operator` (the repository stays, empty, as in Harbor), with
    /// the children of an index that go along (its untagged children no other index lists,
    /// see [`super::image_index`]), and fires its delete event (`DeleteArtifactEvent`, with
    /// its tags): the webhooks of `DELETE_ARTIFACT` and the event-based replications. The
    /// caller has refused an artifact an index lists.
    pub fn delete_artifact_as(&mut self, artifact_id: i64, operator: &str) -> ApiResult<()> {
        let a = self
            .artifacts
            .remove(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        self.delete_children_of(&a);
        self.refresh_quota_usage(a.project_id);
        let repo = self.repository_name(a.repository_id).to_owned();
        let tags: Vec<String> = a.tags.iter().map(|t| t.name.clone()).collect();
        let deleted = HookedArtifact {
            project_id: a.project_id,
            repository: &repo,
            digest: &a.digest,
            tags: &tags,
        };
        self.send_artifact_hook(ArtifactHook::Delete, operator, deleted);
        if let Some(event) = self.artifact_event(ArtifactEventKind::ArtifactDeletion, &a, tags) {
            self.replicate_event(&event);
        }
        Ok(())
    }

    /// What a garbage collection removes: with `delete_untagged`, every artifact without a
    /// tag that the artifact list shows (nothing on a dry run): an index's untagged
    /// children are not listed (`tags=nil` under the default `base` filter), and go only
    /// with their index. Returns the GC log's line for each listed, removed or not.
    pub fn collect_garbage(&mut self, delete_untagged: bool, dry_run: bool) -> Vec<String> {
        if !delete_untagged {
            return Vec::new();
        }
        let untagged: Vec<(i64, i64, String)> = self
            .artifacts
            .values()
            .filter(|a| a.tags.is_empty() && a.parents.is_empty())
            .map(|a| {
                let repo = self.repository_name(a.repository_id);
                // `deletedArt` (`garbage_collection.go`).
                let line = format!(
                    "delete the untagged artifact: ProjectID:({})-RepositoryName({repo})-MediaType:({})-Digest:({})",
                    a.project_id, a.manifest_media_type(), a.digest
                );
                (a.id, a.project_id, line)
            })
            .collect();
        if !dry_run {
            for (id, project, _) in &untagged {
                if let Some(gone) = self.artifacts.remove(id) {
                    self.delete_children_of(&gone);
                }
                self.refresh_quota_usage(*project);
            }
        }
        untagged.into_iter().map(|(_, _, line)| line).collect()
    }

    /// GC's mark and sweep (after its deletion of untagged artifacts): the blobs no artifact
    /// references that were pushed at least `window` ago, removed unless `dry_run`; with the
    /// digests of those blobs.
    pub fn sweep_blobs(&mut self, window: GcTimeWindow, dry_run: bool) -> (Freed, Vec<String>) {
        let referenced = self.artifacts.referenced_blobs();
        let (freed, eligible) =
            self.blobs
                .sweep(|digest| referenced.contains(digest), window, dry_run);
        // What GC removes from the table it removes from the registry's storage.
        if !dry_run {
            for digest in &eligible {
                self.registry.remove(digest);
            }
        }
        (freed, eligible)
    }

    /// Marks an artifact scanned now, so its reports exist.
    pub fn mark_scanned(&mut self, artifact_id: i64) -> ApiResult<()> {
        let mut a = self
            .artifacts
            .get_mut(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        a.scanned = true;
        a.scanned_at = now();
        Ok(())
    }

    /// [`SimState::delete_repository_as`] by the administrator.
    pub fn delete_repository(&mut self, id: i64) -> ApiResult<()> {
        let admin = self.admin_name();
        self.delete_repository_as(id, &admin)
    }

    /// Deletes a repository by `operator` as Harbor's repository controller does (`Delete`):
    /// each artifact through [`Self::delete_artifact_deeply_as`], by ascending id, one an
    /// index lists put back for the next round, the repository row last. A refusal, such
    /// as an immutable tag's 412, changes nothing, the events of what it had deleted
    /// included: Harbor runs each API request in one database transaction that a failed
    /// answer rolls back (`transaction.Middleware`, each artifact's own transaction a
    /// savepoint in it) and publishes the request's events only once it succeeds. An
    /// untagged child its index took along is met again in a later round and answers 404
    /// (`artifact <id> not found`), so such a repository cannot be deleted whole: Harbor
    /// does so too (goharbor/harbor#23127).
    pub fn delete_repository_as(&mut self, id: i64, operator: &str) -> ApiResult<()> {
        let before = self.clone();
        let deleted = self.delete_repository_in_rounds(id, operator);
        if deleted.is_err() {
            *self = before;
        }
        deleted
    }

    fn delete_repository_in_rounds(&mut self, id: i64, operator: &str) -> ApiResult<()> {
        let project_id = self
            .repositories
            .get(&id)
            .ok_or_else(|| ApiError::not_found("repository not found"))?
            .project_id;
        let mut candidates = self.artifacts.ids_in_repository(id).to_vec();
        while !candidates.is_empty() {
            let round = std::mem::take(&mut candidates);
            for artifact in &round {
                if self
                    .artifacts
                    .get(artifact)
                    .is_some_and(|a| !a.parents.is_empty())
                {
                    candidates.push(*artifact);
                    continue;
                }
                self.delete_artifact_deeply_as(*artifact, operator)?;
            }
            // Only an index outside the repository could keep a round from deleting anything
            // (Harbor would loop for ever); the simulator says why instead.
            if candidates.len() == round.len() {
                return Err(ApiError::new(
                    axum::http::StatusCode::PRECONDITION_FAILED,
                    "VIOLATE_FOREIGN_KEY_CONSTRAINT",
                    "the deleting artifact is referenced by others",
                ));
            }
        }
        self.repositories.remove(&id);
        self.refresh_quota_usage(project_id);
        Ok(())
    }
}

/// The name prefix of the robots scan jobs make (`robot_scanner_name_prefix`, a system
/// setting no API changes: `scanner`).
const SCANNER_ROBOT_PREFIX: &str = "scanner";

/// The link of an addition (`SetAdditionLink`): the repository's project, the rest of its
/// name with each `/` as `%252F`, the digest.
fn addition_href(repository: &str, digest: &str, addition: &str) -> String {
    let (project, rest) = repository.split_once('/').unwrap_or((repository, ""));
    let rest = rest.replace('/', "%252F");
    format!(
        "/api/v2.0/projects/{project}/repositories/{rest}/artifacts/{digest}/additions/{addition}"
    )
}

/// Whether `name` matches Harbor's tag pattern `^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$` (the
/// OCI distribution spec's).
pub fn is_tag_name(name: &str) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    match name.as_bytes() {
        [first, rest @ ..] => {
            word(first) && rest.len() <= 127 && rest.iter().all(|b| word(b) || b".-".contains(b))
        }
        [] => false,
    }
}
