// A tuple of classes given to `exception` (one class) is pointed to `exceptions`.
use retry_runtime::{ErrorClass, RetrySettings};

#[derive(Debug)]
pub struct HttpError(pub u16);

pub struct ServerError;
impl ErrorClass<HttpError> for ServerError {
    fn is_instance(error: &HttpError) -> bool {
        error.0 >= 500
    }
}

pub struct TooManyRequests;
impl ErrorClass<HttpError> for TooManyRequests {
    fn is_instance(error: &HttpError) -> bool {
        error.0 == 429
    }
}

fn main() {
    let _ = RetrySettings::<HttpError>::builder().exception::<(ServerError, TooManyRequests)>();
}
