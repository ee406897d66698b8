//! The SBOM an SBOM generation leaves in the registry, as Harbor's SBOM handler pushes it
//! (`PostScan` in `src/pkg/scan/sbom/sbom.go`, `GenAccessoryArt` in `src/pkg/scan/util.go`):
//! an OCI image manifest whose config has the media type `application/vnd.goharbor.harbor.sbom.v1`
//! and whose one layer (`application/vnd.oci.image.layer.v1.tar`) is the scanner's SPDX JSON
//! document, annotated as Harbor annotates it and with the artifact as its `subject`, pushed by
//! digest into the artifact's repository by the scan job's robot. The registry's `subject`
//! handling makes it an `sbom.harbor` accessory of the artifact (see [`super::accessories`]);
//! the artifact's `sbom_overview` names its digest, and the artifact `sboms` link points at it.
//!
//! The push meets the project's storage quota as any push through the registry does: an SBOM
//! that does not fit fails the generation's task (`Error`) and leaves no accessory.
//!
//! A new generation first deletes the artifact's SBOM accessories (`deleteSBOMAccessory`,
//! from `MakePlaceHolder`), so an artifact has at most one.
//!
//! The SPDX document lists the packages the simulator's scanner knows the image by (those of
//! its vulnerability catalogue, [`super::vulnerabilities::findings`]), as Trivy writes an
//! image's SBOM.

use bytes::Bytes;
use serde_json::{Value, json};

use super::SimState;
use super::accessories::Accessory;
use super::registry_push::OCI_MANIFEST;
use super::registry_store::{StoredManifest, sha256_digest};
use crate::errors::{ApiError, ApiResult};

/// The media type of the SBOM's config, and of its addition (`sbomMimeType`).
pub const SBOM_MEDIA_TYPE: &str = "application/vnd.goharbor.harbor.sbom.v1";
/// The accessory type of an SBOM (`accessoryModel.TypeHarborSBOM`).
pub const SBOM_ACCESSORY: &str = "sbom.harbor";
/// The media type of the SBOM's layer (`ocispec.MediaTypeImageLayer`, which
/// `static.NewLayer` is given).
const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";

