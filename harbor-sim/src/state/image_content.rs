//! The content of the images the simulator makes itself (the demo seed,
//! [`SimHandle::push_image`](crate::SimHandle::push_image), the children of
//! [`SimHandle::push_image_index`](crate::SimHandle::push_image_index)): a real manifest, config
//! and layers, each named by the SHA-256 of its bytes, so that a pull through `/v2/` gets what a
//! pull from Harbor gets and a client's digest and size checks pass.
//!
//! An image keeps the sizes the simulator has always given it (its artifact's `size`, which
//! quota and GC figures follow): the base layer is 1 KiB, shared by every image of the
//! repository built for the same OS; the manifest and the config are their JSON; an icon
//! layer ([`SimHandle::push_image_with_icon`](crate::SimHandle::push_image_with_icon)) is the
//! icon's bytes; the top layer is the rest. Each layer is a gzip file of a tar holding one small file (the base names its
//! repository and OS, the top layer the content it was made from and a random nonce, so two
//! pushes never share a digest, as two builds do not). The top layer's deflate stream is made
//! of stored blocks (a compressor's set-up costs more than copying its few KiB); the base's tar
//! does not fit 1 KiB that way, so it is compressed, once per repository and OS. A layer is
//! brought to its exact size by the gzip header's `FEXTRA` field (RFC 1952), which every gzip
//! reader skips, and, past the field's 64 KiB, by empty gzip members after the first (readers
//! decode a multi-member file as one stream: Go's `gzip.Reader`, which Docker and containerd
//! use, by default).
//!
//! The bytes are not kept: 100,000 images of the throughput benchmark would hold gigabytes.
//! An image keeps its [`ImageRecipe`], and [`ImageRecipe::build`] makes the same bytes again
//! whenever the registry serves one of them.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, LazyLock, Mutex};

use bytes::Bytes;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use serde_json::json;

use super::blobs::{BlobRef, ManifestFamily};
use super::image_index::Platform;
use super::registry_push::ICON_ANNOTATION;
use super::registry_store::sha256_digest;

/// The base layer's size: 1 KiB.
const BASE_SIZE: usize = 1024;
/// The most bytes one gzip `FEXTRA` field holds.
const MAX_EXTRA: usize = u16::MAX as usize;

/// What an image the simulator makes is made from; [`ImageRecipe::build`] turns it into the
/// same bytes each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecipe {
    /// The repository's full name (`library/nginx`): the base layer names it.
    pub repository: String,
    /// What the image was made from, and the push's nonce: the top layer's file.
    pub text: String,
    /// The platform the config names.
    pub platform: Platform,
    /// Docker's schema 2, or OCI for an index's child.
    pub family: ManifestFamily,
    /// The artifact's size: the manifest, the config, both layers and the icon.
    pub size: i64,
    /// An icon layer, last (annotated as Harbor's icon, `SimHandle::push_image_with_icon`).
    pub icon: Option<IconLayer>,
    /// When the image was built: the config's `created` and its history's, as Go writes a
    /// time (`RFC3339Nano`, as a builder writes it).
    pub created: String,
}

/// An image's icon layer: its bytes and their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IconLayer {
    /// The icon (a GIF, PNG or JPEG).
    pub bytes: Arc<[u8]>,
    /// Its content type, the layer's media type (`image/png`).
    pub media_type: &'static str,
}

/// Which of an image's blobs a digest names; [`Part::ALL`] is their order in the manifest's
/// blob rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The manifest.
    Manifest,
    /// The image config.
    Config,
    /// The shared base layer.
    Base,
    /// The image's own top layer.
    Layer,
    /// Its icon layer, if it has one.
    Icon,
}

/// An image's bytes, as [`ImageRecipe::build`] makes them, each with its digest.
#[derive(Debug, Clone)]
pub struct ImageBytes {
    /// The manifest, the config, the base layer, the top layer and the icon if any, in
    /// [`Part::ALL`]'s order.
    parts: Vec<(Bytes, String)>,
}

impl Part {
    /// The manifest, the config, the base layer, the top layer and the icon: the order of
    /// [`ImageRecipe::blobs`] and of an image's blob rows (an image without an icon has the
    /// first four).
    pub const ALL: [Part; 5] = [
        Part::Manifest,
        Part::Config,
        Part::Base,
        Part::Layer,
        Part::Icon,
    ];
}

impl ImageBytes {
    fn of(&self, part: Part) -> &(Bytes, String) {
        &self.parts[part as usize]
    }

    /// The bytes of `part`.
    pub fn part(&self, part: Part) -> Bytes {
        self.of(part).0.clone()
    }

