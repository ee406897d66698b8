//! Accessories: artifacts that are about another artifact (signatures, SBOMs, any manifest
//! pushed with a `subject`), Harbor's `artifact_accessory` table (`src/pkg/accessory/`).
//!
//! As Harbor keeps them:
//! - a manifest pushed through the registry tagged `sha256-<hex>.sig` with a cosign signature
//!   layer becomes a `signature.cosign` of `sha256:<hex>` (`src/server/middleware/cosign/`);
//! - a manifest pushed through the registry with a `subject` becomes an accessory of the
//!   artifact with that digest in the same repository (`src/server/middleware/subject/`),
//!   whether or not that artifact is there yet; its type comes from the manifest's
//!   `artifactType`, else its config's media type: a cosign or notation signature, Harbor's
//!   SBOM, a Nydus accelerator (an image config with a Nydus bootstrap layer), else
//!   `subject.accessory`. Pushing the same accessory again adds no row;
//! - when the subject artifact is pushed later, its accessories are linked to it;
//! - artifact lists leave accessories out (`setAccessoryQuery`); an artifact read with
//!   `with_accessory` and `GET .../accessories` list an artifact's; the referrers API lists a
//!   digest's;
//! - deleting an artifact deletes its accessories first (each with its own, `deleteDeeply`),
//!   and deleting an accessory drops its row;
//! - copying an artifact copies its accessories, each an accessory of the copy (`copyDeeply`).

use serde_json::{Value, json};

use super::{SimState, now};

/// One row of `artifact_accessory`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessory {
    /// Its id.
    pub id: i64,
    /// The accessory's own artifact.
    pub artifact_id: i64,
    /// The repository of its subject (the accessory's own).
    pub subject_repository: String,
    /// The subject artifact, 0 while it has not been pushed.
    pub subject_artifact_id: i64,
    /// The subject's digest.
    pub subject_digest: String,
    /// The accessory artifact's size.
    pub size: i64,
    /// The accessory artifact's digest.
    pub digest: String,
    /// `signature.cosign`, `signature.notation`, `sbom.harbor`, `accelerator.nydus` or
    /// `subject.accessory`.
    pub kind: &'static str,
    /// RFC 3339.
    pub creation_time: String,
}

/// The accessory type of a manifest with a `subject` (`subject.Middleware`): from
/// `artifact_type` (its `artifactType`, else its config's media type); `nydus` when an image
/// config's manifest has a layer annotated as a Nydus bootstrap.
pub fn accessory_kind(artifact_type: &str, nydus: bool) -> &'static str {
    match artifact_type {
        "application/vnd.oci.image.config.v1+json"
        | "application/vnd.docker.container.image.v1+json"
            if nydus =>
        {
            "accelerator.nydus"
        }
        "application/vnd.cncf.notary.signature" => "signature.notation",
        "application/vnd.dev.cosign.artifact.sig.v1+json"
        | "application/vnd.dev.sigstore.bundle.v0.3+json" => "signature.cosign",
        "application/vnd.goharbor.harbor.sbom.v1" => "sbom.harbor",
        _ => "subject.accessory",
    }
}

/// The icon Harbor gives an accessory of `kind` (`accessory.Manager.GetIcon`), empty for most.
fn accessory_icon(kind: &str) -> &'static str {
    match kind {
        "signature.cosign" => {
            "sha256:20401d5b3a0f6dbc607c8d732eb08471af4ae6b19811a4efce8c6a724aed2882"
        }
        "signature.notation" => {
            "sha256:3ac706e102bbe9362b400aa162df58135d35e66b9c3bee2165de92022d25fe34"
        }
        "accelerator.nydus" => {
            "sha256:dfcb6617cd9c144358dc1b305b87bbe34f0b619f1e329116e6aee2e41f2e34cf"
        }
        "sbom.harbor" => "sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae",
        _ => "",
    }
}

