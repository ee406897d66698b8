//! A garbage collection as Harbor's GC job carries it out
//! (`src/jobservice/job/impl/gc/garbage_collection.go`): the untagged artifacts deleted when
//! asked, then the mark and sweep of unreferenced blobs older than the time window, each step
//! logged. It runs when its job runs ([`super::job_work`]), on the state as it is then.

use super::SimState;
use super::blobs::{Freed, GcTimeWindow, format_size};

/// A GC job's parameters, as the GC controller hands them to the job service (`Start` in
/// `src/controller/gc/controller.go`): the time window is the core's setting at the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GcJob {
    /// `delete_untagged`: remove the artifacts without a tag first.
    pub(crate) delete_untagged: bool,
    /// `dry_run`: log and count, remove nothing.
    pub(crate) dry_run: bool,
    /// `workers`, as asked (the log shows at least 1).
    pub(crate) workers: i64,
    /// `time_window`: how old an unreferenced blob must be to go.
    pub(crate) time_window: GcTimeWindow,
}

impl SimState {
    /// Runs a GC and writes its log as Harbor's `GarbageCollector` writes it
    /// (`src/jobservice/job/impl/gc/garbage_collection.go`: `init`, `Run`, `deletedArt`, `mark`,
    /// `sweep`, `cleanCache`), one message a line; with what it freed (or would free).
    pub(crate) fn run_gc(&mut self, job: GcJob) -> (String, Freed) {
        let GcJob {
            delete_untagged,
            dry_run,
            workers,
            time_window,
        } = job;
        // `init`: a worker count below 1 is 1.
        let mut lines = vec![
            format!(
                "Garbage Collection parameters: [delete_untagged: {delete_untagged}, delete_tag: false, dry_run: {dry_run}, time_window: {}, workers: {}]",
                time_window.hours,
                workers.max(1)
            ),
            "start to run gc in job.".to_owned(),
        ];
        let untagged = self.collect_garbage(delete_untagged, dry_run);
        if delete_untagged {
            lines.push(
                "start to delete untagged artifact (no actually deletion for dry-run mode)".into(),
            );
            lines.extend(untagged);
            lines.push(
                "end to delete untagged artifact (no actually deletion for dry-run mode)".into(),
            );
        }
        let (freed, eligible) = self.sweep_blobs(time_window, dry_run);
        if eligible.is_empty() {
            lines.push("no need to execute GC as there is no non referenced artifacts.".into());
        } else {
            lines.extend(
                eligible
                    .iter()
                    .map(|d| format!("blob eligible for deletion: {d}")),
            );
            lines.push(format!(
                "{} blobs and {} manifests eligible for deletion",
                freed.blobs, freed.manifests
            ));
            lines.push(format!(
                "The GC could free up {} space, the size is a rough estimation.",
                format_size(freed.size)
            ));
        }
        if !dry_run {
            // The sweep deletes what the mark found (nothing when it found nothing).
            lines.push(format!(
                "{} blobs and {} manifests are actually deleted",
                freed.blobs, freed.manifests
            ));
            lines.push(format!(
                "The GC job actual frees up {} space.",
                format_size(freed.size)
            ));
            lines.push("cache clean up completed".into());
        }
        lines.push("success to run gc in job.".into());
        (lines.join("\n"), freed)
    }
}
