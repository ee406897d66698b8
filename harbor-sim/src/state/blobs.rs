//! The registry's blobs, as Harbor's `blob` table and its associations keep them
//! (`src/pkg/blob/`): every manifest, config and layer pushed, each digest once.
//!
//! What follows from them, each as Harbor does it:
//! - an artifact references its blobs (`artifact_blob`): an image its manifest, config and
//!   layers, an index its manifest and its children's manifests;
//! - a project's quota usage is the size of the blobs its artifacts reference, each once
//!   (`project_blob`, `CalculateTotalSizeByProject`), so images of a repository that share
//!   a base layer store it once; deleting an artifact drops its blobs from its project
//!   (`CleanupAssociationsForProject`) but not from the storage;
//! - the storage used (`GET /statistics`) is every blob's size once, whatever references it
//!   (`SumBlobsSize`), until garbage collection removes the blobs no project references
//!   and that were pushed more than its time window ago (`GetBlobsNotRefedByProjectBlob`);
//! - a Docker foreign layer (a Windows base image's) is listed by the manifest but not
//!   stored: its size counts in the artifact's `size` but neither in the quota nor in the
//!   storage (`excludeForeignLayer`). An OCI non-distributable layer is not excluded:
//!   Harbor's filter names only Docker's media type.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::image_index::Platform;
use super::jobs::clock;

/// Docker's foreign layer (`schema2.MediaTypeForeignLayer`), the one type Harbor's sums
/// leave out.
pub const FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// The manifest media types Harbor's GC counts as manifests (`Blob.IsManifest`).
const MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
];

/// How old an unreferenced blob must be before GC removes it: Harbor's `time_window`,
/// which protects the blobs of a push under way. Harbor's core reads it from
/// `GC_TIME_WINDOW_HOURS` (`config.GetGCTimeWindow`), 2 hours unless set; Harbor's own API
/// tests run with 0 (`tests/ci/api_common_install.sh`). Set through `PUT /_sim/gc-time-window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GcTimeWindow {
    /// The window in whole hours, as Harbor's job parameter `time_window` gives it.
    pub hours: u64,
}

impl Default for GcTimeWindow {
    fn default() -> Self {
        GcTimeWindow { hours: 2 }
    }
}

impl GcTimeWindow {
    /// The window as a duration.
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.hours.saturating_mul(3600))
    }
}

/// The manifest family an image is pushed in, which names its blobs' media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFamily {
    /// `docker push` of a single image: Docker's schema 2.
    Docker,
    /// A child of an OCI image index, as `docker buildx` pushes it.
    Oci,
}

impl ManifestFamily {
    pub(crate) fn manifest(self) -> &'static str {
        match self {
            Self::Docker => MANIFEST_TYPES[0],
            Self::Oci => MANIFEST_TYPES[2],
        }
    }

    pub(crate) fn config(self) -> &'static str {
        match self {
            Self::Docker => "application/vnd.docker.container.image.v1+json",
            Self::Oci => "application/vnd.oci.image.config.v1+json",
        }
    }

    pub(crate) fn layer(self) -> &'static str {
        match self {
            Self::Docker => "application/vnd.docker.image.rootfs.diff.tar.gzip",
            Self::Oci => "application/vnd.oci.image.layer.v1.tar+gzip",
        }
    }

    /// A Windows base layer, which Microsoft's licence keeps out of other registries.
    pub(crate) fn windows_base_layer(self) -> &'static str {
        match self {
            Self::Docker => FOREIGN_LAYER,
            Self::Oci => "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        }
    }
}

/// One blob an artifact references (a row of `artifact_blob`, with the blob's size and type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// `sha256:...`
    pub digest: String,
    /// Bytes.
    pub size: i64,
    /// Its media type (`content_type` in Harbor's table): the simulator's own pushes name
    /// fixed types, a push through the registry (`/v2/`) the manifest's.
    pub media_type: Cow<'static, str>,
}

impl BlobRef {
    /// Whether Harbor's storage and quota sums leave it out (`excludeForeignLayer`).
    pub fn is_foreign(&self) -> bool {
        is_foreign(&self.media_type)
    }

    /// Whether GC counts it as a manifest rather than a blob (`Blob.IsManifest`).
    pub fn is_manifest(&self) -> bool {
        is_manifest(&self.media_type)
    }
}

/// Whether a blob of `media_type` is left out of Harbor's sums (`excludeForeignLayer`).
fn is_foreign(media_type: &str) -> bool {
    media_type == FOREIGN_LAYER
}

/// Whether GC counts a blob of `media_type` as a manifest (`Blob.IsManifest`).
fn is_manifest(media_type: &str) -> bool {
    MANIFEST_TYPES.contains(&media_type)
}

/// A blob of the storage: its size and type, and when it was pushed (GC's time window).
#[derive(Debug, Clone)]
pub struct StoredBlob {
    /// Bytes.
    pub size: i64,
    /// Its media type.
    pub media_type: Cow<'static, str>,
    /// When it was first pushed, on tokio's clock.
    pub pushed: Instant,
}

