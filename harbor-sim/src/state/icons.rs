//! Artifacts' own icons: an image whose manifest has a layer annotated
//! `io.goharbor.artifact.v1alpha1.icon` gets that layer's digest as its icon
//! (`src/controller/artifact/annotation/v1alpha1.go` `parseV1alpha1Icon`), and
//! `GET /icons/{digest}` answers its thumbnail (`src/controller/icon/controller.go`; the
//! simulator's `thumbnail.rs` ports nfnt/resize's).

use std::sync::Arc;

use super::SimState;
use crate::errors::{ApiError, ApiResult};

/// The digest of Harbor's built-in image icon (`icon.DigestOfIconImage`), every image's
/// icon unless it carries its own.
pub const IMAGE_ICON: &str =
    "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06";

/// Go's `http.DetectContentType` for the signatures an icon may meet: the image formats,
/// a few binary formats, then text (no control bytes but tab, newline, form feed, carriage
/// return and escape) or `application/octet-stream`. Go knows more signatures (HTML, XML,
/// media, fonts), each of which would be refused as any other non-image.
pub fn detect_content_type(data: &[u8]) -> &'static str {
    let data = &data[..data.len().min(512)];
    let starts = |prefix: &[u8]| data.starts_with(prefix);
    let signatures: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"%!PS-Adobe-", "application/postscript"),
        (b"\xFE\xFF", "text/plain; charset=utf-16be"),
        (b"\xFF\xFE", "text/plain; charset=utf-16le"),
        (b"\xEF\xBB\xBF", "text/plain; charset=utf-8"),
        (b"\x00\x00\x01\x00", "image/x-icon"),
        (b"\x00\x00\x02\x00", "image/x-icon"),
        (b"BM", "image/bmp"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
        (b"\xFF\xD8\xFF", "image/jpeg"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1F\x8B\x08", "application/x-gzip"),
        (b"\x00asm", "application/wasm"),
    ];
    if let Some((_, kind)) = signatures.iter().find(|(prefix, _)| starts(prefix)) {
        return kind;
    }
    if data.len() >= 14 && &data[..4] == b"RIFF" && &data[8..14] == b"WEBPVP" {
        return "image/webp";
    }
    let binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F);
    if data.iter().any(binary) {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

impl SimState {
    /// What a push of `project/repository:tag` whose manifest has an icon layer of `icon`
    /// does: Harbor reads the layer's first MiB and refuses any content type but GIF, PNG
    /// and JPEG (400 `unsupported content type: <type>`, the push fails); else the image is
    /// stored with the layer's digest as its icon. Returns the image's digest.
    pub fn push_with_icon(
        &mut self,
        project: &str,
        repository: &str,
        tag: &str,
        icon: &[u8],
    ) -> ApiResult<String> {
        // `io.LimitReader(icon, 1<<20)`: a larger icon is read in part, not refused.
        let kind = detect_content_type(&icon[..icon.len().min(1 << 20)]);
        if !matches!(kind, "image/gif" | "image/png" | "image/jpeg") {
            return Err(ApiError::bad_request(format!(
                "unsupported content type: {kind}"
            )));
        }
        // The same bytes are the same blob.
        let digest = super::registry_store::sha256_digest(icon);
        let bytes: Arc<[u8]> = Arc::from(icon);
        self.icon_blobs
            .entry(digest.clone())
            .or_insert_with(|| Arc::clone(&bytes));
        let content = format!("{project}/{repository}:{tag}:{}", self.artifacts.len());
        // The icon is one more layer of the image, stored and counted as any other.
        let mut manifest = self.image_manifest(
            project,
            repository,
            &content,
            Default::default(),
            super::blobs::ManifestFamily::Docker,
            Some(super::image_content::IconLayer {
                bytes,
                media_type: kind,
            }),
        );
        manifest.icon = Some(digest);
        let image = manifest.digest.clone();
        let id = self.store_manifest(project, repository, Some(tag), manifest)?;
        self.record_push(&self.admin_name(), id, Some(tag));
        Ok(image)
    }

    /// The blob of an icon some artifact the artifact list shows carries as its own
    /// (`artMgr.List` by `Icon`: an index's untagged children are not listed).
    pub fn own_icon(&self, digest: &str) -> Option<Arc<[u8]>> {
        self.artifacts
            .values()
            .filter(|a| !a.is_hidden_child())
            .find(|a| a.icon.as_deref() == Some(digest))
            .and_then(|_| self.icon_blobs.get(digest).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_sniffed_as_go_sniffs_them() {
        assert_eq!(detect_content_type(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(detect_content_type(b"GIF89a...."), "image/gif");
        assert_eq!(detect_content_type(b"\xFF\xD8\xFF\xE0"), "image/jpeg");
        assert_eq!(detect_content_type(b"BM...."), "image/bmp");
        assert_eq!(detect_content_type(b"hello"), "text/plain; charset=utf-8");
        assert_eq!(detect_content_type(b"\x01\x02"), "application/octet-stream");
        assert_eq!(detect_content_type(b""), "text/plain; charset=utf-8");
        assert_eq!(
            detect_content_type(b"RIFF\x10\0\0\0WEBPVP8 ...."),
            "image/webp"
        );
        // A RIFF that is no WebP (a WAVE), and a short one, are binary.
        assert_eq!(
            detect_content_type(b"RIFF\x10\0\0\0WAVEfmt ...."),
            "application/octet-stream"
        );
        assert_eq!(
            detect_content_type(b"RIFF\x10\0\0\0WEBP"),
            "application/octet-stream"
        );
    }
}
