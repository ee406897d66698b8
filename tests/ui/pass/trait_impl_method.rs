use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

pub trait Store {
    fn load(&self, key: &str) -> Result<String, MyError>;
    fn save(&mut self, key: &str, value: String) -> Result<(), MyError>;
}

pub struct Memory(Vec<(String, String)>);

impl Store for Memory {
    #[retry(max_tries = 2)]
    fn load(&self, key: &str) -> Result<String, MyError> {
        let found = self.0.iter().find(|(k, _)| k == key).ok_or(MyError)?;
        Ok(found.1.clone())
    }

    #[retry(max_tries = 2)]
    fn save(&mut self, key: &str, value: String) -> Result<(), MyError> {
        self.0.push((key.to_owned(), value));
        Ok(())
    }
}

fn main() {
    let mut memory = Memory(Vec::new());
    memory.save("a", "1".to_owned()).unwrap();
    assert_eq!(memory.load("a").unwrap(), "1");
}
