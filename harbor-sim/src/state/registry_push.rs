//! A manifest pushed through the registry (`/v2/`) becoming an artifact, as Harbor's
//! `putManifest` and its artifact controller's `Ensure` make one:
//!
//! - the repository is made if new; an artifact with the same digest in the repository is
//!   found rather than made again (a push of the same content under another tag only adds the
//!   tag);
//! - an image (Docker schema 2 or OCI manifest) gets its `size` from the manifest's bytes, its
//!   config's and its layers' sizes (`v2Abstractor`), its `media_type` from its config (WASM's
//!   when its annotations mark it a WebAssembly image), its `artifact_type` from
//!   `artifactType` or else the config's media type, and its type from the processor that
//!   handles that type (`IMAGE` for an image config, with the config's `created`,
//!   `architecture`, `os`, `config` and `author` as `extra_attrs`; `CHART` for a Helm chart,
//!   `SBOM` for Harbor's SBOM, `WASM` for a WebAssembly config, `CNAI` for a CNCF model; else
//!   the default processor's type, read off the media type);
//! - an index (OCI index or Docker manifest list) lists artifacts of the repository, each with
//!   the platform the index names, and its `size` adds their sizes (`indexAbstractor`); its
//!   media type is its `org.opencontainers.artifactType` annotation if it has one, and the
//!   processor its `artifactType` or else that media type picks types it (`IMAGE` for an
//!   index type, `CNAB` for a bundle, with its config manifest's config as `extra_attrs`,
//!   else the default processor's type);
//! - the push is audited and notified as the simulator's own pushes are.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SimState;
use super::accessories::accessory_kind;
use super::blobs::BlobRef;
use super::image_index::{ImageIndex, Platform, Reference};
use super::repositories::{Manifest, Processor, PushedMetadata};
use crate::errors::{ApiError, ApiResult};

/// Docker's image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker's manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The layer annotation that makes a layer the artifact's icon (Harbor's `AnnotationPrefix`,
/// `V1alpha1` and `Icon`).
pub const ICON_ANNOTATION: &str = "io.goharbor.artifact.v1alpha1.icon";
/// OCI's image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub use super::image_index::OCI_INDEX;

/// The two shapes of manifest the registry takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestShape {
    /// An image: a config and layers.
    Image,
    /// An index: manifests, each for a platform.
    Index,
}

/// The shape of a manifest of `media_type`, `None` for a type the registry does not take.
pub fn shape_of(media_type: &str) -> Option<ManifestShape> {
    match media_type {
        DOCKER_MANIFEST | OCI_MANIFEST => Some(ManifestShape::Image),
        DOCKER_MANIFEST_LIST | OCI_INDEX => Some(ManifestShape::Index),
        _ => None,
    }
}

/// A descriptor of a manifest: the digest, size and media type of what it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// `sha256:...`
    pub digest: String,
    /// Bytes.
    pub size: i64,
    /// Its media type.
    pub media_type: String,
    /// Whether it has `urls` (a foreign layer the registry does not hold).
    pub external: bool,
}

fn descriptor(value: &Value) -> Option<Descriptor> {
    Some(Descriptor {
        digest: value.get("digest")?.as_str()?.to_owned(),
        size: value.get("size").and_then(Value::as_i64).unwrap_or(0),
        media_type: value
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        external: value
            .get("urls")
            .and_then(Value::as_array)
            .is_some_and(|u| !u.is_empty()),
    })
}

/// What an image manifest references: its config and its layers, `None` when it lacks a
/// config with a digest or a layer is no descriptor.
pub fn image_references(doc: &Value) -> Option<(Descriptor, Vec<Descriptor>)> {
    let config = descriptor(doc.get("config")?)?;
    let layers = match doc.get("layers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(descriptor).collect::<Option<_>>()?,
        Some(_) => return None,
    };
    Some((config, layers))
}