/// What a GC run removed, or would remove on a dry run: the figures Harbor's GC job checks
/// in (`saveGCRes`) and the execution keeps in its `extra_attrs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Freed {
    /// The bytes freed, foreign layers left out (`freed_space`).
    pub size: i64,
    /// Blobs other than manifests (`purged_blobs`).
    pub blobs: i64,
    /// Manifests (`purged_manifests`).
    pub manifests: i64,
}

/// Harbor's `blob` table: every blob pushed, by digest.
#[derive(Debug, Clone, Default)]
pub struct Blobs {
    rows: HashMap<String, StoredBlob>,
    /// Keys the digests of blobs shared between pushes, so one simulator names the same
    /// layer the same way each time (different simulators differ, as `fake_digest` does).
    keys: RandomState,
}

impl Blobs {
    /// Records each blob of a push; a blob already stored keeps its first push time.
    pub fn store(&mut self, blobs: &[BlobRef]) {
        let now = clock();
        for b in blobs {
            self.rows
                .entry(b.digest.clone())
                .or_insert_with(|| StoredBlob {
                    size: b.size,
                    media_type: b.media_type.clone(),
                    pushed: now,
                });
        }
    }

    /// The blob with `digest`.
    pub fn get(&self, digest: &str) -> Option<&StoredBlob> {
        self.rows.get(digest)
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no blob is stored.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The bytes stored: each blob once, foreign layers left out (`SumBlobsSize(ctx, true)`).
    pub fn total_size(&self) -> i64 {
        self.rows
            .values()
            .filter(|b| !is_foreign(&b.media_type))
            .map(|b| b.size)
            .sum()
    }

    /// Removes (unless `dry_run`) the blobs `is_referenced` rejects that were pushed at least
    /// `window` ago, and counts them as Harbor's GC does; with the digests of those blobs
    /// (removed, or on a dry run the ones that would be), in digest order.
    pub fn sweep(
        &mut self,
        is_referenced: impl Fn(&str) -> bool,
        window: GcTimeWindow,
        dry_run: bool,
    ) -> (Freed, Vec<String>) {
        let now = clock();
        let window = window.duration();
        let doomed = |digest: &str, b: &StoredBlob| {
            now.saturating_duration_since(b.pushed) >= window && !is_referenced(digest)
        };
        let mut freed = Freed::default();
        for b in self
            .rows
            .iter()
            .filter(|(d, b)| doomed(d, b))
            .map(|(_, b)| b)
        {
            if is_manifest(&b.media_type) {
                freed.manifests += 1;
            } else {
                freed.blobs += 1;
            }
            if !is_foreign(&b.media_type) {
                freed.size += b.size;
            }
        }
        let mut eligible: Vec<String> = self
            .rows
            .iter()
            .filter(|(d, b)| doomed(d, b))
            .map(|(d, _)| d.clone())
            .collect();
        eligible.sort();
        if !dry_run {
            self.rows.retain(|d, b| !doomed(d, b));
        }
        (freed, eligible)
    }

    /// A digest for `seed`, the same for the same seed within this table.
    fn shared_digest(&self, seed: &str) -> String {
        let parts: Vec<String> = (0..4u8)
            .map(|i| format!("{:016x}", self.keys.hash_one((seed, i))))
            .collect();
        format!("sha256:{}", parts.concat())
    }

    /// The blobs of an image of `size` bytes pushed to `repository` (its full name) with
    /// the manifest `digest`: the manifest (512 bytes), its config (512), the repository's
    /// base layer for the platform's OS (1 KiB, shared by every image of the repository
    /// built for that OS) and its own top layer (the rest; `size` is at least 3 KiB).
    pub fn image(
        &self,
        repository: &str,
        digest: &str,
        size: i64,
        platform: &Platform,
        family: ManifestFamily,
    ) -> Arc<[BlobRef]> {
        let base_type = if platform.os == "windows" {
            family.windows_base_layer()
        } else {
            family.layer()
        };
        let blob = |digest: String, size: i64, media_type: &'static str| BlobRef {
            digest,
            size,
            media_type: Cow::Borrowed(media_type),
        };
        Arc::from(vec![
            blob(digest.to_owned(), 512, family.manifest()),
            blob(
                super::repositories::fake_digest(&format!("{digest}:config")),
                512,
                family.config(),
            ),
            blob(
                self.shared_digest(&format!("{repository}:base:{}", platform.os)),
                1024,
                base_type,
            ),
            blob(
                super::repositories::fake_digest(&format!("{digest}:layer")),
                size - 2048,
                family.layer(),
            ),
        ])
    }
}

