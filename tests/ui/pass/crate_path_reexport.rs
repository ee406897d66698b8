#[derive(Debug, Clone)]
pub struct MyError;

// A crate that re-exports the runtime names it with `crate = path`.
mod reexported {
    pub use retry_runtime::*;
}

#[reexported::retry(crate = crate::reexported, max_tries = 2)]
pub fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {
    assert_eq!(fetch().unwrap(), 1);
}
