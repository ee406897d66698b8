//! Projects, their metadata and members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// Go's zero `time.Time` as go-swagger's `strfmt.DateTime` writes it.
pub(crate) const GO_ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";

/// A project, serialized as Harbor's `Project` (with `repo_count` filled in when answered).
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Its id.
    pub project_id: i64,
    /// Its owner's user id.
    pub owner_id: i64,
    /// Its unique name.
    pub name: String,
    /// The upstream registry of a proxy-cache project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<i64>,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// Always false for a live project; never answered (`model.Project.ToSwagger` does not
    /// set it, and go-swagger omits a false `deleted`).
    #[serde(skip_serializing)]
    pub deleted: bool,
    /// Its owner's name (left out when empty, as a list without details answers it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner_name: String,
    /// Whether its public flag may be toggled; never answered, as `deleted`.
    #[serde(skip_serializing)]
    pub togglable: bool,
    /// The caller's highest role (1 = project admin); left out when the caller holds none
    /// (go-swagger's `omitempty` on 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub current_user_role_id: i64,
    /// The caller's roles; `null` when it holds none (`model.Project.ToSwagger` appends them
    /// to a nil slice, and go-swagger tags no plain array `omitempty`).
    #[serde(serialize_with = "null_if_empty")]
    pub current_user_role_ids: Vec<i64>,
    /// Repositories in it (computed on answer).
    pub repo_count: i64,
    /// Its metadata: every value a string, as in Harbor (`"public": "true"`).
    pub metadata: BTreeMap<String, String>,
    /// Its CVE allowlist.
    pub cve_allowlist: Value,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn null_if_empty<S: serde::Serializer>(ids: &[i64], serializer: S) -> Result<S::Ok, S::Error> {
    if ids.is_empty() {
        serializer.serialize_none()
    } else {
        serializer.collect_seq(ids)
    }
}

/// A stored `severity` as `model.Project.ToSwagger` answers it: Harbor's
/// `vuln.ParseSeverityVersion3` (title case, then a CVSS v3 rating, `Negligible` as `None`,
/// anything else `Unknown`), lower-cased. Create and update store the value as sent.
fn cvss_v3_rating(stored: &str) -> &'static str {
    match stored.to_lowercase().as_str() {
        "none" | "negligible" => "none",
        "low" => "low",
        "medium" => "medium",
        "high" => "high",
        "critical" => "critical",
        _ => "unknown",
    }
}

/// Harbor's `ProjectReq`, as far as the simulator uses it.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectReq {
    /// The name (required on create).
    pub project_name: Option<String>,
    /// Shorthand for `metadata.public`.
    pub public: Option<bool>,
    /// Metadata; values may be sent as strings or booleans.
    pub metadata: Option<BTreeMap<String, Value>>,
    /// CVE allowlist.
    pub cve_allowlist: Option<Value>,
    /// Storage quota in bytes; -1 is unlimited.
    pub storage_limit: Option<i64>,
    /// Upstream registry for a proxy-cache project.
    pub registry_id: Option<i64>,
}

/// A project member, serialized as Harbor's `ProjectMemberEntity`.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Its id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The user or group name.
    pub entity_name: String,
    /// `projectAdmin`, `maintainer`, `developer`, `guest`, `limitedGuest`.
    pub role_name: String,
    /// 1 admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest.
    pub role_id: i64,
    /// The user or group id.
    pub entity_id: i64,
    /// `u` for a user, `g` for a group.
    pub entity_type: String,
}

/// The name Harbor gives a role id.
pub fn role_name(role_id: i64) -> ApiResult<&'static str> {
    Ok(match role_id {
        1 => "projectAdmin",
        2 => "developer",
        3 => "guest",
        4 => "maintainer",
        5 => "limitedGuest",
        other => return Err(ApiError::bad_request(format!("invalid role id {other}"))),
    })
}