/// What an index lists: each manifest's descriptor and platform, `None` when an entry is no
/// descriptor.
pub fn index_entries(doc: &Value) -> Option<Vec<(Descriptor, Platform)>> {
    let items = match doc.get("manifests") {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return None,
    };
    items
        .iter()
        .map(|item| {
            let platform = item.get("platform");
            let field = |name: &str| {
                platform
                    .and_then(|p| p.get(name))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Some((
                descriptor(item)?,
                Platform {
                    os: field("os"),
                    architecture: field("architecture"),
                    variant: field("variant"),
                },
            ))
        })
        .collect()
}

/// The media type of a cosign signature layer (`mediaTypeCosignLayer`).
const COSIGN_SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// The digest a cosign signature tag names: `sha256-<64 hex>.sig` is `sha256:<64 hex>`
/// (`cosignRe`).
fn cosign_signed_digest(tag: &str) -> Option<String> {
    let hex = tag.strip_prefix("sha256-")?.strip_suffix(".sig")?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| format!("sha256:{hex}"))
}

/// The digest of a manifest's `subject`, if it has one.
pub fn subject_of(doc: &Value) -> Option<&str> {
    doc.pointer("/subject/digest").and_then(Value::as_str)
}

/// The config media type of a WebAssembly module (`wasm.MediaType`), also the media type of
/// an image annotated as one.
const WASM_CONFIG: &str = "application/vnd.wasm.config.v1+json";
/// The artifact type of a CNCF model (`modelspec.ArtifactTypeModelManifest`).
const MODEL_MANIFEST: &str = "application/vnd.cncf.model.manifest.v1+json";
/// The media type a CNAB bundle's index names in its `org.opencontainers.artifactType`
/// annotation.
const CNAB_MANIFEST: &str = "application/vnd.cnab.manifest.v1";

/// The processor Harbor picks for an artifact by the type it resolves
/// (`ResolveArtifactType`: its `artifactType`, else its media type), as the processors
/// register themselves (`src/controller/artifact/processor/`): the image processors for an
/// image config or an index, then the chart, SBOM, WASM, CNAI and CNAB processors, else the
/// default processor.
fn processor_of(artifact_type: &str) -> Processor {
    match artifact_type {
        "application/vnd.docker.container.image.v1+json"
        | "application/vnd.oci.image.config.v1+json"
        | OCI_INDEX
        | DOCKER_MANIFEST_LIST => Processor::Image,
        "application/vnd.cncf.helm.config.v1+json" => Processor::Chart,
        super::sbom_push::SBOM_MEDIA_TYPE => Processor::Sbom,
        WASM_CONFIG => Processor::Wasm,
        MODEL_MANIFEST => Processor::Cnai,
        CNAB_MANIFEST => Processor::Cnab,
        _ => Processor::Default,
    }
}

/// The type the processor gives an artifact whose media type (a config's, or an index's
/// own) is `media_type`.
fn artifact_kind(processor: Processor, media_type: &str) -> String {
    match processor {
        Processor::Image => "IMAGE".to_owned(),
        Processor::Chart => "CHART".to_owned(),
        Processor::Sbom => "SBOM".to_owned(),
        Processor::Wasm => "WASM".to_owned(),
        Processor::Cnai => "CNAI".to_owned(),
        Processor::Cnab => "CNAB".to_owned(),
        Processor::Default => default_processor_kind(media_type),
    }
}

/// Whether a manifest's annotations mark it a WebAssembly image (`module.wasm.image/variant:
/// compat` or `run.oci.handler: wasm`): its media type is then WASM's, whatever its config's.
fn annotated_wasm(annotations: &Map<String, Value>) -> bool {
    annotations.get("module.wasm.image/variant") == Some(&Value::from("compat"))
        || annotations.get("run.oci.handler") == Some(&Value::from("wasm"))
}

/// `parseV1alpha1SkipList`: the keys the config descriptor's
/// `io.goharbor.artifact.v1alpha1.skip-list` annotation names, comma-separated, are taken out
/// of the default processor's `extra_attrs`.
fn skip_listed(extra_attrs: &mut Option<Map<String, Value>>, doc: &Value) {
    let Some(list) = doc
        .pointer("/config/annotations/io.goharbor.artifact.v1alpha1.skip-list")
        .and_then(Value::as_str)
    else {
        return;
    };
    if let Some(attributes) = extra_attrs {
        for key in list.split(',') {
            attributes.remove(key);
        }
    }
}

