use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

// A `&mut` argument can be lent to one attempt at a time.
#[retry(max_tries = 3, hedge_delay = 0.1)]
async fn fill(buffer: &mut Vec<u8>) -> Result<usize, MyError> {
    buffer.push(1);
    Ok(buffer.len())
}

// A `mut` argument shared instead of cloned (`no_clone`) would be mutated by every attempt.
#[retry(max_tries = 3, hedge_delay = 0.1, no_clone = [batch])]
async fn send(mut batch: Vec<u8>) -> Result<usize, MyError> {
    batch.push(1);
    Ok(batch.len())
}

fn main() {}
