//! Who the client is: the credentials every clone shares, changing them at run time, and
//! asking Harbor whether it accepts them. (Renewing them from a provider after a 401 is
//! `credential_refresh.rs`.)
//!
//! Harbor does not refuse wrong credentials: its basic-auth step finds no user, and the
//! request goes on as anonymous (`src/server/middleware/security/`), so public data still
//! answers 200. [`HarborClient::verify_credentials`] asks an endpoint that anonymous callers
//! cannot use and turns Harbor's 401 into [`CredentialsRejected`], naming the user.

use super::{HarborClient, HarborClientBuilder};
use crate::auth::Credentials;
use crate::error::{BuildError, CredentialsRejected, Error, StatusError};
use crate::methods::GetCurrentUserPermissionsParams;
use crate::models;
use crate::operations::{self, Operation};
use reqwest::header::HeaderValue;

/// The credentials and the `Authorization` value made from them once.
#[derive(Clone)]
pub(crate) struct Auth {
    /// `None` until the credential provider first answered (a client built with a provider
    /// and no credentials).
    pub(crate) credentials: Option<Credentials>,
    pub(crate) header: Option<HeaderValue>,
    /// Counts the changes of credentials: a call that saw generation `g` refused asks for
    /// credentials newer than `g` (`credential_refresh.rs`).
    pub(crate) generation: u64,
}

/// Who Harbor says the client is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Identity {
    /// A user account (`GET /users/current` answered).
    User(Box<models::UserResp>),
    /// Another authenticated context, e.g. a robot account: Harbor serves
    /// `GET /users/current` to local users only (412 for robots) but answers
    /// `GET /users/current/permissions` for anyone authenticated.
    Other {
        /// The username of the credentials (`None` for a pre-encoded token).
        username: Option<String>,
        /// What the account may do, as Harbor lists it.
        permissions: Vec<models::Permission>,
    },
}

impl HarborClient {
    /// The current credentials (secrets stay hidden in `Debug`); `None` for a client built
    /// with a [credential provider](HarborClientBuilder::credential_provider) and no
    /// credentials, until its first call got them.
    pub fn credentials(&self) -> Option<Credentials> {
        self.config().auth.credentials.clone()
    }

    /// Replaces the credentials for every clone of this client, from the next call on (a
    /// rotated robot secret, a refreshed token; a call already running keeps the ones it
    /// started with, unless Harbor answers 401 to them and the client has a
    /// [credential provider](HarborClientBuilder::credential_provider): then it resends with
    /// these). Invalid credentials are refused and the old ones kept.
    ///
    /// ```
    /// use harbor_client::{Credentials, HarborClient};
    ///
    /// let client = HarborClient::new("http://h", "robot$ci", "old-secret")?;
    /// let clone = client.clone();
    /// client.set_credentials(Credentials::basic("robot$ci", "new-secret"))?;
    /// assert_eq!(clone.credentials().unwrap().username(), Some("robot$ci"));
    /// assert!(client.set_credentials(Credentials::basic("a:b", "x")).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_credentials(&self, credentials: Credentials) -> Result<(), BuildError> {
        let header = credentials.header_value()?;
        self.install_credentials(credentials, header);
        Ok(())
    }

    /// Makes `credentials` (with their `header`) the client's, as a new generation; returns
    /// it.
    pub(super) fn install_credentials(&self, credentials: Credentials, header: HeaderValue) -> u64 {
        let mut generation = 0;
        self.change_config(|config| {
            generation = config.auth.generation + 1;
            config.auth = Auth {
                credentials: Some(credentials),
                header: Some(header),
                generation,
            }
        });
        generation
    }

    /// Asks Harbor who the client is, failing with [`CredentialsRejected`] (an
    /// [`Unauthorized`](crate::error::Unauthorized)) that names the user when Harbor answers
    /// as anonymous. Users are checked with `GET /users/current`; where Harbor refuses that
    /// to the caller's kind of account (robots get 412) with `GET /users/current/permissions`,
    /// which answers for any authenticated caller and 401 for anonymous ones.
    pub async fn verify_credentials(&self) -> Result<Identity, Error> {
        let username = self
            .credentials()
            .and_then(|c| c.username().map(str::to_owned));
        match self.get_current_user().await {
            Ok(user) => return Ok(Identity::User(Box::new(user))),
            Err(e) if e.status() == Some(401) => {
                return Err(rejected(e, operations::GET_CURRENT_USER, username));
            }
            Err(e) if e.status() == Some(412) => {}
            Err(e) => return Err(e),
        }
        let params = GetCurrentUserPermissionsParams::default();
        match self.get_current_user_permissions(&params).await {
            Ok(permissions) => Ok(Identity::Other {
                username,
                permissions,
            }),
            Err(e) if e.status() == Some(401) => Err(rejected(
                e,
                operations::GET_CURRENT_USER_PERMISSIONS,
                username,
            )),
            Err(e) => Err(e),
        }
    }
}

/// Harbor's 401 to an identity question, as the error that says what it means.
fn rejected(e: Error, operation: &'static Operation, user: Option<String>) -> Error {
    let request_id = match &e {
        Error::Status(s) => StatusError::request_id(s).to_owned(),
        other => other.request_id().unwrap_or_default().to_owned(),
    };
    Error::CredentialsRejected(CredentialsRejected {
        operation: operation.id,
        request_id,
        user,
    })
}

impl HarborClientBuilder {
    /// Builds the client and [verifies its credentials](HarborClient::verify_credentials)
    /// with one request, so that a wrong secret fails here instead of turning every later
    /// call anonymous.
    pub async fn build_verified(self) -> Result<HarborClient, BuildError> {
        let client = self.build()?;
        client
            .verify_credentials()
            .await
            .map_err(|e| BuildError::Verification(Box::new(e)))?;
        Ok(client)
    }
}
