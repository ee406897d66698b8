//! Harbor's token service (`GET /service/token`, `src/core/service/token/`): what a
//! registry client (docker, oras, crane) asks for after a `Bearer` challenge, and the bearer
//! tokens it then sends on `/v2/` requests.
//!
//! As in Harbor:
//! - the caller is who its basic credentials say (anybody else is anonymous); an anonymous
//!   request naming no scope is refused with a bare 401;
//! - each `scope` (`repository:library/nginx:pull,push`, several per parameter, separated by
//!   spaces) is answered with *every* action the caller may take on the project's
//!   repositories (`repositoryFilter`: not only those asked for), none for a project that does
//!   not exist or a name without a project; `registry:catalog:*` keeps its actions for a
//!   system administrator only; any other type gets none;
//! - the token lives `token_expiration` minutes (a configuration item, 30 by default) and the
//!   answer is `{"token", "access_token": "", "expires_in", "issued_at"}`;
//! - on `/v2/`, a token grants its actions on every repository of the project its name is in
//!   (`v2token.New` keys the access by project name); an invalid or expired token is no
//!   credential (the request is anonymous).
//!
//! The token is a JWT whose claims are Harbor's (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`,
//! `jti`, `access`); it is signed with HMAC-SHA256 under a key of this simulator (Harbor signs
//! with RS256 and its private key, which a client never checks: it only hands the token
//! back).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::rbac::{SecurityContext, Target};
use crate::state::SimState;

/// The registry's service name (`token.Registry`), the tokens' audience.
pub const SERVICE: &str = "harbor-registry";
/// The tokens' issuer (`v2.Issuer`).
const ISSUER: &str = "harbor-token-issuer";
/// How far a token's times may be off (`common.JwtLeeway`).
const LEEWAY: u64 = 60;

/// One entry of a token's `access` claim (`token.ResourceActions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceActions {
    /// `repository`, `registry`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// `library/nginx`, `catalog`.
    pub name: String,
    /// `pull`, `push`, `delete`, `*`.
    pub actions: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Vec<String>,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
    access: Vec<ResourceActions>,
}

/// What a valid bearer token says: who it was issued to and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The subject (empty for an anonymous caller's token).
    pub subject: String,
    /// Its `access` claim.
    pub access: Vec<ResourceActions>,
}

impl Grant {
    /// Whether the token grants `action` (`pull`, `push`, `delete`) on the repositories of
    /// project `project` (`v2token.tokenSecurityCtx.Can`: the access of the last entry whose
    /// name is in that project; `*` stands for the three).
    pub fn allows(&self, project: &str, action: &str) -> bool {
        self.access
            .iter()
            .rev()
            .filter(|a| a.kind == "repository")
            .find(|a| a.name.split('/').next() == Some(project))
            .is_some_and(|a| a.actions.iter().any(|x| x == action || x == "*"))
    }
}

/// Signs and checks the simulator's bearer tokens.
#[derive(Debug)]
pub(crate) struct TokenService {
    key: [u8; 32],
}

