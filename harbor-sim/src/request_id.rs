//! The `X-Request-Id` of the request being answered, for what the state records about it
//! beyond the answer (Harbor's `lib.GetXRequestID(ctx)`: the `requestid` of a CloudEvents
//! webhook payload). What a job does when it runs is the job service's, not the request's
//! during which the simulator carries it out: it gets an id of its own, as the job
//! service's status hook to the core gets one from Harbor's request-id middleware.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `answer` with `id` as the request's id.
pub(crate) async fn scoped<F: Future>(id: String, answer: F) -> F::Output {
    REQUEST_ID.scope(id, answer).await
}

/// Runs `job_work` under a fresh request id (see the module doc).
pub(crate) fn in_job_service<R>(job_work: impl FnOnce() -> R) -> R {
    REQUEST_ID.sync_scope(crate::random_id::random_uuid(), job_work)
}

/// The id of the request being answered; empty outside a request (the simulator's own
/// seeding, a unit test), as Harbor's is for a context that carries none.
pub(crate) fn current() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_is_the_scoped_requests_and_empty_outside_one() {
        assert_eq!(current(), "");
        let seen = scoped("abc".into(), async { current() }).await;
        assert_eq!(seen, "abc");
        let in_job = scoped("abc".into(), async { in_job_service(current) }).await;
        assert_ne!(in_job, "abc");
        assert_eq!(in_job.len(), 36, "a UUID: {in_job}");
    }
}
