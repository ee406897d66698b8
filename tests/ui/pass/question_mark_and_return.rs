use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[retry(max_tries = 3, jitter = None)]
pub fn parse_pair(text: &str) -> Result<(u32, u32), std::num::ParseIntError> {
    let mut parts = text.split(',');
    let a: u32 = parts.next().unwrap_or("").parse()?;
    if a == 0 {
        return Ok((0, 0));
    }
    let b = parts.next().unwrap_or("").parse()?;
    Ok((a, b))
}

#[retry(max_tries = 3, jitter = None)]
pub async fn parse_async(text: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    if text.is_empty() {
        return Err("empty".into());
    }
    Ok(text.parse::<u32>()?)
}

fn main() {
    assert_eq!(parse_pair("1,2").unwrap(), (1, 2));
    assert_eq!(parse_pair("0").unwrap(), (0, 0));
    let _ = parse_async("1");
}
