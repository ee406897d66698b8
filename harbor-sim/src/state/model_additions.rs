//! The additions of an AI model pushed by the CNCF model spec (artifact type
//! `application/vnd.cncf.model.manifest.v1+json`), as Harbor's CNAI processor reads them
//! (`src/controller/artifact/processor/cnai/cnai.go` and its `parser/`):
//!
//! - `README.MD`: the first documentation layer (`application/vnd.cncf.model.doc.v1.tar` or
//!   `.raw`) whose `org.cncf.model.filepath` is `README` or `README.md`, as
//!   `text/markdown; charset=utf-8`; `LICENSE` likewise for `LICENSE` or `LICENSE.txt`, as
//!   `text/plain; charset=utf-8`. A `.tar` layer gives the contents of its files one after
//!   the other, a `.raw` layer itself. None is 404; a layer over 4 MiB (by its descriptor, or
//!   once unpacked) is 413;
//! - `FILES`: the tree of every layer's `org.cncf.model.filepath` (a path ending in `/` is a
//!   directory), each level directories first, then by name, as JSON
//!   (`application/json; charset=utf-8`; `null` with no path); two layers naming one path as a
//!   file and as a directory is an error (500).

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};

use crate::errors::ApiError;

/// The annotation naming the file a layer holds (`modelspec.AnnotationFilepath`).
const FILEPATH: &str = "org.cncf.model.filepath";
/// `defaultFileSizeLimit`.
const FILE_SIZE_LIMIT: u64 = 4 * 1024 * 1024;
/// The documentation layers' media types (`MediaTypeModelDoc`, `MediaTypeModelDocRaw`).
const DOC_TYPES: [&str; 2] = [
    "application/vnd.cncf.model.doc.v1.tar",
    "application/vnd.cncf.model.doc.v1.raw",
];

/// A model's addition: its content type and content.
#[derive(Debug)]
pub struct ModelAddition {
    /// The `Content-Type` Harbor answers with.
    pub content_type: &'static str,
    /// The body.
    pub content: Vec<u8>,
}

/// The addition `addition` (in capitals) of the model whose manifest is `manifest`, with
/// `blob` pulling a layer of its repository; the error Harbor answers otherwise (a name the
/// processor does not know is 400).
pub fn model_addition(
    manifest: &Value,
    addition: &str,
    blob: impl Fn(&str) -> Option<bytes::Bytes>,
) -> Result<ModelAddition, ApiError> {
    let (names, what, content_type): (&[&str], &str, &'static str) = match addition {
        "README.MD" => (
            &["README", "README.md"],
            "readme",
            "text/markdown; charset=utf-8",
        ),
        "LICENSE" => (
            &["LICENSE", "LICENSE.txt"],
            "license",
            "text/plain; charset=utf-8",
        ),
        "FILES" => {
            return Ok(ModelAddition {
                content_type: "application/json; charset=utf-8",
                content: file_list(manifest)?.into_bytes(),
            });
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "addition {addition} isn't supported for CNAI"
            )));
        }
    };
    let layer = layers(manifest)
        .find(|layer| {
            layer["mediaType"]
                .as_str()
                .is_some_and(|t| DOC_TYPES.contains(&t))
                && layer["annotations"][FILEPATH]
                    .as_str()
                    .is_some_and(|path| names.contains(&path))
        })
        .ok_or_else(|| {
            ApiError::not_found(format!("resource not found: {what} layer not found"))
        })?;
    if layer["size"].as_u64().unwrap_or(0) > FILE_SIZE_LIMIT {
        return Err(too_large("request entity too large"));
    }
    let digest = layer["digest"].as_str().unwrap_or_default();
    let data = blob(digest).ok_or_else(|| {
        ApiError::uncoded(format!(
            "failed to pull blob from registry: blob {digest} not found"
        ))
    })?;
    let content = if layer["mediaType"] == DOC_TYPES[0] {
        untar(&data)?
    } else if data.len() as u64 > FILE_SIZE_LIMIT {
        return Err(decode_too_large());
    } else {
        data.to_vec()
    };
    Ok(ModelAddition {
        content_type,
        content,
    })
}

fn layers(manifest: &Value) -> impl Iterator<Item = &Value> {
    manifest["layers"].as_array().into_iter().flatten()
}

