use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

// Three mistakes, three errors; `fetch` itself still exists and type-checks, so its callers
// report nothing.
#[retry(max_tries = 0, max_time = -1, jiter = None)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

pub fn caller() -> Result<u32, MyError> {
    let n = fetch()?;
    Ok(n + 1)
}

fn main() {}
