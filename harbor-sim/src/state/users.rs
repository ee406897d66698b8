//! Local users.

use serde::{Deserialize, Serialize};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A user, serialized as Harbor's `UserResp` (the password never leaves).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Its id.
    pub user_id: i64,
    /// Its unique login name.
    pub username: String,
    /// Its unique email; as the rest of `UserResp`'s strings, left out when empty
    /// (go-swagger's `omitempty`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Its full name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub realname: String,
    /// Free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Its password.
    #[serde(skip)]
    pub password: String,
    /// Whether it administers the system.
    pub sysadmin_flag: bool,
    /// Whether it is admin through the auth backend.
    pub admin_role_in_auth: bool,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
}

/// Harbor's `UserCreationReq`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserCreationReq {
    /// Login name.
    pub username: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Full name.
    pub realname: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// Password.
    pub password: Option<String>,
}

/// Harbor's `UserProfile`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserProfile {
    /// Email.
    pub email: Option<String>,
    /// Full name.
    pub realname: Option<String>,
    /// Free text.
    pub comment: Option<String>,
}

/// Harbor's password rule: 8 to 128 characters with an upper case letter, a lower case
/// letter and a digit.
pub(crate) fn strong_password(p: &str) -> bool {
    (8..=128).contains(&p.len())
        && p.chars().any(|c| c.is_ascii_uppercase())
        && p.chars().any(|c| c.is_ascii_lowercase())
        && p.chars().any(|c| c.is_ascii_digit())
}

/// The name of user 2: Harbor's first migration inserts `anonymous` already deleted and
/// nothing renames it (a deletion through the API renames the row, `name#id`), so no read
/// shows it, yet the table's unique key keeps the name taken. [`SimState::with_admin`] takes
/// its id.
pub const DELETED_ANONYMOUS: &str = "anonymous";

impl SimState {
    /// Creates a user; 409 when the name or email is taken.
    pub fn create_user(&mut self, req: UserCreationReq) -> ApiResult<i64> {
        let username = req
            .username
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ApiError::bad_request("username is required"))?;
        let email = req.email.unwrap_or_default();
        let password = req.password.unwrap_or_default();
        if !strong_password(&password) {
            return Err(ApiError::bad_request(
                "password must be 8-128 characters with at least one upper case letter, one lower case letter and one digit",
            ));
        }
        // The insert takes its id from the sequence before the user table's unique keys
        // refuse it (`dao.Create` in `src/pkg/user/dao/dao.go`), over the deleted
        // `anonymous` row too: PostgreSQL does not give a refused insert's id back.
        let id = self.ids.next("user");
        if username == DELETED_ANONYMOUS
            || self
                .users
                .values()
                .any(|u| u.username == username || (!email.is_empty() && u.email == email))
        {
            return Err(ApiError::conflict(format!(
                "user {username} or email {email} already exists"
            )));
        }
        let now = now();
        self.users.insert(
            id,
            User {
                user_id: id,
                username,
                email,
                realname: req.realname.unwrap_or_default(),
                comment: req.comment.unwrap_or_default(),
                password,
                sysadmin_flag: false,
                admin_role_in_auth: false,
                creation_time: now.clone(),
                update_time: now,
            },
        );
        Ok(id)
    }

    /// A user by id.
    pub fn user_mut(&mut self, id: i64) -> ApiResult<&mut User> {
        self.users
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("user {id} not found")))
    }

    /// Changes a password: the old one must match unless an admin resets it.
    pub fn change_password(
        &mut self,
        id: i64,
        old: Option<&str>,
        new: &str,
        by_admin: bool,
    ) -> ApiResult<()> {
        if !strong_password(new) {
            return Err(ApiError::bad_request("the new password is too weak"));
        }
        let user = self.user_mut(id)?;
        if !by_admin && old != Some(user.password.as_str()) {
            return Err(ApiError::forbidden("the old password is wrong"));
        }
        if user.password == new {
            return Err(ApiError::bad_request(
                "the new password is the same as the old one",
            ));
        }
        user.password = new.to_owned();
        user.update_time = now();
        Ok(())
    }

    /// Deletes a user and their memberships; the admin (id 1) cannot be deleted.
    pub fn delete_user(&mut self, id: i64) -> ApiResult<()> {
        if id == 1 {
            return Err(ApiError::forbidden("the admin user cannot be deleted"));
        }
        self.users
            .remove(&id)
            .ok_or_else(|| ApiError::not_found(format!("user {id} not found")))?;
        self.members
            .retain(|m| !(m.entity_type == "u" && m.entity_id == id));
        Ok(())
    }
}