impl Default for TokenService {
    fn default() -> Self {
        Self {
            key: rand::rng().random(),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The scopes of a token request: every `scope` parameter, split at spaces
/// (`parseScopes`).
pub fn scopes(query: &[(String, String)]) -> Vec<String> {
    query
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The access a caller asks for (`GetResourceActions`): `type[:name...][:actions]`.
fn requested(scopes: &[String]) -> Vec<ResourceActions> {
    scopes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let items: Vec<&str> = s.split(':').collect();
            let (kind, name, actions) = match items.as_slice() {
                [kind] => (*kind, String::new(), Vec::new()),
                [kind, name] => (*kind, (*name).to_owned(), Vec::new()),
                [kind, middle @ .., last] => (
                    *kind,
                    middle.join(":"),
                    if last.is_empty() {
                        Vec::new()
                    } else {
                        last.split(',').map(str::to_owned).collect()
                    },
                ),
                [] => ("", String::new(), Vec::new()),
            };
            ResourceActions {
                kind: kind.to_owned(),
                name,
                actions,
            }
        })
        .collect()
}

/// The actions `caller` may take on a project's repositories, in the token's order.
fn repository_actions(caller: &SecurityContext<'_>, project_id: i64) -> Vec<String> {
    ["pull", "push", "delete"]
        .into_iter()
        .filter(|action| {
            caller.can(
                action,
                Target::Project {
                    id: project_id,
                    resource: "repository",
                },
            )
        })
        .map(str::to_owned)
        .collect()
}

/// Harbor's filters over the requested access (`filterAccess`).
fn filter(state: &SimState, caller: &SecurityContext<'_>, access: &mut [ResourceActions]) {
    for a in access {
        a.actions = match a.kind.as_str() {
            "repository" => match a.name.split_once('/') {
                // `parseImg` needs a project and a repository; the tag part goes.
                Some((project, _)) => match state.project_id(project, true) {
                    Ok(id) => repository_actions(caller, id),
                    Err(_) => Vec::new(),
                },
                None => Vec::new(),
            },
            "registry" if a.name == "catalog" && caller.is_sysadmin() => {
                std::mem::take(&mut a.actions)
            }
            _ => Vec::new(),
        };
    }
}

/// Why the token service refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// 400 `Unable to handle service: <service>` (beego's `CustomAbort`, text).
    UnknownService(String),
    /// A bare 401: an anonymous caller that named no scope.
    Unauthorized,
}

impl TokenService {
    /// The token service's answer to `caller` asking for `scopes` of `service`.
    pub fn issue(
        &self,
        state: &SimState,
        caller: &SecurityContext<'_>,
        service: &str,
        scopes: &[String],
    ) -> Result<serde_json::Value, TokenRefusal> {
        if service != SERVICE {
            return Err(TokenRefusal::UnknownService(service.to_owned()));
        }
        if !caller.is_authenticated() && scopes.is_empty() {
            return Err(TokenRefusal::Unauthorized);
        }
        let mut access = requested(scopes);
        filter(state, caller, &mut access);
        let minutes = state
            .configurations
            .get("token_expiration")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(30);
        let now = unix_now();
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: caller.username().to_owned(),
            aud: vec![SERVICE.to_owned()],
            exp: now + minutes * 60,
            nbf: now,
            iat: now,
            jti: format!("{:016x}", rand::rng().random::<u64>()),
            access,
        };
        let issued_at = humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(now));
        Ok(json!({
            "token": self.sign(&claims),
            "access_token": "",
            "expires_in": minutes * 60,
            "issued_at": issued_at.to_string(),
        }))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length")
    }

    fn sign(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let signed = format!("{header}.{payload}");
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// What a bearer token grants, if it is one of this simulator's, for this service, and
    /// within its time (with Harbor's leeway).
    pub fn verify(&self, token: &str) -> Option<Grant> {
        let (signed, signature) = token.rsplit_once('.')?;
        let (_, payload) = signed.split_once('.')?;
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
            .ok()?;
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let now = unix_now();
        let in_time = claims.nbf <= now + LEEWAY && now < claims.exp + LEEWAY;
        (in_time && claims.aud.iter().any(|a| a == SERVICE)).then_some(Grant {
            subject: claims.sub,
            access: claims.access,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Identity;

    fn state() -> SimState {
        crate::registry::tests::demo_state()
    }

    fn admin(state: &SimState) -> Identity {
        crate::auth::authenticate(state, Some("Basic YWRtaW46SGFyYm9yMTIzNDU="))
    }

    #[test]
    fn scopes_are_split_at_spaces_and_parsed_as_harbor_does() {
        let query = vec![
            (
                "scope".to_owned(),
                "repository:library/nginx:pull,push repository:a/b:".to_owned(),
            ),
            ("service".to_owned(), SERVICE.to_owned()),
            ("scope".to_owned(), "registry:catalog:*".to_owned()),
        ];
        let parsed = requested(&scopes(&query));
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].name, "library/nginx");
        assert_eq!(parsed[0].actions, ["pull", "push"]);
        assert!(parsed[1].actions.is_empty());
        assert_eq!(
            (parsed[2].kind.as_str(), parsed[2].name.as_str()),
            ("registry", "catalog")
        );
        let odd = requested(&["repository:host:5000/library/nginx:pull".to_owned()]);
        assert_eq!(odd[0].name, "host:5000/library/nginx");
    }

    #[test]
    fn a_token_grants_what_the_caller_may_do_not_what_was_asked() {
        let state = state();
        let service = TokenService::default();
        let identity = admin(&state);
        let caller = SecurityContext::new(&state, &identity);
        let answer = service
            .issue(
                &state,
                &caller,
                SERVICE,
                &[
                    "repository:library/nginx:pull".to_owned(),
                    "repository:nope/x:pull".to_owned(),
                ],
            )
            .unwrap();
        assert_eq!(answer["expires_in"], 1800);
        assert_eq!(answer["access_token"], "");
        let grant = service.verify(answer["token"].as_str().unwrap()).unwrap();
        assert_eq!(grant.subject, "admin");
        assert_eq!(grant.access[0].actions, ["pull", "push", "delete"]);
        assert!(grant.access[1].actions.is_empty());
        assert!(grant.allows("library", "push"));
        assert!(!grant.allows("nope", "pull"));
    }

    #[test]
    fn anonymous_callers_get_public_pulls_or_a_refusal() {
        let state = state();
        let service = TokenService::default();
        let caller = SecurityContext::new(&state, &Identity::Anonymous);
        assert_eq!(
            service.issue(&state, &caller, SERVICE, &[]),
            Err(TokenRefusal::Unauthorized)
        );
        assert_eq!(
            service.issue(&state, &caller, "other", &[]),
            Err(TokenRefusal::UnknownService("other".into()))
        );
        let answer = service
            .issue(
                &state,
                &caller,
                SERVICE,
                &["repository:library/nginx:pull,push".to_owned()],
            )
            .unwrap();
        let grant = service.verify(answer["token"].as_str().unwrap()).unwrap();
        assert_eq!(
            (grant.subject.as_str(), grant.access[0].actions.as_slice()),
            ("", &["pull".to_owned()][..])
        );
    }

    #[test]
    fn a_token_of_another_key_or_altered_is_no_token() {
        let state = state();
        let identity = admin(&state);
        let caller = SecurityContext::new(&state, &identity);
        let (one, other) = (TokenService::default(), TokenService::default());
        let answer = one
            .issue(
                &state,
                &caller,
                SERVICE,
                &["repository:library/nginx:pull".to_owned()],
            )
            .unwrap();
        let token = answer["token"].as_str().unwrap();
        assert!(one.verify(token).is_some());
        assert!(other.verify(token).is_none());
        let mut altered = token.to_owned();
        altered.insert(token.find('.').unwrap() + 1, 'e');
        assert!(one.verify(&altered).is_none());
        assert!(one.verify("not-a-token").is_none());
    }
}