impl Accessory {
    /// The row as Harbor's `Accessory` model answers it.
    pub fn view(&self) -> Value {
        json!({
            "id": self.id,
            "artifact_id": self.artifact_id,
            "subject_artifact_id": self.subject_artifact_id,
            "subject_artifact_repo": self.subject_repository,
            "subject_artifact_digest": self.subject_digest,
            "size": self.size,
            "digest": self.digest,
            "type": self.kind,
            "icon": accessory_icon(self.kind),
            "creation_time": self.creation_time,
        })
    }
}

impl SimState {
    /// Records the artifact `artifact_id` of `repository` as an accessory of the digest
    /// `subject` there (no second row for the same pair), linked to the subject's artifact if
    /// it is there.
    pub(crate) fn record_accessory(
        &mut self,
        artifact_id: i64,
        repository: &str,
        subject: &str,
        kind: &'static str,
    ) {
        let known = self
            .accessories
            .values()
            .any(|a| a.artifact_id == artifact_id && a.subject_digest == subject);
        let Some(artifact) = self.artifacts.get(&artifact_id) else {
            return;
        };
        if known {
            return;
        }
        let (size, digest) = (artifact.size, artifact.digest.clone());
        let subject_artifact_id = self
            .repositories
            .id_by_name(repository)
            .and_then(|r| self.artifacts.id_by_digest(r, subject))
            .unwrap_or(0);
        let id = self.ids.next("accessory");
        self.accessories.insert(
            id,
            Accessory {
                id,
                artifact_id,
                subject_repository: repository.to_owned(),
                subject_artifact_id,
                subject_digest: subject.to_owned(),
                size,
                digest,
                kind,
                creation_time: now(),
            },
        );
    }

    /// Links the accessories waiting for the digest of the artifact `artifact_id` (pushed
    /// now to `repository`) to it.
    pub(crate) fn link_accessories(&mut self, artifact_id: i64, repository: &str) {
        let Some(digest) = self.artifacts.get(&artifact_id).map(|a| a.digest.clone()) else {
            return;
        };
        for accessory in self.accessories.values_mut() {
            if accessory.subject_repository == repository && accessory.subject_digest == digest {
                accessory.subject_artifact_id = artifact_id;
            }
        }
    }

    /// Whether the artifact is an accessory of another.
    pub fn is_accessory(&self, artifact_id: i64) -> bool {
        self.accessories
            .values()
            .any(|a| a.artifact_id == artifact_id)
    }

    /// The accessories of the artifact `artifact_id`, in the order they were recorded.
    pub fn accessories_of(&self, artifact_id: i64) -> Vec<&Accessory> {
        self.accessories
            .values()
            .filter(|a| a.subject_artifact_id == artifact_id)
            .collect()
    }

    /// The accessories whose subject is `digest` in `repository` (the referrers API's).
    pub fn referrers(&self, repository: &str, digest: &str) -> Vec<&Accessory> {
        self.accessories
            .values()
            .filter(|a| a.subject_repository == repository && a.subject_digest == digest)
            .collect()
    }

    /// Drops the accessory rows of the artifact `artifact_id` (it is being deleted).
    pub(crate) fn drop_accessory_rows(&mut self, artifact_id: i64) {
        self.accessories.retain(|_, a| a.artifact_id != artifact_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_follows_the_subject_middleware() {
        assert_eq!(
            accessory_kind("application/vnd.dev.cosign.artifact.sig.v1+json", false),
            "signature.cosign"
        );
        assert_eq!(
            accessory_kind("application/vnd.cncf.notary.signature", false),
            "signature.notation"
        );
        assert_eq!(
            accessory_kind("application/vnd.oci.image.config.v1+json", true),
            "accelerator.nydus"
        );
        assert_eq!(
            accessory_kind("application/vnd.oci.image.config.v1+json", false),
            "subject.accessory"
        );
        assert_eq!(
            accessory_kind("application/spdx+json", false),
            "subject.accessory"
        );
        assert_eq!(accessory_icon("subject.accessory"), "");
    }
}