fn metadata_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `name` matches Harbor's `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`: runs of lower-case
/// letters and digits joined by single `.`, `_` or `-` (so not `a-`, `-a` nor `a--b`).
/// Robot names follow the same rule.
pub fn matches_name_pattern(name: &str) -> bool {
    !name.is_empty()
        && name.split(['.', '_', '-']).all(|run| {
            !run.is_empty()
                && run
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Harbor's project name rule (`src/pkg/project/manager.go`): 1 to 255 characters and
/// [`matches_name_pattern`]; a name that breaks it is a 400.
fn check_project_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 255 {
        return Err(ApiError::bad_request(format!(
            "Project name {name} is illegal in length. (greater than 255 or less than 1)"
        )));
    }
    if !matches_name_pattern(name) {
        return Err(ApiError::bad_request(
            "project name is not in lower case or contains illegal characters",
        ));
    }
    Ok(())
}

impl SimState {
    /// Finds a project by name or id (`X-Is-Resource-Name` forces a name).
    ///
    /// As Harbor's project manager (`src/pkg/project/manager.go` `Get`, `dao.Get`,
    /// `dao.GetByName`): an id is named as Go prints the parsed number (`007` is `project 7
    /// not found`); a name holding a space is refused before any lookup.
    pub fn project_id(&self, name_or_id: &str, is_name: bool) -> ApiResult<i64> {
        if !is_name && let Ok(id) = name_or_id.parse::<i64>() {
            return self
                .projects
                .contains_key(&id)
                .then_some(id)
                .ok_or_else(|| ApiError::not_found(format!("project {id} not found")));
        }
        if name_or_id.contains(' ') {
            return Err(ApiError::bad_request(format!(
                "invalid project name: '{name_or_id}'"
            )));
        }
        self.projects
            .id_by_name(name_or_id)
            .ok_or_else(|| ApiError::not_found(format!("project {name_or_id} not found")))
    }

    /// A project as answered: `repo_count` computed.
    pub fn project_view(&self, id: i64) -> Option<Project> {
        Some(self.project_view_of(self.projects.get(&id)?))
    }

    /// `project` as answered: `repo_count` computed; the allowlist's times are Go's zero
    /// time, as Harbor answers them: `model.Project.ToSwagger` copies the allowlist through
    /// JSON (`lib.JSONCopy`), and the stored model's `CreationTime` and `UpdateTime` carry no
    /// `json` tag, so their keys never meet the swagger model's `creation_time` and
    /// `update_time` (`src/pkg/allowlist/models/cve_allowlist.go`).
    pub fn project_view_of(&self, project: &Project) -> Project {
        let mut p = project.clone();
        if let Some(list) = p.cve_allowlist.as_object_mut() {
            for key in ["creation_time", "update_time"] {
                list.insert(key.into(), json!(GO_ZERO_TIME));
            }
        }
        p.repo_count = self.repositories.ids_in_project(project.project_id).len() as i64;
        p.owner_name = self.owner_name_of(project);
        if let Some(severity) = p.metadata.get_mut("severity") {
            *severity = cvss_v3_rating(severity).to_owned();
        }
        p
    }

    /// The name of `project`'s owner as the project controller loads it (`loadOwners`, a
    /// user list that leaves out deleted users): empty, so left out of the answer, once the
    /// owner is deleted.
    pub fn owner_name_of(&self, project: &Project) -> String {
        self.users
            .get(&project.owner_id)
            .map(|u| u.username.clone())
            .unwrap_or_default()
    }

    /// Creates a project, for setting up state; 409 when the name is taken. Its metadata as sent (`public` overrides
    /// `metadata.public`, unset is false), no check of Harbor's create handler. The API's
    /// `createProject` checks as Harbor's handler does first (`src/handlers/projects.rs`).
    pub fn create_project(&mut self, req: ProjectReq, owner_id: i64) -> ApiResult<i64> {
        let mut metadata = BTreeMap::from([("public".to_owned(), "false".to_owned())]);
        for (k, v) in req.metadata.iter().flatten() {
            metadata.insert(k.clone(), metadata_text(v));
        }
        if let Some(public) = req.public {
            metadata.insert("public".into(), public.to_string());
        }
        self.insert_project(req, metadata, owner_id)
    }

    /// Creates a project with `metadata` as Harbor's create handler leaves it (checked,
    /// `public` filled in), an empty CVE allowlist (the request's is not read:
    /// `allowlistMgr.CreateEmpty` in `src/controller/project/controller.go`) and a quota.
    pub(crate) fn insert_project(
        &mut self,
        req: ProjectReq,
        metadata: BTreeMap<String, String>,
        owner_id: i64,
    ) -> ApiResult<i64> {
        let name = req.project_name.clone().unwrap_or_default();
        // Harbor's handler looks for the name before its manager checks the pattern.
        if self.projects.id_by_name(&name).is_some() {
            return Err(ApiError::conflict(format!(
                "The project named {name} already exists"
            )));
        }
        check_project_name(&name)?;
        if let Some(reg) = req.registry_id
            && !self.registries.contains_key(&reg)
        {
            return Err(ApiError::bad_request(format!("registry {reg} not found")));
        }
        let id = self.ids.next("project");
        let owner_name = self
            .users
            .get(&owner_id)
            .map(|u| u.username.clone())
            .unwrap_or_else(|| "admin".into());
        let now = now();
        self.projects.insert(Project {
                project_id: id,
                owner_id,
                name: name.clone(),
                registry_id: req.registry_id,
                creation_time: now.clone(),
                update_time: now.clone(),
                deleted: false,
                owner_name: owner_name.clone(),
                togglable: true,
                current_user_role_id: 1,
                current_user_role_ids: vec![1],
                repo_count: 0,
                metadata,
                cve_allowlist: json!({"id": id, "project_id": id, "items": [], "creation_time": now, "update_time": now}),
        });
        let member_id = self.ids.next("member");
        self.members.insert(Member {
            id: member_id,
            project_id: id,
            entity_name: owner_name.clone(),
            role_name: "projectAdmin".into(),
            role_id: 1,
            entity_id: owner_id,
            entity_type: "u".into(),
        });
        if let Some(limit) = self.default_storage_limit(req.storage_limit) {
            self.create_quota(id, &name, &owner_name, limit);
        }
        Ok(id)
    }

    /// The storage quota of a new project, as Harbor's create handler picks it: with quotas
    /// per project enabled, the limit asked for, or `storage_per_project` when none (or 0) is
    /// asked; with them disabled none, and no quota (`CreateProject`: `req.StorageLimit =
    /// nil`).
    fn default_storage_limit(&self, asked: Option<i64>) -> Option<i64> {
        let config = |key: &str| self.configurations.get(key).cloned().unwrap_or(Value::Null);
        if config("quota_per_project_enable") == json!(false) {
            return None;
        }
        Some(match asked {
            Some(limit) if limit != 0 => limit,
            _ => config("storage_per_project").as_i64().unwrap_or(-1),
        })
    }

    /// Updates metadata, allowlist and storage limit, for setting up state; the name never
    /// changes. The API's `updateProject` reads less of the request (`src/handlers/projects.rs`).
    pub fn update_project(&mut self, id: i64, req: ProjectReq) -> ApiResult<()> {
        let mut project = self
            .projects
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("project not found"))?;
        for (k, v) in req.metadata.iter().flatten() {
            project.metadata.insert(k.clone(), metadata_text(v));
        }
        if let Some(public) = req.public {
            project.metadata.insert("public".into(), public.to_string());
        }
        if let Some(list) = req.cve_allowlist {
            project.cve_allowlist = list;
        }
        project.update_time = now();
        drop(project);
        if let Some(limit) = req.storage_limit {
            self.set_project_storage_limit(id, limit);
        }
        Ok(())
    }

    /// Updates a project's metadata (set names updated, new ones added, as the project
    /// controller's `Update` does) and, when given, its CVE allowlist (the ids and
    /// `expires_at`); the name never changes.
    pub(crate) fn apply_project_update(
        &mut self,
        id: i64,
        metadata: BTreeMap<String, String>,
        allowlist: Option<(Vec<String>, Option<i64>)>,
    ) -> ApiResult<()> {
        let mut project = self
            .projects
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("project not found"))?;
        project.metadata.extend(metadata);
        let now = now();
        if let Some((ids, expires_at)) = allowlist {
            let list = &mut project.cve_allowlist;
            list["project_id"] = json!(id);
            list["items"] = ids.iter().map(|c| json!({"cve_id": c})).collect();
            match expires_at {
                Some(at) => list["expires_at"] = json!(at),
                None => {
                    if let Some(map) = list.as_object_mut() {
                        map.remove("expires_at");
                    }
                }
            }
            list["update_time"] = json!(now);
        }
        project.update_time = now;
        Ok(())
    }

    /// Why a project cannot be deleted, if it cannot: it holds repositories (`deletable` in
    /// `src/server/v2.0/handler/project.go`, Harbor's only reason).
    pub fn project_undeletable_reason(&self, id: i64) -> Option<String> {
        (!self.repositories.ids_in_project(id).is_empty())
            .then(|| "the project contains repositories, can not be deleted".to_owned())
    }

    /// Deletes a project with everything hanging off it; refused (412) while it holds
    /// repositories, as Harbor refuses it.
    pub fn delete_project(&mut self, id: i64) -> ApiResult<()> {
        if let Some(reason) = self.project_undeletable_reason(id) {
            return Err(ApiError::precondition(reason));
        }
        let project = self
            .projects
            .remove(&id)
            .ok_or_else(|| ApiError::not_found("project not found"))?;
        // The generic collections under the project's path (its preheat policies, which
        // Harbor's `DeleteProject` deletes with it) would come back with a new project of
        // the same name: they go too.
        let under = |key: &str| {
            [project.name.clone(), id.to_string()]
                .iter()
                .any(|p| key.starts_with(&crate::context::api_path(&format!("/projects/{p}/"))))
        };
        self.collections.retain(|key, _| !under(key));
        self.members.remove_project(id);
        self.labels.retain(|_, l| l.project_id != Some(id));
        self.webhooks.retain(|_, w| w.project_id != id);
        self.immutable_rules.retain(|_, r| r.project_id != id);
        self.quotas.retain(|_, q| q.project_id != id);
        self.robots.retain(|_, r| r.project_id != Some(id));
        self.project_scanners.remove(&id);
        // Harbor deletes the project's retention policy with it.
        let retentions: Vec<i64> = self
            .retentions
            .iter()
            .filter(|(_, d)| d["scope"]["ref"].as_i64() == Some(id))
            .map(|(rid, _)| *rid)
            .collect();
        for rid in retentions {
            self.retentions.remove(&rid);
        }
        // Their controllers unschedule the retention and preheat policies they delete.
        self.drop_orphan_schedules();
        Ok(())
    }

    /// Adds a member: a user by id or name, or a user group already resolved to its id and
    /// name (as Harbor's member controller finds it; see the members handler). 409 when the
    /// user or group is already a member (`ErrDuplicateProjectMember`).
    pub fn add_member(
        &mut self,
        project_id: i64,
        user: Option<(Option<i64>, Option<String>)>,
        group: Option<(i64, String)>,
        role_id: i64,
    ) -> ApiResult<i64> {
        // The members index relies on it: a member's project exists.
        if !self.projects.contains_key(&project_id) {
            return Err(ApiError::not_found(format!(
                "project {project_id} not found"
            )));
        }
        let (entity_id, entity_name, entity_type) = match (user, group) {
            (Some((uid, uname)), _) => {
                let user = self
                    .users
                    .values()
                    .find(|u| {
                        Some(u.user_id) == uid || uname.as_deref() == Some(u.username.as_str())
                    })
                    .ok_or_else(|| ApiError::not_found("user not found"))?;
                (user.user_id, user.username.clone(), "u")
            }
            // Harbor answers a group member with the group's own name (the member DAO joins
            // `user_group.group_name as entity_name`).
            (None, Some((id, name))) => (id, name, "g"),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "at least one of member_user or member_group must be provided",
                ));
            }
        };
        if self
            .members
            .of_project(project_id)
            .any(|m| m.entity_type == entity_type && m.entity_id == entity_id)
        {
            return Err(ApiError::conflict(
                "The project member specified already exist",
            ));
        }
        // The role is checked after the duplicate (`isValidRole`, 1 to 5), with Harbor's
        // message that names three of them (`ErrInvalidRole`).
        let role = role_name(role_id).map_err(|_| {
            ApiError::bad_request("Failed to update project member, role is not in 1,2,3")
        })?;
        let id = self.ids.next("member");
        self.members.insert(Member {
            id,
            project_id,
            entity_name,
            role_name: role.into(),
            role_id,
            entity_id,
            entity_type: entity_type.into(),
        });
        Ok(id)
    }

    /// A member of a project as Harbor's member DAO reads one (`GetProjectMember`): joined
    /// to its role, so a member whose role is none of Harbor's five is not found either;
    /// 404 `the project member is not found, project id <p>, member id <m>`
    /// (`src/pkg/member/manager.go` `Get`).
    pub fn member(&self, project_id: i64, mid: i64) -> ApiResult<&Member> {
        self.members
            .get(&mid)
            .filter(|m| m.project_id == project_id && role_name(m.role_id).is_ok())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "the project member is not found, project id {project_id}, member id {mid}"
                ))
            })
    }

    /// Gives a member of a project another role as Harbor's `UpdateProjectMemberRole` does:
    /// an `update ... where project_id and id` that checks neither the role (a role that is
    /// none of Harbor's five is stored, the member then holds no permission and drops out of
    /// the member reads) nor that a row matched.
    pub fn set_member_role(&mut self, project_id: i64, mid: i64, role_id: i64) {
        if self
            .members
            .get(&mid)
            .is_some_and(|m| m.project_id == project_id)
        {
            let name = role_name(role_id).unwrap_or_default();
            self.members.set_role(mid, role_id, name);
        }
    }

    /// Removes a member from a project; none with the id there is no error
    /// (`DeleteProjectMemberByID` deletes by project and id).
    pub fn remove_member(&mut self, project_id: i64, mid: i64) -> Option<Member> {
        if self
            .members
            .get(&mid)
            .is_some_and(|m| m.project_id == project_id)
        {
            return self.members.remove(&mid);
        }
        None
    }
}