/// `RequestEntityTooLargeError(errFileTooLarge)`: 413 with its own code.
fn too_large(message: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "REQUEST_ENTITY_TOO_LARGE",
        format!("{message}: The file is too large to be processed"),
    )
}

/// The same error wrapped by `fmt.Errorf("failed to decode content: %w")`: the status is
/// still found through the wrapping, but the body is `UnknownError`'s, code `UNKNOWN`.
fn decode_too_large() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "UNKNOWN",
        "unknown: failed to decode content: request entity too large: The file is too large \
         to be processed",
    )
}

/// `untar`: the contents of the archive's files (directories skipped), one after the other,
/// at most 4 MiB in all.
fn untar(data: &[u8]) -> Result<Vec<u8>, ApiError> {
    let failed = |e: std::io::Error| {
        ApiError::uncoded(format!(
            "failed to decode content: failed to read tar header: {e}"
        ))
    };
    let mut archive = tar::Archive::new(data);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(failed)? {
        let mut entry = entry.map_err(failed)?;
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let room = FILE_SIZE_LIMIT - out.len() as u64;
        let read = (&mut entry)
            .take(room + 1)
            .read_to_end(&mut out)
            .map_err(failed)? as u64;
        if read > room {
            return Err(decode_too_large());
        }
    }
    Ok(out)
}

/// A node of the file tree (`FileNode`).
#[derive(Default)]
struct Node {
    directory: bool,
    size: i64,
    children: BTreeMap<String, Node>,
}

/// The `FILES` addition: `json.Marshal` of the tree's `FileList`s.
fn file_list(manifest: &Value) -> Result<String, ApiError> {
    let mut root = Node {
        directory: true,
        ..Node::default()
    };
    for layer in layers(manifest) {
        let Some(path) = layer["annotations"][FILEPATH]
            .as_str()
            .filter(|p| !p.is_empty())
        else {
            continue;
        };
        add_node(&mut root, path, layer["size"].as_i64().unwrap_or(0))?;
    }
    Ok(list(&root).to_string())
}

/// `AddNode`: the path cleaned (`filepath.Clean`) and split at `/`, each missing element
/// made (a directory but the last, which is a file unless the path ended in `/`); an
/// existing last element of the other kind, or an element under a file, is an error.
fn add_node(root: &mut Node, path: &str, size: i64) -> Result<(), ApiError> {
    use std::collections::btree_map::Entry;
    let failed = |cause: String| ApiError::uncoded(format!("failed to walk manifest: {cause}"));
    let is_dir = path.ends_with('/');
    let rooted = path.starts_with('/');
    let cleaned = super::chart_archive::clean_path(path.trim_start_matches('/'));
    let mut parts: Vec<&str> = cleaned.split('/').filter(|p| !p.is_empty()).collect();
    if rooted {
        // A rooted path cannot climb above its root.
        let climbs = parts.iter().take_while(|p| **p == "..").count();
        parts.drain(..climbs);
    }
    let mut current = root;
    for (at, part) in parts.iter().enumerate() {
        let last = at + 1 == parts.len();
        let directory = current.directory;
        current = match current.children.entry((*part).to_owned()) {
            Entry::Occupied(existing) => {
                let child = existing.into_mut();
                if last && child.directory != is_dir {
                    return Err(failed(format!(
                        "path conflicts: {part} exists with different type"
                    )));
                }
                child
            }
            Entry::Vacant(_) if !directory => {
                return Err(failed("cannot add child to non-directory node".into()));
            }
            Entry::Vacant(slot) => slot.insert(Node {
                directory: !last || is_dir,
                size: if last && !is_dir { size } else { 0 },
                children: BTreeMap::new(),
            }),
        };
    }
    Ok(())
}