/// The WASM processor's `extra_attrs` (`AbstractMetadata` in `processor/wasm/wasm.go`): an
/// annotated module's ([`annotated_wasm`]) image config fields, else the config's media type
/// and the first layer's media type and title.
fn wasm_attributes(
    doc: &Value,
    annotated: bool,
    config: &Descriptor,
    config_doc: Option<&Value>,
) -> Map<String, Value> {
    let mut attributes = Map::new();
    if annotated {
        let image = config_doc.unwrap_or(&Value::Null);
        let text =
            |name: &str| Value::from(image.get(name).and_then(Value::as_str).unwrap_or_default());
        let author = image
            .get("author")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
            .or_else(|| {
                image
                    .pointer("/config/Labels/maintainer")
                    .and_then(Value::as_str)
            })
            .unwrap_or_default();
        attributes.insert(
            "manifest.config.mediaType".into(),
            Value::from(config.media_type.as_str()),
        );
        attributes.insert(
            "created".into(),
            image.get("created").cloned().unwrap_or(Value::Null),
        );
        attributes.insert("architecture".into(), text("architecture"));
        attributes.insert("os".into(), text("os"));
        attributes.insert(
            "config".into(),
            image
                .get("config")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
        );
        attributes.insert("author".into(), Value::from(author));
    } else {
        attributes.insert("manifest.config.mediaType".into(), Value::from(WASM_CONFIG));
        if let Some(layer) = doc.pointer("/layers/0") {
            let field = |pointer: &str| {
                Value::from(
                    layer
                        .pointer(pointer)
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )
            };
            attributes.insert("manifest.layers.mediaType".into(), field("/mediaType"));
            attributes.insert(
                "org.opencontainers.image.title".into(),
                field("/annotations/org.opencontainers.image.title"),
            );
        }
    }
    attributes
}

/// The default processor's type: `^application/vnd\.[^.]*\.(.*)\.config\.[^.]*\+json$`
/// on the media type, in capitals, else `UNKNOWN`.
fn default_processor_kind(media_type: &str) -> String {
    media_type
        .strip_prefix("application/vnd.")
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(_, rest)| rest.strip_suffix("+json"))
        .and_then(|rest| rest.rsplit_once(".config."))
        .filter(|(_, version)| !version.contains('.'))
        .map_or_else(|| "UNKNOWN".to_owned(), |(kind, _)| kind.to_uppercase())
}