    /// The digest of `part`.
    pub fn digest(&self, part: Part) -> &str {
        &self.of(part).1
    }
}

impl ImageRecipe {
    /// The image's bytes; `None` when its size is too small to hold them (an image is at
    /// least 3 KiB, which always holds them).
    pub fn build(&self) -> Option<ImageBytes> {
        let base = base_layer(&self.repository, &self.platform.os)?;
        let layer_tar = tar("harbor-sim/layer", &format!("{}\n", self.text));
        let config = self.config(&base.diff_id, &sha256_digest(&layer_tar));
        let config_digest = sha256_digest(&config);
        let config = (Bytes::from(config), config_digest);
        let icon = self.icon.as_ref().map(|icon| {
            let bytes = Bytes::from_owner(Arc::clone(&icon.bytes));
            let digest = sha256_digest(&bytes);
            (bytes, digest)
        });
        let icon_size = icon.as_ref().map_or(0, |(bytes, _)| bytes.len());
        // The manifest's length depends on the top layer's size, written in decimal: it is
        // reckoned with the most digits the size can have, and the manifest padded to it with
        // trailing spaces (JSON allows them) when the size has fewer.
        let widest = self.manifest(
            &config,
            &base.gz.1,
            (self.size, &placeholder_digest()),
            icon.as_ref(),
        );
        let layer_size = usize::try_from(self.size)
            .ok()?
            .checked_sub(widest.len() + config.0.len() + BASE_SIZE + icon_size)?;
        let layer = Bytes::from(gzip_exact(&layer_tar, layer_size)?);
        let layer = (layer.clone(), sha256_digest(&layer));
        let mut manifest = self.manifest(
            &config,
            &base.gz.1,
            (layer.0.len() as i64, &layer.1),
            icon.as_ref(),
        );
        manifest.resize(widest.len(), b' ');
        let manifest_digest = sha256_digest(&manifest);
        let mut parts = vec![(manifest.into(), manifest_digest), config, base.gz, layer];
        parts.extend(icon);
        Some(ImageBytes { parts })
    }

    /// The rows of the image's blobs in Harbor's tables, in [`Part::ALL`]'s order, with the
    /// manifest's digest, or `None` as for [`Self::build`].
    pub fn blobs(&self) -> Option<(String, Vec<BlobRef>)> {
        let bytes = self.build()?;
        let rows: Vec<BlobRef> = Part::ALL
            .into_iter()
            .take(bytes.parts.len())
            .map(|part| {
                let (content, digest) = bytes.of(part);
                BlobRef {
                    digest: digest.clone(),
                    size: content.len() as i64,
                    media_type: self.media_type(part).into(),
                }
            })
            .collect();
        Some((bytes.digest(Part::Manifest).to_owned(), rows))
    }

    /// The media type of `part`: the family's, a Windows base layer's for a Windows image.
    pub fn media_type(&self, part: Part) -> &'static str {
        let family = self.family;
        match part {
            Part::Manifest => family.manifest(),
            Part::Config => family.config(),
            Part::Base if self.platform.os == "windows" => family.windows_base_layer(),
            Part::Base | Part::Layer => family.layer(),
            Part::Icon => self.icon.as_ref().map_or("", |icon| icon.media_type),
        }
    }

    /// The image config: the platform, when it was built, an empty `config`, the history of
    /// its two layers and their uncompressed digests.
    fn config(&self, base_diff: &str, layer_diff: &str) -> Vec<u8> {
        let mut config = self.config_document();
        config["rootfs"] = json!({"type": "layers", "diff_ids": [base_diff, layer_diff]});
        config.to_string().into_bytes()
    }

    /// The image config without its `rootfs` (the layers' digests, which only a pull needs):
    /// what Harbor's image processor reads for an artifact's `extra_attrs` and its build
    /// history, without making the layers.
    pub fn config_document(&self) -> serde_json::Value {
        let step = |created_by: &str| json!({"created": self.created, "created_by": created_by});
        let mut config = json!({
            "architecture": self.platform.architecture,
            "os": self.platform.os,
            "created": self.created,
            "config": {},
            "history": [
                step("ADD harbor-sim/base /harbor-sim/base"),
                step("COPY harbor-sim/layer /harbor-sim/layer"),
            ],
        });
        if !self.platform.variant.is_empty() {
            config["variant"] = json!(self.platform.variant);
        }
        config
    }

    /// The manifest naming `config` (with its digest), the base layer (its digest), the top
    /// layer (`(size, digest)`) and the icon layer if any (with its digest), annotated as
    /// Harbor's `v1alpha1` parser looks for it.
    fn manifest(
        &self,
        config: &(Bytes, String),
        base_digest: &str,
        layer: (i64, &str),
        icon: Option<&(Bytes, String)>,
    ) -> Vec<u8> {
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": self.media_type(Part::Manifest),
            "config": {
                "mediaType": self.media_type(Part::Config),
                "size": config.0.len(),
                "digest": config.1,
            },
            "layers": [
                {"mediaType": self.media_type(Part::Base), "size": BASE_SIZE, "digest": base_digest},
                {"mediaType": self.media_type(Part::Layer), "size": layer.0, "digest": layer.1},
            ],
        });
        if let (Some((bytes, digest)), Some(layers)) = (icon, manifest["layers"].as_array_mut()) {
            layers.push(json!({
                "mediaType": self.media_type(Part::Icon),
                "size": bytes.len(),
                "digest": digest,
                "annotations": {ICON_ANNOTATION: ""},
            }));
        }
        manifest.to_string().into_bytes()
    }
}

