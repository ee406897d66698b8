//! What a call's future weighs. It is made, moved into its caller's future, wrapped in the
//! call's span and task-local scope, and every layer copies the attempt's result on each
//! poll; the bytes are per-request work (BENCHMARKS.md, section 2, "The copies"). Before
//! that work, `get_project`'s future was 3,376 bytes (release) and cost the client about 7%
//! more CPU than the raw reqwest loop for the same instructions.

use harbor_client::HarborClient;

#[test]
fn a_call_future_holds_no_second_copy_of_its_request_or_its_attempt() {
    let client = HarborClient::new("http://127.0.0.1:9", "u", "p").expect("a client");
    let params = Default::default();
    let get_project = std::mem::size_of_val(&client.get_project("library", &params));
    let health = std::mem::size_of_val(&client.get_health());
    println!("get_project: {get_project} bytes, get_health: {health} bytes");
    // 1,120 bytes in a release build of Rust 1.95; the bound leaves room for the compiler,
    // not for an async fn that keeps its argument beside the future it moved it into.
    assert!(
        get_project <= 1_600,
        "get_project's future is {get_project} bytes"
    );
    assert!(health <= 1_600, "get_health's future is {health} bytes");
}
