use std::sync::LazyLock;

use retry_runtime::retry;
use retry_runtime::wait::constant;
use retry_runtime::RetryBudget;

#[derive(Debug, Clone)]
pub struct MyError;

static SHARED: LazyLock<RetryBudget> = LazyLock::new(|| {
    RetryBudget::builder()
        .ratio(0.0)
        .initial(2)
        .build()
        .expect("valid budget")
});

pub struct Client {
    budget: RetryBudget,
    maybe: Option<RetryBudget>,
}

impl Client {
    // A reference: no clone per call.
    #[retry(max_tries = 3, budget = &self.budget)]
    pub async fn by_ref(&self, id: u32) -> Result<u32, MyError> {
        Ok(id)
    }

    // A clone (shares the bucket).
    #[retry(budget = self.budget.clone(), on_giveup = |d| { let _ = d.reason; })]
    pub async fn by_value(&self) -> Result<(), MyError> {
        Ok(())
    }

    // An `Option` of a reference, or `&Option`.
    #[retry(budget = self.maybe.as_ref())]
    pub fn optional(&self) -> Result<(), MyError> {
        Ok(())
    }

    #[retry(budget = &self.maybe)]
    pub fn optional_ref(&self) -> Result<(), MyError> {
        Ok(())
    }
}

#[retry(budget = None)]
pub fn none() -> Result<(), MyError> {
    Ok(())
}

// A static shared by every call of the fn: two tokens, no deposits.
#[retry(max_tries = 5, wait_gen = constant, interval = 0, jitter = None, budget = &*SHARED)]
fn always_fails(attempts: &mut u32) -> Result<(), MyError> {
    *attempts += 1;
    Err(MyError)
}

fn main() {
    let client = Client {
        budget: RetryBudget::default(),
        maybe: None,
    };
    let _ = client.by_ref(1);
    let _ = client.by_value();
    client.optional().unwrap();
    client.optional_ref().unwrap();
    none().unwrap();
    let mut attempts = 0;
    assert!(always_fails(&mut attempts).is_err());
    // The two tokens are spent by the first call's retries; the second call cannot retry.
    assert!(always_fails(&mut attempts).is_err());
    assert_eq!(attempts, 3 + 1);
}