/// A repository's base layer for one OS: its compressed bytes with their digest, and the digest
/// of its tar (the config's `diff_id`).
#[derive(Clone)]
struct BaseLayer {
    gz: (Bytes, String),
    diff_id: String,
}

/// The base layer of `repository`'s images built for `os`. Made once per repository and OS: it
/// is the same for all of them, and the only layer that needs a compressor (its tar does not
/// fit 1 KiB uncompressed).
fn base_layer(repository: &str, os: &str) -> Option<BaseLayer> {
    static MADE: LazyLock<Mutex<HashMap<(String, String), BaseLayer>>> =
        LazyLock::new(Mutex::default);
    let key = (repository.to_owned(), os.to_owned());
    if let Some(made) = MADE.lock().ok()?.get(&key) {
        return Some(made.clone());
    }
    let tar = tar("harbor-sim/base", &format!("{repository} {os}\n"));
    let gz = Bytes::from(gzip_exact(&tar, BASE_SIZE)?);
    let base = BaseLayer {
        gz: (gz.clone(), sha256_digest(&gz)),
        diff_id: sha256_digest(&tar),
    };
    let mut made = MADE.lock().ok()?;
    // A bound on what the memo holds (a long-lived simulator making images in ever new
    // repositories): past it, it starts again.
    if made.len() >= 4096 {
        made.clear();
    }
    made.insert(key, base.clone());
    Some(base)
}

/// A digest's width, for reckoning a manifest's length before the digest is known.
fn placeholder_digest() -> String {
    format!("sha256:{}", "0".repeat(64))
}

/// A POSIX (ustar) tar archive holding one regular file `name` with `text`, ended by the two
/// zero blocks of the format.
fn tar(name: &str, text: &str) -> Vec<u8> {
    let mut header = [0u8; 512];
    let mut field = |offset: usize, value: &[u8]| {
        header[offset..offset + value.len()].copy_from_slice(value);
    };
    field(0, &name.as_bytes()[..name.len().min(100)]);
    field(100, b"0000644\0");
    field(108, b"0000000\0");
    field(116, b"0000000\0");
    field(124, format!("{:011o}\0", text.len()).as_bytes());
    field(136, b"00000000000\0");
    field(148, b"        ");
    field(156, b"0");
    field(257, b"ustar\0");
    field(263, b"00");
    field(265, b"root");
    field(297, b"root");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut archive = header.to_vec();
    archive.extend_from_slice(text.as_bytes());
    archive.resize(archive.len().div_ceil(512) * 512 + 1024, 0);
    archive
}

/// The gzip header's fixed part: magic, deflate, the flags given, no time, no extra flags,
/// "unknown" OS.
fn gzip_header(flags: u8) -> [u8; 10] {
    [0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255]
}

/// The `FEXTRA` field of `len` bytes (its `XLEN` first): one subfield (`SI1 SI2 LEN`, RFC 1952)
/// of zeros when it has room for one, else zeros.
fn extra_field(len: usize) -> Vec<u8> {
    let mut field = Vec::with_capacity(2 + len);
    field.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_le_bytes());
    field.resize(2 + len, 0);
    if len >= 4 {
        let sub = u16::try_from(len - 4).unwrap_or(u16::MAX).to_le_bytes();
        field[2..6].copy_from_slice(&[b'H', b'S', sub[0], sub[1]]);
    }
    field
}

/// The size of [`stored_member`]`(data, extra)` for `data` of `len` bytes.
fn stored_member_size(len: usize, extra: Option<usize>) -> usize {
    let blocks = len.div_ceil(MAX_EXTRA).max(1);
    10 + extra.map_or(0, |x| 2 + x) + 5 * blocks + len + 8
}

