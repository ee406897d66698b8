//! What a pull replication's task does when it runs: the remote tags its resource lists
//! copied into this Harbor, as the replication job's transfer copies them
//! (`src/controller/replication/transfer/image/transfer.go`, `copy` and `copyArtifact`).
//!
//! Each tag is copied in turn. Its image comes from [`super::remote_catalog`], made on its
//! first copy. A tag this Harbor already has on the same digest is skipped. One on
//! another digest is skipped unless the policy overrides. Otherwise the image is pushed:
//! blobs and manifest, the tag moved, the push recorded in the audit log as the job
//! service's (`harbor-jobservice`, the user of the secret the job pushes with). A tag that
//! fails (gone from the remote, over the project's quota, immutable here) is logged, the
//! others still copied, and the job fails: `got error during the whole transfer period,
//! mark the job failure`.
//!
//! The simulator's liberties: the remote's image is one the simulator makes, so its
//! digest is not that of any real image; it is made for the repository it first lands in;
//! the log writes Harbor's warnings at the `INFO` level the simulator's job log uses.
//! A push replication copies nothing anywhere: what a remote registry stores is not
//! simulated beyond [`super::remote_catalog`], which a push does not change.

use super::blobs::ManifestFamily;
use super::image_index::Platform;
use super::repositories::Manifest;
use super::{JOB_SERVICE_USER, SimState};
use crate::errors::ApiResult;

/// Harbor's error for a transfer with a tag that failed.
const TRANSFER_FAILED: &str = "got error during the whole transfer period, mark the job failure";

/// The copy one pull replication task makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PullCopy {
    /// The source registry's URL.
    pub(crate) source: String,
    /// The repository there.
    pub(crate) source_repository: String,
    /// The repository here (`project/name`).
    pub(crate) destination_repository: String,
    /// The tags to copy.
    pub(crate) tags: Vec<String>,
    /// The policy's `override`.
    pub(crate) override_existing: bool,
}

impl SimState {
    /// Carries out `copy`: its log, and the job's error if a tag failed.
    pub(crate) fn pull_copy(&mut self, copy: &PullCopy) -> (String, Result<(), String>) {
        let (src, dst) = (&copy.source_repository, &copy.destination_repository);
        let all = copy.tags.join(",");
        let mut log = vec![format!(
            "copying {src}:[{all}](source registry) to {dst}:[{all}](destination registry)..."
        )];
        let mut failed = false;
        for tag in &copy.tags {
            log.push(format!(
                "copying {src}:{tag}(source registry) to {dst}:{tag}(destination registry)..."
            ));
            match self.copy_tag(copy, tag, &mut log) {
                Ok(true) => log.push(format!(
                    "copy {src}:{tag}(source registry) to {dst}:{tag}(destination registry) completed"
                )),
                Ok(false) => {}
                Err(message) => {
                    log.push(message);
                    failed = true;
                }
            }
        }
        if failed {
            log.push(TRANSFER_FAILED.to_owned());
            return (log.join("\n"), Err(TRANSFER_FAILED.to_owned()));
        }
        log.push(format!(
            "copy {src}:[{all}](source registry) to {dst}:[{all}](destination registry) completed"
        ));
        (log.join("\n"), Ok(()))
    }

    /// Copies one tag, writing what the transfer logs of its checks to `log`: whether it
    /// was pushed (`false`: skipped).
    fn copy_tag(
        &mut self,
        copy: &PullCopy,
        tag: &str,
        log: &mut Vec<String>,
    ) -> Result<bool, String> {
        let dst = &copy.destination_repository;
        let (project, repository) = dst.split_once('/').unwrap_or((dst, ""));
        let image = match self
            .remote_catalog
            .image(&copy.source, &copy.source_repository, tag)
        {
            None => {
                return Err(format!(
                    "failed to pull the manifest of {}:{tag}: manifest unknown",
                    copy.source_repository
                ));
            }
            Some(Some(image)) => image.clone(),
            Some(None) => {
                let made = self.image_manifest(
                    project,
                    repository,
                    &format!("{}:{tag}", copy.source_repository),
                    Platform::default(),
                    ManifestFamily::Docker,
                    None,
                );
                let host = super::reachability::host_of(&copy.source);
                self.remote_catalog
                    .put_image(&host, &copy.source_repository, tag, made.clone());
                made
            }
        };
        let repository_id = self.repository_id(project, repository).ok();
        let existing = repository_id
            .and_then(|r| self.artifacts.id_by_tag(r, tag))
            .map(|id| self.artifacts[&id].digest.clone());
        match existing {
            Some(digest) if digest == image.digest => {
                log.push(format!(
                    "the artifact {dst}:{tag} already exists on the destination registry, skip"
                ));
                return Ok(false);
            }
            Some(_) if !copy.override_existing => {
                log.push(format!(
                    "the same name artifact {dst}:{tag} exists on the destination registry, but the \"override\" is set to false, skip"
                ));
                return Ok(false);
            }
            Some(_) => log.push(format!(
                "the same name artifact {dst}:{tag} exists on the destination registry and the \"override\" is set to true, continue..."
            )),
            None => {}
        }
        self.push_copied(project, repository, repository_id, tag, image)
            .map_err(|e| e.message)?;
        Ok(true)
    }

    /// The push of a copied image into `project/repository` (`repository_id` when it
    /// exists) under `tag`: the tag must be movable, the project's quota must hold a new
    /// artifact, and an artifact of that digest already there only gets the tag.
    fn push_copied(
        &mut self,
        project: &str,
        repository: &str,
        repository_id: Option<i64>,
        tag: &str,
        image: Manifest,
    ) -> ApiResult<()> {
        let tags = [tag.to_owned()];
        if let Some(r) = repository_id {
            self.check_tags_movable(r, &image.digest, &tags)?;
        }
        let id = match repository_id.and_then(|r| self.artifacts.id_by_digest(r, &image.digest)) {
            Some(id) => {
                self.ensure_tags(id, &tags)?;
                id
            }
            None => {
                let project_id = self.project_id(project, true)?;
                self.check_storage(project_id, image.size)?;
                self.store_manifest(project, repository, Some(tag), image)?
            }
        };
        self.record_push(JOB_SERVICE_USER, id, Some(tag));
        Ok(())
    }
}
