//! Who a `/v2/` request comes from and whether it may go on: Harbor's security middleware
//! (basic credentials, or a bearer token of its token service) and its `v2auth` middleware
//! (`src/server/middleware/v2auth/auth.go`), with the challenge it sends.
//!
//! `v2auth` checks, in this order:
//! - `/v2/` itself needs an authenticated caller;
//! - `/v2/_catalog` needs a caller who may read the catalog (a system administrator);
//! - a repository's GET or HEAD without an `Authorization` header is refused at once (so a
//!   client always meets the challenge, harbor#11271);
//! - otherwise the repository's project must exist (else a 401 with the project
//!   controller's `project x not found` and an empty challenge: every error of the check is
//!   a 401) and the caller may `pull` (GET, HEAD), `push` (POST, PATCH, PUT) or `delete` there; a
//!   blob mount needs `pull` on the source repository too.
//!
//! A refusal is a 401 with a challenge: `Basic realm="harbor"` when the request carried an
//! `Authorization` header (or asked for the catalog), else `Bearer realm=".../service/token",
//! service="harbor-registry"` with the `scope` the request needs.

use axum::http::{HeaderMap, Method, header};

use super::errors::{RegistryError, RegistryResult};
use super::token::{Grant, SERVICE, TokenService};
use crate::auth::{self, Identity};
use crate::rbac::{SecurityContext, Target};
use crate::state::SimState;

/// The caller of a `/v2/` request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Basic credentials, or none (anonymous).
    Account(Identity),
    /// A bearer token of the token service.
    Token(Grant),
}

impl Caller {
    /// The caller of a request with `headers`: a valid bearer token, else basic credentials,
    /// else anonymous.
    pub fn of(state: &SimState, tokens: &TokenService, headers: &HeaderMap) -> Caller {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if let Some((scheme, token)) = authorization.and_then(|a| a.trim().split_once(' '))
            && scheme.eq_ignore_ascii_case("bearer")
        {
            return tokens
                .verify(token.trim())
                .map_or(Caller::Account(Identity::Anonymous), Caller::Token);
        }
        Caller::Account(auth::authenticate(state, authorization))
    }

    /// Whether the caller proved who they are (a token issued to an anonymous caller did not).
    pub fn is_authenticated(&self) -> bool {
        match self {
            Caller::Account(identity) => !matches!(identity, Identity::Anonymous),
            Caller::Token(grant) => !grant.subject.is_empty(),
        }
    }

    /// The caller's name, as audit rows and events name the operator.
    pub fn username(&self, state: &SimState) -> String {
        match self {
            Caller::Account(identity) => {
                SecurityContext::new(state, identity).username().to_owned()
            }
            Caller::Token(grant) => grant.subject.clone(),
        }
    }

    /// Whether the caller may take `action` on the repositories of the project `project_id`
    /// (named `project`).
    pub fn can(&self, state: &SimState, action: &str, project: &str, project_id: i64) -> bool {
        match self {
            Caller::Account(identity) => SecurityContext::new(state, identity).can(
                action,
                Target::Project {
                    id: project_id,
                    resource: "repository",
                },
            ),
            Caller::Token(grant) => grant.allows(project, action),
        }
    }

    /// Whether the caller may list the catalog (a token never may: `IsSysAdmin` is false).
    fn can_list_catalog(&self, state: &SimState) -> bool {
        match self {
            Caller::Account(identity) => {
                SecurityContext::new(state, identity).can("read", Target::System("catalog"))
            }
            Caller::Token(_) => false,
        }
    }
}

/// What a request asks access to (`accessList`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access<'a> {
    /// `/v2/` itself.
    Login,
    /// `/v2/_catalog`.
    Catalog,
    /// A repository, for `action`, and a mount's source repository when there is one.
    Repository {
        /// The repository's full name.
        name: &'a str,
        /// `pull`, `push` or `delete`.
        action: &'static str,
        /// The source of a blob mount (`from`), which needs `pull`.
        mount_from: Option<&'a str>,
    },
}

/// The scope a repository access names in a challenge (`scopeStr`).
fn scope(name: &str, action: &str) -> String {
    let actions = match action {
        "push" => "pull,push",
        other => other,
    };
    format!("repository:{name}:{actions}")
}

