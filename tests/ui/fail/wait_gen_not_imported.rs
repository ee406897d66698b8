use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

// Built-in generators are imported like any item (`use retry_runtime::wait::fibo;`): a missing
// import is the compiler's ordinary error, and a user's own `fibo` is never replaced.
#[retry(wait_gen = fibo, max_value = 30)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