/// Harbor's GC log line for a size (`formatSize` in `garbage_collection.go`): IEC units with
/// two decimals, truncated.
pub fn format_size(size: i64) -> String {
    const UNITS: [(f64, &str); 4] = [
        (1024.0 * 1024.0 * 1024.0 * 1024.0, "TiB"),
        (1024.0 * 1024.0 * 1024.0, "GiB"),
        (1024.0 * 1024.0, "MiB"),
        (1024.0, "KiB"),
    ];
    let v = size as f64;
    UNITS.iter().find(|(unit, _)| v >= *unit).map_or_else(
        || format!("{size} B"),
        |(unit, name)| format!("{:.2} {name}", (v / unit * 100.0).trunc() / 100.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows() -> Platform {
        "windows/amd64".parse().unwrap()
    }

    #[test]
    fn an_image_is_its_manifest_config_shared_base_and_own_layer() {
        let blobs = Blobs::default();
        let a = blobs.image(
            "library/app",
            "sha256:a",
            5120,
            &Platform::default(),
            ManifestFamily::Docker,
        );
        let b = blobs.image(
            "library/app",
            "sha256:b",
            4096,
            &Platform::default(),
            ManifestFamily::Docker,
        );
        assert_eq!(a.iter().map(|b| b.size).sum::<i64>(), 5120);
        assert_eq!(a[0].digest, "sha256:a");
        assert!(a[0].is_manifest() && !a[1].is_manifest());
        assert_eq!(a[2], b[2], "one base layer per repository and OS");
        assert_ne!(a[3].digest, b[3].digest);
        let other = blobs.image(
            "library/web",
            "sha256:c",
            4096,
            &Platform::default(),
            ManifestFamily::Docker,
        );
        assert_ne!(a[2].digest, other[2].digest);
        let win = blobs.image(
            "library/app",
            "sha256:d",
            4096,
            &windows(),
            ManifestFamily::Docker,
        );
        assert_ne!(win[2].digest, a[2].digest);
        assert!(win[2].is_foreign());
        let oci = blobs.image(
            "library/app",
            "sha256:e",
            4096,
            &windows(),
            ManifestFamily::Oci,
        );
        assert!(!oci[2].is_foreign(), "Harbor leaves out Docker's type only");
    }

    #[test]
    fn the_storage_counts_each_blob_once_and_no_foreign_layer() {
        let mut blobs = Blobs::default();
        let a = blobs.image(
            "p/r",
            "sha256:a",
            4096,
            &Platform::default(),
            ManifestFamily::Docker,
        );
        let b = blobs.image(
            "p/r",
            "sha256:b",
            4096,
            &Platform::default(),
            ManifestFamily::Docker,
        );
        let w = blobs.image("p/r", "sha256:w", 4096, &windows(), ManifestFamily::Docker);
        blobs.store(&a);
        blobs.store(&a);
        blobs.store(&b);
        blobs.store(&w);
        assert_eq!(blobs.len(), 11);
        assert_eq!(blobs.total_size(), 4096 * 3 - 1024 - 1024);
    }

    #[tokio::test(start_paused = true)]
    async fn gc_sweeps_unreferenced_blobs_older_than_its_window() {
        let mut blobs = Blobs::default();
        let a = blobs.image("p/r", "sha256:a", 4096, &windows(), ManifestFamily::Docker);
        blobs.store(&a);
        let kept = a[1].digest.clone();
        let referenced = |d: &str| d == kept;
        assert_eq!(
            blobs.sweep(referenced, GcTimeWindow::default(), false).0,
            Freed::default()
        );
        tokio::time::advance(GcTimeWindow::default().duration() - Duration::from_millis(1)).await;
        assert_eq!(
            blobs.sweep(referenced, GcTimeWindow::default(), false).0,
            Freed::default()
        );
        tokio::time::advance(Duration::from_millis(1)).await;
        let (estimate, eligible) = blobs.sweep(referenced, GcTimeWindow::default(), true);
        assert_eq!(eligible.len(), 3, "a dry run names what it would remove");
        let expected = Freed {
            size: 512 + 2048,
            blobs: 2,
            manifests: 1,
        };
        assert_eq!(
            estimate, expected,
            "the foreign layer is counted, not its size"
        );
        assert_eq!(blobs.len(), 4, "a dry run removes nothing");
        let (freed, removed) = blobs.sweep(referenced, GcTimeWindow::default(), false);
        assert_eq!(freed, expected);
        assert_eq!(removed, eligible);
        assert_eq!(blobs.len(), 1);
        assert!(blobs.get(&kept).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_of_zero_hours_takes_a_blob_pushed_just_now() {
        let mut blobs = Blobs::default();
        let a = blobs.image("p/r", "sha256:a", 4096, &windows(), ManifestFamily::Docker);
        blobs.store(&a);
        let (freed, removed) = blobs.sweep(|_| false, GcTimeWindow { hours: 0 }, false);
        assert_eq!(removed.len(), a.len());
        assert_eq!(freed.manifests, 1);
        assert!(blobs.is_empty());
    }

    #[test]
    fn sizes_read_as_harbors_gc_log_writes_them() {
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1.00 KiB");
        assert_eq!(format_size(1535), "1.49 KiB");
        assert_eq!(format_size(3 * 1024 * 1024 - 1), "2.99 MiB");
        assert_eq!(format_size(5 << 30), "5.00 GiB");
        assert_eq!(format_size(1 << 40), "1.00 TiB");
    }
}
