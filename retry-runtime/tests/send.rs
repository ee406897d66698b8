//! Static checks: futures are `Send` when the operation's are, even with a `!Send` error type
//! (the error is dropped before the sleep), and the shared types are `Send + Sync`.

use std::rc::Rc;

use retry_runtime::{Details, Policy, RetrySettings, retry_async};

fn assert_send<F: Send>(_: &F) {}

async fn op() -> Result<u32, String> {
    Ok(1)
}

#[test]
fn retry_async_futures_are_send() {
    let policy = Policy::<u32, String>::new()
        .max_tries(3)
        .on_backoff(|d: &Details<'_, String>| assert!(d.tries > 0));
    assert_send(&retry_async(policy, op));
    let settings = RetrySettings::<String>::builder().build().unwrap();
    assert_send(&retry_async(&settings, op));
    assert_send(&retry_async(Some(settings), op));
}

#[test]
fn a_non_send_error_is_not_held_across_the_sleep() {
    // The error is `!Send`, but it never lives across an await: the future stays `Send`.
    let future = retry_async(Policy::new().max_tries(2), || async {
        tokio::task::yield_now().await;
        Err::<u32, Rc<str>>(Rc::from("no"))
    });
    assert_send(&future);
}

#[test]
fn engine_and_settings_are_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RetrySettings<String>>();
    assert_send_sync::<retry_runtime::RetrySettingsBuilder<String>>();
    fn engine_is_send<E: Send>(_: &E) {}
    let engine = Policy::<u32, String>::new().max_time(3).start("t");
    engine_is_send(&engine);
}