/// One gzip member of `data` in stored (uncompressed) deflate blocks, with an `FEXTRA` field
/// of `extra` bytes when asked. Written here rather than by a compressor: a compressor's
/// tables cost more to set up than the few KiB an image's layer holds cost to copy.
fn stored_member(data: &[u8], extra: Option<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored_member_size(data.len(), extra));
    out.extend_from_slice(&gzip_header(if extra.is_some() { 4 } else { 0 }));
    if let Some(len) = extra {
        out.extend(extra_field(len));
    }
    let mut blocks = data.chunks(MAX_EXTRA).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.push(u8::from(blocks.peek().is_none()));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// `data` compressed as one gzip member's deflate stream, with the member's trailer: for a
/// layer whose tar does not fit its size uncompressed.
struct Compressed {
    deflate: Vec<u8>,
    trailer: [u8; 8],
}

impl Compressed {
    fn new(data: &[u8]) -> Self {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        // Writing to a `Vec` cannot fail.
        let _ = encoder.write_all(data);
        let mut crc = Crc::new();
        crc.update(data);
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&(data.len() as u32).to_le_bytes());
        Compressed {
            deflate: encoder.finish().unwrap_or_default(),
            trailer,
        }
    }

    /// The member, with an `FEXTRA` field of `extra` bytes when asked.
    fn member(&self, extra: Option<usize>) -> Vec<u8> {
        let mut out = gzip_header(if extra.is_some() { 4 } else { 0 }).to_vec();
        // Level 9: "maximum compression" in the extra flags, as gzip writes it.
        out[8] = 2;
        if let Some(len) = extra {
            out.extend(extra_field(len));
        }
        out.extend_from_slice(&self.deflate);
        out.extend_from_slice(&self.trailer);
        out
    }
}

/// `data` gzip-compressed into exactly `size` bytes (see the module docs), or `None` when it
/// does not fit or 1 byte would be left over (an `FEXTRA` field takes at least 2). Stored
/// blocks when they fit, compressed ones when not.
fn gzip_exact(data: &[u8], size: usize) -> Option<Vec<u8>> {
    let stored = stored_member_size(data.len(), None);
    if size == stored || size >= stored + 2 {
        return pad_to(size, stored, |extra| stored_member(data, extra));
    }
    let compressed = Compressed::new(data);
    pad_to(size, compressed.member(None).len(), |extra| {
        compressed.member(extra)
    })
}