/// The challenge of a refusal (`getChallenge`): `host` is the request's `Host`.
fn challenge(headers: &HeaderMap, access: &Access<'_>) -> String {
    if headers.contains_key(header::AUTHORIZATION) || *access == Access::Catalog {
        return r#"Basic realm="harbor""#.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut challenge =
        format!(r#"Bearer realm="http://{host}/service/token",service="{SERVICE}""#);
    if let Access::Repository {
        name,
        action,
        mount_from,
    } = access
    {
        let mut scopes = vec![scope(name, action)];
        scopes.extend(mount_from.map(|from| scope(from, "pull")));
        challenge.push_str(&format!(r#",scope="{}""#, scopes.join(" ")));
    }
    challenge
}

/// `v2auth`'s check of `caller` asking `access` with `method` and `headers`. Its refusal is
/// `errors.UnauthorizedError(err).WithMessage(err.Error())`, an error whose message and
/// cause are the check's: Harbor's `Error()` writes both, so every message reads twice
/// (`unauthorized to access repository: p/r, action: push: unauthorized to access
/// repository: p/r, action: push`, as `docker push` shows it).
pub fn check(
    state: &SimState,
    caller: &Caller,
    method: &Method,
    headers: &HeaderMap,
    access: &Access<'_>,
) -> RegistryResult<()> {
    check_once(state, caller, method, headers, access).map_err(|e| match e {
        RegistryError::Challenge { challenge, message } => RegistryError::Challenge {
            challenge,
            message: format!("{message}: {message}"),
        },
        other => other,
    })
}

/// The check itself, each refusal with its message once.
fn check_once(
    state: &SimState,
    caller: &Caller,
    method: &Method,
    headers: &HeaderMap,
    access: &Access<'_>,
) -> RegistryResult<()> {
    let refuse = |message: String| RegistryError::Challenge {
        challenge: challenge(headers, access),
        message,
    };
    match access {
        Access::Login if !caller.is_authenticated() => Err(refuse("unauthorized".to_owned())),
        Access::Login => Ok(()),
        Access::Catalog if !caller.can_list_catalog(state) => {
            Err(refuse("unauthorized to list catalog".to_owned()))
        }
        Access::Catalog => Ok(()),
        Access::Repository {
            name,
            action,
            mount_from,
        } => {
            if !headers.contains_key(header::AUTHORIZATION)
                && (*method == Method::GET || *method == Method::HEAD)
            {
                return Err(refuse(
                    "authorize header needed to send HEAD to repository".to_owned(),
                ));
            }
            let wanted =
                std::iter::once((*name, *action)).chain(mount_from.map(|from| (from, "pull")));
            for (name, action) in wanted {
                let project = name.split('/').next().unwrap_or_default();
                // Every error of the check is `v2auth`'s 401, with the challenge it has
                // (none for a project that is not there).
                let project_id =
                    state
                        .project_id(project, true)
                        .map_err(|e| RegistryError::Challenge {
                            challenge: String::new(),
                            message: e.message,
                        })?;
                if !caller.can(state, action, project, project_id) {
                    return Err(refuse(format!(
                        "unauthorized to access repository: {name}, action: {action}"
                    )));
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn state() -> SimState {
        crate::registry::tests::demo_state()
    }

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("h:5000"));
        if let Some(a) = authorization {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        headers
    }

    const ADMIN: &str = "Basic YWRtaW46SGFyYm9yMTIzNDU=";

    fn challenge_of(result: RegistryResult<()>) -> (String, String) {
        match result {
            Err(RegistryError::Challenge { challenge, message }) => (challenge, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_anonymous_pull_meets_the_bearer_challenge_with_its_scope() {
        let state = state();
        let anonymous = Caller::Account(Identity::Anonymous);
        let access = Access::Repository {
            name: "library/nginx",
            action: "pull",
            mount_from: None,
        };
        let (challenge, message) = challenge_of(check(
            &state,
            &anonymous,
            &Method::GET,
            &headers(None),
            &access,
        ));
        assert_eq!(
            challenge,
            r#"Bearer realm="http://h:5000/service/token",service="harbor-registry",scope="repository:library/nginx:pull""#
        );
        assert_eq!(
            message,
            "authorize header needed to send HEAD to repository: authorize header needed to send HEAD to repository"
        );
        let (challenge, _) = challenge_of(check(
            &state,
            &anonymous,
            &Method::GET,
            &headers(None),
            &Access::Login,
        ));
        assert_eq!(
            challenge,
            r#"Bearer realm="http://h:5000/service/token",service="harbor-registry""#
        );
    }

    #[test]
    fn a_push_names_pull_and_push_and_a_mount_its_source() {
        let state = state();
        let anonymous = Caller::Account(Identity::Anonymous);
        let access = Access::Repository {
            name: "library/nginx",
            action: "push",
            mount_from: Some("library/redis"),
        };
        let (challenge, message) = challenge_of(check(
            &state,
            &anonymous,
            &Method::POST,
            &headers(None),
            &access,
        ));
        assert!(challenge.ends_with(
            r#"scope="repository:library/nginx:pull,push repository:library/redis:pull""#
        ));
        assert_eq!(
            message,
            "unauthorized to access repository: library/nginx, action: push: unauthorized to access repository: library/nginx, action: push"
        );
    }

    #[test]
    fn credentials_that_fall_short_get_the_basic_challenge() {
        let state = state();
        let wrong = headers(Some("Basic YWRtaW46d3Jvbmc="));
        let caller = Caller::of(&state, &TokenService::default(), &wrong);
        let (challenge, _) =
            challenge_of(check(&state, &caller, &Method::GET, &wrong, &Access::Login));
        assert_eq!(challenge, r#"Basic realm="harbor""#);
        let admin = headers(Some(ADMIN));
        let caller = Caller::of(&state, &TokenService::default(), &admin);
        assert!(check(&state, &caller, &Method::GET, &admin, &Access::Login).is_ok());
        assert!(check(&state, &caller, &Method::GET, &admin, &Access::Catalog).is_ok());
        let missing = Access::Repository {
            name: "nope/x",
            action: "push",
            mount_from: None,
        };
        let (challenge, message) =
            challenge_of(check(&state, &caller, &Method::PUT, &admin, &missing));
        assert_eq!(
            (challenge.as_str(), message.as_str()),
            ("", "project nope not found: project nope not found")
        );
    }
}
