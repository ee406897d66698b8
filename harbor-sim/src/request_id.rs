//! The `X-Request-Id` of the request being answered, for what the state records about it
//! beyond the answer (Harbor's `lib.GetXRequestID(ctx)`: the `requestid` of a CloudEvents
//! webhook payload).

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `answer` with `id` as the request's id.
pub(crate) async fn scoped<F: Future>(id: String, answer: F) -> F::Output {
    REQUEST_ID.scope(id, answer).await
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
    }
}