/// The member `first` makes, whose size is `plain` without an `FEXTRA` field, brought to
/// `size`: its field takes what it can, empty members after it the rest.
fn pad_to(size: usize, plain: usize, first: impl Fn(Option<usize>) -> Vec<u8>) -> Option<Vec<u8>> {
    let mut remaining = size.checked_sub(plain)?;
    if remaining == 0 {
        return Some(first(None));
    }
    let empty = stored_member_size(0, Some(0));
    let mut tail = Vec::new();
    // Empty members take what the first member's field cannot, leaving it at least 2.
    while remaining > 2 + MAX_EXTRA {
        let extra = MAX_EXTRA.min(remaining - empty - 2);
        tail.extend(stored_member(&[], Some(extra)));
        remaining -= empty + extra;
    }
    let mut out = first(Some(remaining.checked_sub(2)?));
    out.extend(tail);
    (out.len() == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::MultiGzDecoder;
    use std::io::Read as _;

    fn recipe(size: i64, platform: &str) -> ImageRecipe {
        ImageRecipe {
            repository: "library/nginx".into(),
            text: "nginx-1.28 5f0c".into(),
            platform: platform.parse().unwrap(),
            family: ManifestFamily::Docker,
            size,
            icon: None,
            created: "2026-12-07T17:00:00.123456789Z".into(),
        }
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        MultiGzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn an_image_has_its_size_and_its_digests_are_its_bytes() {
        for size in [3072, 4096, 13 * 1024, 200 * 1024] {
            let r = recipe(size, "linux/amd64");
            let bytes = r.build().unwrap();
            let (digest, rows) = r.blobs().unwrap();
            assert_eq!(digest, sha256_digest(&bytes.part(Part::Manifest)));
            assert_eq!(rows.iter().map(|b| b.size).sum::<i64>(), size);
            assert_eq!(rows[2].size, 1024);
            let manifest: serde_json::Value =
                serde_json::from_slice(&bytes.part(Part::Manifest)).unwrap();
            for (descriptor, row) in std::iter::once(&manifest["config"])
                .chain(manifest["layers"].as_array().unwrap())
                .zip(&rows[1..])
            {
                assert_eq!(descriptor["digest"], row.digest.as_str());
                assert_eq!(descriptor["size"], row.size);
                assert_eq!(descriptor["mediaType"], row.media_type.as_ref());
            }
            // The config names the layers by the digests of their uncompressed tars.
            let config: serde_json::Value =
                serde_json::from_slice(&bytes.part(Part::Config)).unwrap();
            let diffs = &config["rootfs"]["diff_ids"];
            assert_eq!(
                diffs[0],
                sha256_digest(&gunzip(&bytes.part(Part::Base))).as_str()
            );
            assert_eq!(
                diffs[1],
                sha256_digest(&gunzip(&bytes.part(Part::Layer))).as_str()
            );
            assert_eq!(
                (config["os"].as_str(), config["architecture"].as_str()),
                (Some("linux"), Some("amd64"))
            );
            // Built when the recipe says, one history step a layer; the rest is the
            // document the processor reads without making the layers.
            assert_eq!(config["created"], r.created.as_str());
            assert_eq!(config["history"][1]["created"], r.created.as_str());
            let mut without_layers = config.clone();
            without_layers.as_object_mut().unwrap().remove("rootfs");
            assert_eq!(without_layers, r.config_document());
        }
    }

    #[test]
    fn the_same_recipe_makes_the_same_bytes() {
        let r = recipe(10 * 1024, "linux/arm64/v8");
        let (a, b) = (r.build().unwrap(), r.build().unwrap());
        for part in [Part::Manifest, Part::Config, Part::Base, Part::Layer] {
            assert_eq!(a.part(part), b.part(part));
            assert_eq!(a.digest(part), sha256_digest(&a.part(part)));
        }
        let config: serde_json::Value = serde_json::from_slice(&a.part(Part::Config)).unwrap();
        assert_eq!(config["variant"], "v8");
    }

    #[test]
    fn the_base_layer_is_the_repositorys_and_the_oss() {
        let base = |repository: &str, platform: &str| {
            let mut r = recipe(8192, platform);
            r.repository = repository.into();
            r.text = format!("{repository} {platform}");
            sha256_digest(&r.build().unwrap().part(Part::Base))
        };
        assert_eq!(
            base("library/nginx", "linux/amd64"),
            base("library/nginx", "linux/arm64")
        );
        assert_ne!(
            base("library/nginx", "linux/amd64"),
            base("library/alpine", "linux/amd64")
        );
        assert_ne!(
            base("library/nginx", "linux/amd64"),
            base("library/nginx", "windows/amd64")
        );
    }

    #[test]
    fn a_layer_is_a_tar_holding_its_file() {
        let bytes = recipe(4096, "linux/amd64").build().unwrap();
        let tar = gunzip(&bytes.part(Part::Layer));
        assert_eq!(tar.len() % 512, 0);
        assert_eq!(&tar[..16], b"harbor-sim/layer");
        assert_eq!(&tar[257..263], b"ustar\0");
        // The header's checksum is the sum of its bytes with the field read as spaces.
        let mut header = tar[..512].to_vec();
        let recorded =
            u32::from_str_radix(std::str::from_utf8(&header[148..154]).unwrap(), 8).unwrap();
        header[148..156].fill(b' ');
        assert_eq!(recorded, header.iter().map(|&b| u32::from(b)).sum::<u32>());
        assert_eq!(&tar[512..528], b"nginx-1.28 5f0c\n");
    }

    #[test]
    fn gzip_reaches_any_size_from_its_smallest_plus_two() {
        let data = tar("f", "x");
        let stored = stored_member_size(data.len(), None);
        assert_eq!(stored_member(&data, None).len(), stored);
        assert_eq!(
            stored_member(&data, Some(9)).len(),
            stored_member_size(data.len(), Some(9))
        );
        let smallest = Compressed::new(&data).member(None).len();
        assert!(smallest < stored);
        assert!(gzip_exact(&data, smallest - 1).is_none());
        assert!(gzip_exact(&data, smallest + 1).is_none());
        for size in [
            smallest,
            smallest + 2,
            stored,
            stored + 2,
            70_000,
            65_537 + stored,
            300_000,
        ] {
            let out = gzip_exact(&data, size).unwrap();
            assert_eq!(out.len(), size);
            assert_eq!(gunzip(&out), data);
        }
        // Stored blocks hold at most 64 KiB each.
        let big = vec![7u8; 200_000];
        assert_eq!(gunzip(&stored_member(&big, None)), big);
    }
}