impl SimState {
    /// Pushes the SBOM of the artifact `artifact_id` into its repository as `robot`, as the
    /// SBOM generation job does once the scanner has answered; the SBOM's digest.
    pub(crate) fn push_sbom(&mut self, artifact_id: i64, robot: &str) -> ApiResult<String> {
        let a = self
            .artifacts
            .get(&artifact_id)
            .ok_or_else(|| ApiError::not_found(format!("artifact {artifact_id} not found")))?;
        let (subject_digest, subject_type, subject_size, project_id) = (
            a.digest.clone(),
            a.manifest_media_type().to_owned(),
            a.size,
            a.project_id,
        );
        let repository = self.repository_name(a.repository_id).to_owned();
        // `time.Now().Format(time.RFC3339)` in the core's zone, UTC.
        let created = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let layer = json_bytes(&self.spdx_document(artifact_id, &repository, &created));
        let layer_digest = sha256_digest(&layer);
        // go-containerregistry's config of `empty.Image` with the layer appended.
        let config = json_bytes(&json!({
            "architecture": "",
            "created": "0001-01-01T00:00:00Z",
            "history": [{"author": "harbor", "created": created, "created_by": "harbor"}],
            "os": "",
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "config": {},
        }));
        let config_digest = sha256_digest(&config);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": SBOM_MEDIA_TYPE, "size": config.len(), "digest": config_digest},
            "layers": [{"mediaType": LAYER_MEDIA_TYPE, "size": layer.len(), "digest": layer_digest}],
            "annotations": {
                "created": created,
                "created-by": "Harbor",
                "org.opencontainers.artifact.created": created,
                "org.opencontainers.artifact.description": "SPDX JSON SBOM",
            },
            "subject": {"mediaType": subject_type, "size": subject_size, "digest": subject_digest},
        });
        let body = json_bytes(&manifest);
        let digest = sha256_digest(&body);
        // go-containerregistry uploads the layer, then the config, each in a session, then
        // the manifest, through the core's registry, so the project's storage quota reserves
        // each in turn (`put_blob_upload.go`, `put_manifest.go`): what does not fit fails the
        // push there, the blobs uploaded before it staying the project's.
        for (blob_digest, blob) in [(&layer_digest, layer), (&config_digest, config)] {
            if !self.blob_in_project(project_id, blob_digest) {
                self.check_storage(project_id, blob.len() as i64)?;
            }
            self.registry
                .associate(project_id, blob_digest, blob.len() as i64);
            self.registry.put_blob(&repository, blob_digest, blob);
        }
        let manifest_len = body.len() as i64;
        if !self.blob_in_project(project_id, &digest) {
            self.check_storage(project_id, manifest_len)?;
        }
        self.registry.put_manifest(
            &repository,
            &digest,
            StoredManifest {
                media_type: OCI_MANIFEST.to_owned(),
                body,
            },
        );
        let (project, repo) = repository
            .split_once('/')
            .ok_or_else(|| ApiError::uncoded(format!("repository {repository} has no project")))?;
        self.push_registry_manifest(
            robot,
            (project, repo),
            None,
            (OCI_MANIFEST, &digest, &manifest),
            manifest_len,
        )?;
        Ok(digest)
    }

    /// The artifact's SBOM accessories, oldest first.
    fn sbom_accessories(&self, artifact_id: i64) -> impl Iterator<Item = &Accessory> {
        self.accessories_of(artifact_id)
            .into_iter()
            .filter(|a| a.kind == SBOM_ACCESSORY)
    }

    /// The digest of the artifact's SBOM accessory, the latest when there are several.
    pub fn sbom_accessory_digest(&self, artifact_id: i64) -> Option<&str> {
        self.sbom_accessories(artifact_id)
            .last()
            .map(|a| a.digest.as_str())
    }

    /// Deletes the artifact's SBOM accessories, as a new SBOM generation does before it
    /// starts (`deleteSBOMAccessory`).
    pub(crate) fn delete_sbom_accessories(
        &mut self,
        artifact_id: i64,
        operator: &str,
    ) -> ApiResult<()> {
        let sboms: Vec<i64> = self
            .sbom_accessories(artifact_id)
            .map(|a| a.artifact_id)
            .collect();
        for sbom in sboms {
            self.delete_artifact_deeply_as(sbom, operator)?;
        }
        Ok(())
    }

    /// The SPDX 2.3 document Trivy writes for the image: the image, and each package the
    /// scanner knows it by, which the image contains.
    fn spdx_document(&self, artifact_id: i64, repository: &str, created: &str) -> Value {
        let a = &self.artifacts[&artifact_id];
        let name = format!("{repository}@{}", a.digest);
        let image_id = "SPDXRef-ContainerImage";
        let mut packages = vec![json!({
            "name": repository,
            "SPDXID": image_id,
            "versionInfo": a.digest,
            "downloadLocation": "NONE",
            "primaryPackagePurpose": "CONTAINER",
        })];
        let mut relationships = vec![json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": image_id,
        })];
        let newest = self.is_newest(a);
        let mut known: Vec<(&str, &str)> = super::vulnerabilities::findings(repository, newest)
            .iter()
            .map(|c| (c.package, c.version))
            .collect();
        known.sort_unstable();
        known.dedup();
        for (n, (package, version)) in known.into_iter().enumerate() {
            let id = format!("SPDXRef-Package-{n}");
            packages.push(json!({
                "name": package,
                "SPDXID": id,
                "versionInfo": version,
                "downloadLocation": "NONE",
                "primaryPackagePurpose": "LIBRARY",
            }));
            relationships.push(json!({
                "spdxElementId": image_id,
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": id,
            }));
        }
        json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": name,
            "documentNamespace": format!("http://aquasecurity.github.io/trivy/container_image/{name}"),
            "creationInfo": {
                "creators": ["Organization: aquasecurity", "Tool: trivy"],
                "created": created,
            },
            "packages": packages,
            "relationships": relationships,
        })
    }
}

/// A JSON value's compact bytes (serializing a `Value` cannot fail).
fn json_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
