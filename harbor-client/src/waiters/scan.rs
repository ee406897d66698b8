//! Waiting for an artifact's vulnerability scan: read the artifact with its `scan_overview`
//! until the report's `scan_status` is final.
//!
//! A scan Harbor has queued but not started shows an overview whose `scan_status` is
//! `Pending` (`GenerateNativeSummary`, `src/controller/scan/`), or, as users of some Harbor
//! versions report, no overview at all or an empty one: each of these reads is `pending`,
//! waited on like any job that has not ended, never an error.

use super::outcome::ScanOutcome;
use super::poll::{Observation, Polled, poll_until_ended};
use super::status::{JobStatus, Phase};
use super::{WaitEvent, WaitOptions, watched};
use crate::client::HarborClient;
use crate::error::Error;
use crate::methods::GetArtifactParams;
use crate::models::{self, NativeReportSummary};
use futures::Stream;

/// One read of an artifact's scan.
#[derive(Debug, Clone)]
pub(crate) struct ScanRead {
    status: JobStatus,
    summary: Option<NativeReportSummary>,
}

impl Observation for ScanRead {
    fn status(&self) -> &JobStatus {
        &self.status
    }
}

impl ScanRead {
    /// The vulnerability report's summary in an artifact's overview (the first report whose
    /// MIME type names vulnerabilities, else the first), or a pending status without one.
    fn of(artifact: models::Artifact) -> Self {
        let mut overview = artifact.scan_overview.unwrap_or_default();
        let key = overview
            .keys()
            .find(|k| k.contains("vuln"))
            .or_else(|| overview.keys().next())
            .cloned();
        match key.and_then(|k| overview.remove(&k)) {
            Some(summary) => ScanRead {
                status: JobStatus::new(summary.scan_status.clone().unwrap_or_default()),
                summary: Some(summary),
            },
            None => ScanRead {
                status: JobStatus::new("Pending")
                    .with_message(Some("queued: no scan overview yet".to_owned())),
                summary: None,
            },
        }
    }
}

/// An artifact, by project, repository (`a/b` as is: the client encodes it) and reference
/// (a tag or a digest).
#[derive(Debug, Clone, Copy)]
pub struct ArtifactRef<'a> {
    /// The project's name.
    pub project: &'a str,
    /// The repository's name inside the project.
    pub repository: &'a str,
    /// A tag or a digest.
    pub reference: &'a str,
}

impl<'a> ArtifactRef<'a> {
    /// An artifact by project, repository and reference.
    pub fn new(project: &'a str, repository: &'a str, reference: &'a str) -> Self {
        ArtifactRef {
            project,
            repository,
            reference,
        }
    }
}

impl HarborClient {
    /// Waits for the vulnerability scan of `artifact` to end, reading the artifact with its
    /// scan overview as `options` say, and returns the report's summary or how the scan
    /// ended. Only errors that reading again cannot cure are returned as `Err` (a 404, a
    /// refusal); 429s, 503s and timeouts slow the polling and never end it.
    ///
    /// The scan must have been requested (see [`HarborClient::scan_and_wait`]); an artifact
    /// scanned before shows its last report at once.
    pub async fn wait_for_scan(
        &self,
        artifact: ArtifactRef<'_>,
        options: &WaitOptions,
    ) -> Result<ScanOutcome, Error> {
        self.wait_for_scan_reporting(artifact, options, &|_| {})
            .await
    }

    /// Requests a scan of `artifact` (`POST .../scan`), then waits for it as
    /// [`HarborClient::wait_for_scan`] does: a CI gate in one call.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use harbor_client::HarborClient;
    /// use harbor_client::waiters::{ArtifactRef, ScanOutcome, WaitOptions};
    ///
    /// # async fn gate(client: HarborClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let artifact = ArtifactRef::new("library", "app", "1.4.2");
    /// let options = WaitOptions::new().deadline(Duration::from_secs(900));
    /// match client.scan_and_wait(artifact, &options).await? {
    ///     ScanOutcome::Succeeded { summary, .. } => {
    ///         let counts = summary.summary.and_then(|s| s.summary).unwrap_or_default();
    ///         let critical = counts.get("Critical").copied().unwrap_or(0);
    ///         if critical > 0 {
    ///             return Err(format!("{critical} critical vulnerabilities").into());
    ///         }
    ///     }
    ///     other => return Err(format!("scan did not pass: {other:?}").into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn scan_and_wait(
        &self,
        artifact: ArtifactRef<'_>,
        options: &WaitOptions,
    ) -> Result<ScanOutcome, Error> {
        self.scan_artifact(
            artifact.project,
            artifact.repository,
            artifact.reference,
            None,
        )
        .await?;
        self.wait_for_scan(artifact, options).await
    }

    /// [`HarborClient::wait_for_scan`] as a stream: one [`WaitEvent::Changed`] per change of
    /// the scan's status (the first read included), then [`WaitEvent::Ended`].
    pub fn watch_scan<'a>(
        &'a self,
        artifact: ArtifactRef<'a>,
        options: &'a WaitOptions,
    ) -> impl Stream<Item = WaitEvent<ScanOutcome>> + Send + 'a {
        watched(move |changed| async move {
            self.wait_for_scan_reporting(artifact, options, &*changed)
                .await
        })
    }

    async fn wait_for_scan_reporting(
        &self,
        artifact: ArtifactRef<'_>,
        options: &WaitOptions,
        changed: &(dyn Fn(&ScanRead) + Send + Sync),
    ) -> Result<ScanOutcome, Error> {
        let once = self.no_retry();
        let params = GetArtifactParams {
            with_scan_overview: Some(true),
            ..GetArtifactParams::default()
        };
        let read = || async {
            let artifact = once
                .get_artifact(
                    artifact.project,
                    artifact.repository,
                    artifact.reference,
                    &params,
                )
                .await?;
            Ok(ScanRead::of(artifact))
        };
        Ok(match poll_until_ended(options, read, changed).await? {
            Polled::Ended { last, waited } => match (last.status.phase, last.summary) {
                (Phase::Succeeded, Some(summary)) => ScanOutcome::Succeeded {
                    summary: Box::new(summary),
                    waited,
                },
                (Phase::Stopped, _) => ScanOutcome::Stopped {
                    status: last.status,
                    waited,
                },
                (_, summary) => ScanOutcome::Failed {
                    status: last.status,
                    summary: summary.map(Box::new),
                    waited,
                },
            },
            Polled::DeadlinePassed {
                last,
                last_error,
                waited,
            } => ScanOutcome::DeadlinePassed {
                last: last.map(|r| r.status),
                last_error,
                waited,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn no_overview_is_a_queued_scan() {
        for overview in [None, Some(BTreeMap::new())] {
            let read = ScanRead::of(models::Artifact {
                scan_overview: overview,
                ..Default::default()
            });
            assert_eq!(read.status.phase, Phase::Pending);
            assert!(read.summary.is_none());
        }
    }

    #[test]
    fn the_vulnerability_report_is_chosen() {
        let summary = |status: &str| NativeReportSummary {
            scan_status: Some(status.into()),
            ..Default::default()
        };
        let overview = BTreeMap::from([
            ("application/a-sbom".to_owned(), summary("Running")),
            (
                "application/vnd.security.vulnerability.report; version=1.1".to_owned(),
                summary("Success"),
            ),
        ]);
        let read = ScanRead::of(models::Artifact {
            scan_overview: Some(overview),
            ..Default::default()
        });
        assert_eq!(read.status.phase, Phase::Succeeded);
    }
}
