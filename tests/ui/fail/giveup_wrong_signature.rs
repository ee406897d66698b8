use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn give_up(code: u16) -> bool {
    code == 404
}

#[retry(giveup = give_up)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