fn annotations(doc: &Value) -> Map<String, Value> {
    doc.get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The image processor's `extra_attrs`, from the image's config document.
pub(crate) fn image_attributes(config: &Value) -> Map<String, Value> {
    let text = |name: &str| config.get(name).cloned().unwrap_or(Value::Null);
    let labels = config.pointer("/config/Labels");
    let author = config
        .get("author")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .or_else(|| {
            ["org.opencontainers.image.authors", "maintainer"]
                .iter()
                .find_map(|key| labels?.get(key)?.as_str().filter(|a| !a.is_empty()))
        })
        .unwrap_or_default();
    let mut attributes = Map::new();
    attributes.insert("created".into(), text("created"));
    attributes.insert(
        "architecture".into(),
        Value::String(
            config
                .get("architecture")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
    );
    attributes.insert(
        "os".into(),
        Value::String(
            config
                .get("os")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
    );
    attributes.insert(
        "config".into(),
        config
            .get("config")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    attributes.insert("author".into(), Value::String(author.to_owned()));
    attributes
}

/// An image's build history as the image processor answers it (`json.Marshal` of the
/// config's `history`: each entry's `created`, `created_by`, `author`, `comment` and
/// `empty_layer`, empty ones left out; `null` without a history).
pub fn build_history(config: &Value) -> Value {
    let Some(entries) = config.get("history").and_then(Value::as_array) else {
        return Value::Null;
    };
    let entry = |e: &Value| {
        let mut out = Map::new();
        for key in ["created", "created_by", "author", "comment", "empty_layer"] {
            match e.get(key) {
                None | Some(Value::Null) | Some(Value::Bool(false)) => {}
                Some(Value::String(text)) if text.is_empty() => {}
                Some(value) => {
                    out.insert(key.to_owned(), value.clone());
                }
            }
        }
        Value::Object(out)
    };
    Value::Array(entries.iter().map(entry).collect())
}

impl SimState {
    /// The config document of an image the simulator made itself (its recipe's, without the
    /// layers' digests), if `artifact` is one.
    pub fn made_config(&self, artifact: &super::Artifact) -> Option<Value> {
        Some(self.registry.recipe(&artifact.digest)?.config_document())
    }

    /// The config document of an image pushed through the registry, if its content is held.
    pub fn pushed_config(&self, artifact_id: i64) -> Option<Value> {
        let artifact = self.artifacts.get(&artifact_id)?;
        artifact.pushed.as_ref()?;
        let config = artifact.blobs.get(1)?;
        let repository = self.repository_name(artifact.repository_id);
        serde_json::from_slice(&self.registry.blob(repository, &config.digest)?).ok()
    }

    /// Makes (or finds) the artifact of a manifest the registry stored in `project/repo`:
    /// `media_type` is the type it was pushed as, `digest` its digest and `doc` its JSON.
    /// `tag` goes onto it; the push is audited as `operator`'s. Returns the artifact's id.
    pub(crate) fn push_registry_manifest(
        &mut self,
        operator: &str,
        (project, repo): (&str, &str),
        tag: Option<&str>,
        (media_type, digest, doc): (&str, &str, &Value),
        manifest_len: i64,
    ) -> ApiResult<i64> {
        let full = format!("{project}/{repo}");
        let existing = self
            .repositories
            .id_by_name(&full)
            .and_then(|r| self.artifacts.id_by_digest(r, digest));
        if let Some(id) = existing {
            let tags: Vec<String> = tag.into_iter().map(str::to_owned).collect();
            self.ensure_tags(id, &tags)?;
            self.record_push(operator, id, tag);
            self.record_accessory_of_push(id, &full, tag, doc);
            return Ok(id);
        }
        let own = BlobRef {
            digest: digest.to_owned(),
            size: manifest_len,
            media_type: media_type.to_owned().into(),
        };
        let manifest = match shape_of(media_type) {
            Some(ManifestShape::Image) => self.image_from_registry(&full, own, media_type, doc)?,
            Some(ManifestShape::Index) => self.index_from_registry(&full, own, media_type, doc)?,
            None => {
                return Err(ApiError::bad_request(format!(
                    "unsupported manifest media type {media_type}"
                )));
            }
        };
        // `GET /icons/{digest}` reads an icon from the blobs Harbor pulled.
        if let Some(icon) = &manifest.icon
            && let Some(bytes) = self.registry.blob(&full, icon)
        {
            self.icon_blobs
                .entry(icon.clone())
                .or_insert_with(|| Arc::from(bytes.as_ref()));
        }
        let id = self.store_manifest(project, repo, tag, manifest)?;
        self.record_push(operator, id, tag);
        self.record_accessory_of_push(id, &full, tag, doc);
        self.link_accessories(id, &full);
        Ok(id)
    }

    /// What Harbor's `cosign` and `subject` middlewares do after a push of `doc` as the
    /// artifact `id` of `repository` under `tag`: a manifest tagged `sha256-<hex>.sig` with a
    /// cosign signature layer becomes a cosign signature of `sha256:<hex>` (cosign's tag
    /// scheme); a manifest with a `subject` becomes an accessory of it.
    fn record_accessory_of_push(
        &mut self,
        id: i64,
        repository: &str,
        tag: Option<&str>,
        doc: &Value,
    ) {
        if let Some(signed) = tag.and_then(cosign_signed_digest)
            && image_references(doc).is_some_and(|(_, layers)| {
                layers.iter().any(|l| l.media_type == COSIGN_SIMPLE_SIGNING)
            })
        {
            self.record_accessory(id, repository, &signed, "signature.cosign");
        }
        let Some(subject) = subject_of(doc) else {
            return;
        };
        let artifact_type = doc
            .get("artifactType")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .or_else(|| doc.pointer("/config/mediaType").and_then(Value::as_str))
            .unwrap_or_default();
        let nydus = doc
            .get("layers")
            .and_then(Value::as_array)
            .and_then(|layers| layers.last())
            .and_then(|layer| layer.get("annotations"))
            .is_some_and(|a| a.get("containerd.io/snapshot/nydus-bootstrap").is_some());
        let kind = accessory_kind(artifact_type, nydus);
        self.record_accessory(id, repository, subject, kind);
    }

    /// Harbor's `v1alpha1` annotation parser (`parseV1alpha1Icon`, for an OCI or Docker
    /// schema 2 manifest of a type only the default processor handles): the first layer
    /// annotated `io.goharbor.artifact.v1alpha1.icon` is the artifact's icon, when
    /// the first MiB of its blob sniffs as GIF, PNG or JPEG; else the push fails with 400
    /// `unsupported content type: <type>` (the registry keeps the manifest, Harbor makes no
    /// artifact).
    fn pushed_icon(&self, repository: &str, doc: &Value) -> ApiResult<Option<String>> {
        let layers = doc.get("layers").and_then(Value::as_array);
        let Some(digest) = layers
            .into_iter()
            .flatten()
            .find(|layer| {
                layer
                    .get("annotations")
                    .and_then(Value::as_object)
                    .is_some_and(|a| a.contains_key(ICON_ANNOTATION))
            })
            .and_then(|layer| layer.get("digest").and_then(Value::as_str))
        else {
            return Ok(None);
        };
        let bytes = self.registry.blob(repository, digest).unwrap_or_default();
        let kind = super::icons::detect_content_type(&bytes[..bytes.len().min(1 << 20)]);
        if !matches!(kind, "image/gif" | "image/png" | "image/jpeg") {
            return Err(ApiError::bad_request(format!(
                "unsupported content type: {kind}"
            )));
        }
        Ok(Some(digest.to_owned()))
    }

    fn image_from_registry(
        &self,
        repository: &str,
        own: BlobRef,
        manifest_media_type: &str,
        doc: &Value,
    ) -> ApiResult<Manifest> {
        let (config, layers) = image_references(doc)
            .ok_or_else(|| ApiError::bad_request("the manifest has no config"))?;
        let size = own.size + config.size + layers.iter().map(|l| l.size).sum::<i64>();
        let artifact_type = doc
            .get("artifactType")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or(&config.media_type)
            .to_owned();
        let annotations = annotations(doc);
        let wasm_annotated = annotated_wasm(&annotations);
        // `v2Abstractor`: the config's media type, WASM's for an annotated WebAssembly image;
        // the default processor reads its type off it.
        let media_type = if wasm_annotated {
            WASM_CONFIG.to_owned()
        } else {
            config.media_type.clone()
        };
        let processor = processor_of(&artifact_type);
        let kind = artifact_kind(processor, &media_type);
        let config_doc: Option<Value> = self
            .registry
            .blob(repository, &config.digest)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let platform = config_doc
            .as_ref()
            .map(|c| {
                let field = |name: &str| {
                    c.get(name)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                Platform {
                    os: field("os"),
                    architecture: field("architecture"),
                    variant: field("variant"),
                }
            })
            .unwrap_or_default();
        let mut extra_attrs = match processor {
            Processor::Image => Some(image_attributes(
                config_doc.as_ref().unwrap_or(&Value::Null),
            )),
            Processor::Wasm => Some(wasm_attributes(
                doc,
                wasm_annotated,
                &config,
                config_doc.as_ref(),
            )),
            // The CNAB processor reads the config an index lists; a manifest lists none.
            Processor::Cnab => None,
            // The default processor keeps the whole config document, unless the type is
            // `UNKNOWN`; the chart, SBOM and CNAI processors keep the config too.
            _ if kind == "UNKNOWN" => None,
            _ => config_doc.as_ref().and_then(Value::as_object).cloned(),
        };
        // Only the default processor, Harbor's for artifact types it does not know, reads
        // the `v1alpha1` annotations (`defaultProcessor.AbstractMetadata`): an image's or a
        // chart's icon layer is just a layer.
        let icon = if processor == Processor::Default {
            skip_listed(&mut extra_attrs, doc);
            self.pushed_icon(repository, doc)?
        } else {
            None
        };
        let blob = |d: &Descriptor| BlobRef {
            digest: d.digest.clone(),
            size: d.size,
            media_type: d.media_type.clone().into(),
        };
        let blobs: Vec<BlobRef> = std::iter::once(own.clone())
            .chain(std::iter::once(blob(&config)))
            .chain(layers.iter().map(blob))
            .collect();
        Ok(Manifest {
            digest: own.digest,
            size,
            blobs: Arc::from(blobs),
            platform,
            index: None,
            icon,
            pushed: Some(Arc::new(PushedMetadata {
                manifest_media_type: manifest_media_type.to_owned(),
                media_type,
                artifact_type,
                kind,
                processor,
                annotations,
                extra_attrs,
            })),
            made: None,
        })
    }

    /// The CNAB processor's `extra_attrs` (`AbstractMetadata` in `processor/cnab/cnab.go`):
    /// the config document of the manifest the bundle's index annotates
    /// `io.cnab.manifest.type: config` (the last one), as the base manifest processor reads
    /// a config; none without such a manifest.
    fn cnab_attributes(&self, repository: &str, doc: &Value) -> Option<Map<String, Value>> {
        let config_manifest = doc["manifests"]
            .as_array()?
            .iter()
            .filter(|m| {
                m.pointer("/annotations/io.cnab.manifest.type") == Some(&Value::from("config"))
            })
            .filter_map(|m| m["digest"].as_str())
            .next_back()?;
        let manifest: Value =
            serde_json::from_slice(&self.registry.manifest(config_manifest)?.body).ok()?;
        let config = manifest.pointer("/config/digest")?.as_str()?;
        serde_json::from_slice::<Value>(&self.registry.blob(repository, config)?)
            .ok()?
            .as_object()
            .cloned()
    }

    fn index_from_registry(
        &self,
        repository: &str,
        own: BlobRef,
        media_type: &str,
        doc: &Value,
    ) -> ApiResult<Manifest> {
        let entries = index_entries(doc)
            .ok_or_else(|| ApiError::bad_request("the index lists no manifests"))?;
        let repository_id = self.repositories.id_by_name(repository);
        let mut references = Vec::with_capacity(entries.len());
        let mut size = own.size;
        let mut blobs = vec![own.clone()];
        for (entry, platform) in entries {
            let child = repository_id
                .and_then(|r| self.artifacts.id_by_digest(r, &entry.digest))
                .and_then(|id| self.artifacts.get(&id))
                .ok_or_else(|| {
                    ApiError::not_found(format!("artifact {repository}@{} not found", entry.digest))
                })?;
            size += child.size;
            blobs.extend(child.blobs.first().cloned());
            references.push(Reference {
                child_id: child.id,
                child_digest: entry.digest,
                platform,
            });
        }
        let annotations = annotations(doc);
        let own_type = annotations
            .get("org.opencontainers.artifactType")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or(media_type)
            .to_owned();
        let artifact_type = doc
            .get("artifactType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // `ResolveArtifactType`: the index's `artifactType`, else its own type. The default
        // processor reads an index's type off that own type, and keeps no attributes of it.
        let processor = processor_of(if artifact_type.is_empty() {
            &own_type
        } else {
            &artifact_type
        });
        let kind = artifact_kind(processor, &own_type);
        let extra_attrs = match processor {
            Processor::Cnab => self.cnab_attributes(repository, doc),
            _ => None,
        };
        Ok(Manifest {
            digest: own.digest,
            size,
            blobs: Arc::from(blobs),
            platform: Platform::default(),
            index: Some(ImageIndex {
                references,
                manifest_size: own.size,
            }),
            icon: None,
            pushed: Some(Arc::new(PushedMetadata {
                manifest_media_type: media_type.to_owned(),
                media_type: own_type,
                artifact_type,
                kind,
                processor,
                annotations,
                extra_attrs,
            })),
            made: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_processor_is_picked_by_artifact_type_and_the_default_reads_the_media_type() {
        let image = "application/vnd.oci.image.config.v1+json";
        assert_eq!(processor_of(image), Processor::Image);
        assert_eq!(artifact_kind(Processor::Image, image), "IMAGE");
        let chart = "application/vnd.cncf.helm.config.v1+json";
        assert_eq!(artifact_kind(processor_of(chart), chart), "CHART");
        // An `artifactType` of its own sends an image config to the default processor, whose
        // expression reads `image` off the config's media type.
        assert_eq!(
            processor_of("application/vnd.example.sbom"),
            Processor::Default
        );
        assert_eq!(artifact_kind(Processor::Default, image), "IMAGE");
        // The other processors Harbor registers, an index's included.
        for (resolved, processor, kind) in [
            (WASM_CONFIG, Processor::Wasm, "WASM"),
            (MODEL_MANIFEST, Processor::Cnai, "CNAI"),
            (CNAB_MANIFEST, Processor::Cnab, "CNAB"),
            (OCI_INDEX, Processor::Image, "IMAGE"),
            (DOCKER_MANIFEST_LIST, Processor::Image, "IMAGE"),
        ] {
            assert_eq!(processor_of(resolved), processor, "{resolved}");
            assert_eq!(artifact_kind(processor, resolved), kind, "{resolved}");
        }
        // An index typed by an `artifactType` no processor claims: the default processor,
        // which finds no type in the index's media type.
        assert_eq!(artifact_kind(Processor::Default, OCI_INDEX), "UNKNOWN");
        // An annotated WebAssembly image's media type is WASM's, which the default processor
        // cannot read a type off.
        assert_eq!(artifact_kind(Processor::Default, WASM_CONFIG), "UNKNOWN");
        let mut annotations = Map::new();
        annotations.insert("run.oci.handler".into(), Value::from("wasm"));
        assert!(annotated_wasm(&annotations));
        annotations.insert("run.oci.handler".into(), Value::from("runc"));
        assert!(!annotated_wasm(&annotations));
        let kind = default_processor_kind;
        assert_eq!(kind("application/vnd.acme.rocket.config.v1+json"), "ROCKET");
        assert_eq!(kind("application/vnd.a.b.c.config.v1+json"), "B.C");
        assert_eq!(kind("application/vnd.unknown.config.v1+json"), "UNKNOWN");
        assert_eq!(kind("application/json"), "UNKNOWN");
        assert_eq!(
            kind("application/vnd.acme.rocket.config.v1.2+json"),
            "UNKNOWN"
        );
    }

    #[test]
    fn cosign_signature_tags_name_the_signed_digest() {
        let hex = "1b26826f602946860c279fce658f31050cff2c596583af237d971f4629b57792";
        assert_eq!(
            cosign_signed_digest(&format!("sha256-{hex}.sig")),
            Some(format!("sha256:{hex}"))
        );
        for other in [
            format!("sha256-{hex}.att"),
            format!("sha256-{}.sig", &hex[1..]),
            format!("sha256-{}.sig", hex.to_uppercase()),
            "latest".to_owned(),
        ] {
            assert_eq!(cosign_signed_digest(&other), None, "{other}");
        }
    }

    #[test]
    fn references_are_read_from_the_manifest() {
        let doc = json!({
            "config": {"mediaType": "c", "digest": "sha256:c", "size": 2},
            "layers": [{"mediaType": "l", "digest": "sha256:l", "size": 3, "urls": ["http://x"]}],
        });
        let (config, layers) = image_references(&doc).unwrap();
        assert_eq!((config.digest.as_str(), config.size), ("sha256:c", 2));
        assert!(layers[0].external);
        assert!(image_references(&json!({"layers": []})).is_none());
        let index = json!({"manifests": [{"digest": "sha256:a", "size": 1,
            "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]});
        let entries = index_entries(&index).unwrap();
        assert_eq!(entries[0].1.to_string(), "linux/arm64/v8");
    }

    #[test]
    fn an_image_config_gives_the_image_processors_attributes() {
        let config = json!({"created": "2024-01-01T00:00:00Z", "architecture": "arm64", "os": "linux",
            "config": {"Labels": {"maintainer": "ops"}}});
        let attributes = image_attributes(&config);
        assert_eq!(attributes["author"], "ops");
        assert_eq!(attributes["architecture"], "arm64");
        assert_eq!(attributes["config"]["Labels"]["maintainer"], "ops");
        let bare = image_attributes(&Value::Null);
        assert_eq!(
            (bare["created"].clone(), bare["config"].clone()),
            (Value::Null, json!({}))
        );
    }
}