/// `traverseFileNode`: the node's children, directories first, then by name; `null` for
/// none (a nil slice).
fn list(node: &Node) -> Value {
    if node.children.is_empty() {
        return Value::Null;
    }
    let mut children: Vec<(&String, &Node)> = node.children.iter().collect();
    children.sort_by(|a, b| b.1.directory.cmp(&a.1.directory).then(a.0.cmp(b.0)));
    Value::Array(
        children
            .into_iter()
            .map(|(name, child)| {
                let mut item = json!({
                    "name": name,
                    "type": if child.directory { "directory" } else { "file" },
                });
                if child.size != 0 {
                    item["size"] = json!(child.size);
                }
                if !child.children.is_empty() {
                    item["children"] = list(child);
                }
                item
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(layers: Value) -> Value {
        json!({"schemaVersion": 2, "layers": layers})
    }

    fn doc_layer(path: &str, media_type: &str, digest: &str, size: u64) -> Value {
        json!({"mediaType": media_type, "digest": digest, "size": size,
            "annotations": {FILEPATH: path}})
    }

    #[test]
    fn files_are_a_tree_directories_first() {
        let m = manifest(json!([
            doc_layer("weights/model-00002.safetensors", "w", "d1", 20),
            doc_layer("README.md", "d", "d2", 5),
            doc_layer("weights/model-00001.safetensors", "w", "d3", 10),
            doc_layer("tokenizer/", "c", "d4", 0),
            {"mediaType": "x", "digest": "d5", "size": 1},
        ]));
        let files = model_addition(&m, "FILES", |_| None).expect("a list");
        assert_eq!(files.content_type, "application/json; charset=utf-8");
        let value: Value = serde_json::from_slice(&files.content).expect("JSON");
        assert_eq!(
            value,
            json!([
                {"name": "tokenizer", "type": "directory"},
                {"name": "weights", "type": "directory", "children": [
                    {"name": "model-00001.safetensors", "type": "file", "size": 10},
                    {"name": "model-00002.safetensors", "type": "file", "size": 20},
                ]},
                {"name": "README.md", "type": "file", "size": 5},
            ])
        );
        let none = model_addition(&manifest(json!([])), "FILES", |_| None).expect("a list");
        assert_eq!(none.content, b"null");
        for clash in [
            json!([doc_layer("a", "d", "x", 1), doc_layer("a/", "d", "y", 0)]),
            json!([doc_layer("a", "d", "x", 1), doc_layer("a/b", "d", "y", 1)]),
        ] {
            let refused =
                model_addition(&manifest(clash), "FILES", |_| None).expect_err("a conflict");
            assert_eq!(refused.status.as_u16(), 500);
        }
    }

    #[test]
    fn the_readme_and_license_come_from_their_documentation_layers() {
        let mut tar = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(7);
        header.set_cksum();
        tar.append_data(&mut header, "README.md", &b"# model"[..])
            .expect("appends");
        let tarred = bytes::Bytes::from(tar.into_inner().expect("writes"));
        let m = manifest(json!([
            doc_layer("README.md", DOC_TYPES[0], "readme", tarred.len() as u64),
            doc_layer("LICENSE", DOC_TYPES[1], "license", 10),
        ]));
        let blob = |digest: &str| match digest {
            "readme" => Some(tarred.clone()),
            "license" => Some(bytes::Bytes::from_static(b"Apache-2.0")),
            _ => None,
        };
        let readme = model_addition(&m, "README.MD", blob).expect("a readme");
        assert_eq!(
            (readme.content_type, readme.content.as_slice()),
            ("text/markdown; charset=utf-8", &b"# model"[..])
        );
        let license = model_addition(&m, "LICENSE", blob).expect("a license");
        assert_eq!(
            (license.content_type, license.content.as_slice()),
            ("text/plain; charset=utf-8", &b"Apache-2.0"[..])
        );
        let missing = model_addition(&manifest(json!([])), "LICENSE", blob).expect_err("no layer");
        assert_eq!(
            (missing.status.as_u16(), missing.message.as_str()),
            (404, "resource not found: license layer not found")
        );
        let big = manifest(json!([doc_layer(
            "README",
            DOC_TYPES[1],
            "readme",
            FILE_SIZE_LIMIT + 1
        )]));
        let refused = model_addition(&big, "README.MD", blob).expect_err("too large");
        assert_eq!(
            (refused.status.as_u16(), refused.code),
            (413, "REQUEST_ENTITY_TOO_LARGE")
        );
        let other = model_addition(&m, "BUILD_HISTORY", blob).expect_err("unknown");
        assert_eq!(
            other.message,
            "addition BUILD_HISTORY isn't supported for CNAI"
        );
    }
}
