use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

pub struct Parser<'a> {
    text: &'a str,
}

impl<'a> Parser<'a> {
    #[retry(max_tries = 2)]
    pub fn word(&self) -> Result<&'a str, MyError> {
        self.text.split(' ').next().ok_or(MyError)
    }

    #[retry(max_tries = 2)]
    pub fn longest<'b>(&self, other: &'b str) -> Result<&'b str, MyError>
    where
        'a: 'b,
    {
        Ok(if other.len() > self.text.len() { other } else { self.text })
    }
}

#[retry(max_tries = 2)]
pub async fn elided(text: &str) -> Result<&str, MyError> {
    Ok(text.trim())
}

fn main() {
    let parser = Parser { text: "a b" };
    assert_eq!(parser.word().unwrap(), "a");
    assert_eq!(parser.longest("abcd").unwrap(), "abcd");
    let _ = elided(" x ");
}
