//! Projects.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::metadata::filter_error;
use super::system_cve_allowlist::{AllowlistReq, check_allowlist_items};
use super::{actor_id, project_as_seen, project_seen_by, security};
use crate::binding::{convert_int, go_quote};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::query::{self, Filter};
use crate::rbac::{Listing, SecurityContext, Target, VisibleProjects};
use crate::state::projects::{GO_ZERO_TIME, ProjectReq};
use crate::state::quotas::check_quota_limit;
use crate::state::{OrderedIds, Project, SimState};

/// The project a `{project_name_or_id}` request is about.
pub(crate) fn project_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let key = if ctx
        .path_params
        .iter()
        .any(|(n, _)| *n == "project_name_or_id")
    {
        "project_name_or_id"
    } else {
        "project_name"
    };
    s.project_id(
        ctx.path(key),
        ctx.is_resource_name() || key == "project_name",
    )
}

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    // `BuildQuery` first: a malformed `q` is a 400 whoever asks.
    let q = ProjectQuery::of(ctx.filters()?);
    let sc = security(ctx, s);
    // The parameters replace `q`'s keys of the same name; an anonymous caller's `public`
    // is forced to true (`q`'s included) unless the parameter asks for private ones.
    let public = match ctx.query_bool("public") {
        None if sc.is_authenticated() => q.public,
        None => None,
        asked => asked,
    };
    let name = ctx.query("name").filter(|n| !n.is_empty());
    let owner = ctx
        .query("owner")
        .filter(|o| !o.is_empty())
        .or(q.owner.as_deref());
    let columns: Vec<Filter> = q
        .columns
        .into_iter()
        .filter(|f| name.is_none() || f.key() != "name")
        .collect();
    // `with_detail` defaults to true (the spec's default, which go-swagger fills in).
    let detail = ctx.query_bool("with_detail").unwrap_or(true);
    let ids = listed_ids(s, sc.visible_projects(Listing::Projects), public);
    let view = |p: &Project| project_listed(&sc, s, p, detail);
    // Harbor's order without `sort` is the name's (`Name` `sort:"default"`,
    // `src/pkg/project/models/project.go`). Every project listed: the name index as it is;
    // a part: its ids put in the order of their names.
    let every_project = ids.len() == s.projects.len();
    if every_project && name.is_none() && owner.is_none() && ctx.lists_in_order() {
        // The page and the total come from the indexes, read up to the page's end only:
        // a page costs its offset and its own documents, not the collection.
        let page = ctx.page()?;
        let (first, size) = page.window();
        let items = s
            .projects
            .ids_by_name()
            .skip(first)
            .take(size)
            .filter_map(|id| s.projects.get(&id))
            .map(view)
            .collect();
        return Ok(ctx.page_items(items, ids.len(), page));
    }
    let in_name_order: Vec<i64> = if every_project {
        s.projects.ids_by_name().collect()
    } else {
        let mut some: Vec<i64> = ids.iter().collect();
        some.sort_by(|a, b| s.projects[a].name.cmp(&s.projects[b].name));
        some
    };
    if name.is_none() && owner.is_none() && ctx.lists_in_order() {
        // A part of the projects: their page from the ids put in name order.
        let page = ctx.page()?;
        let (first, size) = page.window();
        let items = in_name_order
            .iter()
            .skip(first)
            .take(size)
            .filter_map(|id| s.projects.get(id))
            .map(view)
            .collect();
        return Ok(ctx.page_items(items, ids.len(), page));
    }
    let matching = in_name_order
        .iter()
        .filter_map(|id| s.projects.get(id))
        // `name` is a fuzzy match (`ListProjects`: `q.FuzzyMatchValue`, which
        // `src/lib/orm/query.go` turns into `__icontains`): any case.
        .filter(|p| name.is_none_or(|n| p.name.to_lowercase().contains(&n.to_lowercase())))
        // `owner` is the owner's exact name (`FilterByOwner`: `username = <owner>`; a
        // deleted user's row is renamed, so its name finds none).
        .filter(|p| owner.is_none_or(|o| s.owner_name_of(p) == o));
    let sorts = project_sorts(ctx.sort());
    let page = ctx.page()?;
    if columns.is_empty() && sorts.is_empty() {
        // Only the page's documents are made; the rest is counted.
        let (first, size) = page.window();
        let (mut total, mut items) = (0, Vec::new());
        for p in matching {
            if total >= first && total - first < size {
                items.push(view(p));
            }
            total += 1;
        }
        return Ok(ctx.page_items(items, total, page));
    }
    let mut docs: Vec<Value> = matching.map(view).collect();
    query::apply(&mut docs, &columns, &sorts);
    Ok(ctx.page_of(docs, page))
}

/// A project list's `q` as Harbor's ORM reads it against the project model (`setFilters`,
/// `src/lib/orm/query.go`): `public` and `owner` (or `Public`, `Owner`) go to the model's
/// filter methods, the table's columns are filtered (an and-list is skipped), any other key
/// is skipped.
struct ProjectQuery {
    /// `FilterByPublic`: an exact `true` or `1` (any case) is the public projects, any other
    /// value (a fuzzy match, a range, a list included) the private ones.
    public: Option<bool>,
    /// `FilterByOwner`: an exact name; any other form is no filter.
    owner: Option<String>,
    /// The conditions on columns, keyed by the answer's field (the column's name).
    columns: Vec<Filter>,
}

impl ProjectQuery {
    fn of(filters: Vec<Filter>) -> Self {
        let mut q = ProjectQuery {
            public: None,
            owner: None,
            columns: Vec::new(),
        };
        for f in filters {
            match (f.key(), &f) {
                ("public" | "Public", Filter::Exact(_, v)) => {
                    let v = v.to_lowercase();
                    q.public = Some(v == "true" || v == "1");
                }
                ("public" | "Public", _) => q.public = Some(false),
                ("owner" | "Owner", Filter::Exact(_, v)) => q.owner = Some(v.clone()),
                ("owner" | "Owner", _) | (_, Filter::AllOf(..)) => {}
                (key, _) => {
                    if let Some(column) = project_column(key) {
                        q.columns.push(with_key(f.clone(), column));
                    }
                }
            }
        }
        q
    }
}

/// The column `key` names, by field or column name (snake case tried too, as `setFilters`).
fn project_column(key: &str) -> Option<&'static str> {
    let snake = query::snake_case(key);
    PROJECT_COLUMNS
        .iter()
        .find(|(field, column)| key == *field || key == *column || snake == *column)
        .map(|(_, column)| *column)
}

/// `f` on the field `key`.
fn with_key(f: Filter, key: &str) -> Filter {
    let key = key.to_owned();
    match f {
        Filter::Exact(_, v) => Filter::Exact(key, v),
        Filter::Fuzzy(_, v) => Filter::Fuzzy(key, v),
        Filter::Range(_, lo, hi) => Filter::Range(key, lo, hi),
        Filter::AnyOf(_, vs) => Filter::AnyOf(key, vs),
        Filter::AllOf(_, vs) => Filter::AllOf(key, vs),
    }
}

/// The columns of Harbor's project table (`src/pkg/project/models/project.go`), by field and
/// by column name: the only `sort` keys the ORM takes (`setSorts` skips a key that is no
/// sortable field of the model, and with none left orders by the default, the name).
const PROJECT_COLUMNS: &[(&str, &str)] = &[
    ("ProjectID", "project_id"),
    ("OwnerID", "owner_id"),
    ("Name", "name"),
    ("CreationTime", "creation_time"),
    ("UpdateTime", "update_time"),
    ("RegistryID", "registry_id"),
];

/// The keys of `sort` Harbor orders projects by, named as the answer's fields; the rest
/// dropped. The documents come in name order, so no key left is the default order.
fn project_sorts(sort: Vec<(String, bool)>) -> Vec<(String, bool)> {
    sort.into_iter()
        .filter_map(|(key, desc)| {
            PROJECT_COLUMNS
                .iter()
                .find(|(field, column)| key == *field || key == *column)
                .map(|(_, column)| ((*column).to_owned(), desc))
        })
        .collect()
}

/// A project as `ListProjects` answers it: with details (the default), as `getProject`
/// does; with `with_detail=false` the controller loads neither metadata, allowlist nor
/// owner (`assembleProjects` returns at once), so `metadata` and `owner_name` are left out
/// and the allowlist is a zero one (null items, Go's zero times).
fn project_listed(sc: &SecurityContext<'_>, s: &SimState, p: &Project, detail: bool) -> Value {
    let mut doc = json!(project_as_seen(sc, s, p));
    if !detail && let Some(map) = doc.as_object_mut() {
        map.remove("metadata");
        map.remove("owner_name");
        map.insert(
            "cve_allowlist".into(),
            json!({
                "items": null,
                "creation_time": GO_ZERO_TIME,
                "update_time": GO_ZERO_TIME,
            }),
        );
    }
    doc
}

/// The ids of the projects a list answers, ascending, before the `name` and `owner`
/// filters: those the caller sees, narrowed by the `public` filter (`true`: the public
/// projects, which everybody sees; `false`: the private ones among those seen).
fn listed_ids<'a>(
    s: &'a SimState,
    visible: VisibleProjects<'a>,
    public: Option<bool>,
) -> OrderedIds<'a> {
    let projects = &s.projects;
    match (visible, public) {
        (_, Some(true)) => OrderedIds::of(projects.public_ids()),
        (VisibleProjects::All, None) => OrderedIds::of(projects.ids()),
        (VisibleProjects::All, Some(false)) => OrderedIds::of(projects.private_ids()),
        (VisibleProjects::PublicAnd(more), None) => OrderedIds::union(projects.public_ids(), more),
        (VisibleProjects::PublicAnd(more), Some(false)) => OrderedIds::of(
            more.iter()
                .copied()
                .filter(|id| projects.private_ids().binary_search(id).is_ok())
                .collect::<Vec<_>>(),
        ),
    }
}

pub(crate) fn head(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let name = ctx
        .query("project_name")
        .ok_or_else(|| ApiError::unprocessable("project_name in query is required"))?;
    s.project_id(name, true)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mut req: ProjectReq = ctx.json()?;
    let name = req.project_name.clone().unwrap_or_default();
    let admin = security(ctx, s).can("create", Target::System("project"));
    // Only an administrator picks the storage limit; anyone else gets the default.
    if !admin {
        req.storage_limit = None;
    }
    let proxy = req.registry_id.is_some();
    let mut metadata = swagger_metadata(req.metadata.take());
    // `public` counts only when `metadata.public` is not set; unset is false.
    if !metadata.contains_key("public") || metadata["public"].is_empty() {
        let public = req.public.unwrap_or(false);
        metadata.insert("public".into(), public.to_string());
    }
    let public = &metadata["public"];
    if public != "true" && public != "false" {
        return Err(ApiError::bad_request(format!(
            "metadata.public should only be 'true' or 'false', but got: '{public}'"
        )));
    }
    drop_for_kind(&mut metadata, proxy);
    check_create(s, &req, &metadata)?;
    // The retention id is never stored from the request.
    metadata.remove("retention_id");
    let id = s.insert_project(req, metadata, actor_id(&ctx.identity))?;
    let by_name = ctx.header_bool("X-Resource-Name-In-Location");
    Ok(Reply::created(if by_name {
        ctx.location(name)
    } else {
        ctx.location(id)
    }))
}

/// The metadata names of the swagger model `ProjectMetadata`: go's decoder drops any other.
const SWAGGER_METADATA: &[&str] = &[
    "auto_sbom_generation",
    "auto_scan",
    "enable_content_trust",
    "enable_content_trust_cosign",
    "max_upstream_conn",
    "prevent_vul",
    "proxy_cache_filter_kind",
    "proxy_cache_filter_pattern",
    "proxy_cache_local_on_not_found",
    "proxy_referrer_api",
    "proxy_speed_kb",
    "public",
    "retention_id",
    "reuse_sys_cve_allowlist",
    "severity",
];

/// The metadata Harbor keeps only for proxy-cache projects.
const PROXY_ONLY: &[&str] = &[
    "proxy_speed_kb",
    "max_upstream_conn",
    "proxy_cache_filter_pattern",
    "proxy_cache_filter_kind",
];

/// A request's metadata as Harbor's model holds it: the names it knows, string values.
fn swagger_metadata(metadata: Option<BTreeMap<String, Value>>) -> BTreeMap<String, String> {
    metadata
        .into_iter()
        .flatten()
        .filter(|(k, _)| SWAGGER_METADATA.contains(&k.as_str()))
        .filter_map(|(k, v)| match v {
            Value::String(v) => Some((k, v)),
            _ => None,
        })
        .collect()
}

/// Harbor ignores the proxy settings of a normal project and content trust of a proxy-cache
/// project (`CreateProject`, `UpdateProject`).
fn drop_for_kind(metadata: &mut BTreeMap<String, String>, proxy: bool) {
    if proxy {
        metadata.remove("enable_content_trust");
    } else {
        metadata.retain(|k, _| !PROXY_ONLY.contains(&k.as_str()));
    }
}

/// `validateProjectReq` (`src/server/v2.0/handler/project.go`): the retention id, the
/// registry and the proxy settings of a proxy-cache project, the storage limit.
fn check_create(
    s: &SimState,
    req: &ProjectReq,
    metadata: &BTreeMap<String, String>,
) -> ApiResult<()> {
    if metadata.get("retention_id").is_some_and(|r| !r.is_empty()) {
        return Err(ApiError::bad_request(
            "bad request: the retention_id in the request's payload when creating a project should be omitted, alternatively passing an empty string",
        ));
    }
    if let Some(registry) = req.registry_id {
        if registry <= 0 {
            return Err(ApiError::bad_request(format!(
                "bad request: {registry} is invalid value of registry_id, it should be geater than 0"
            )));
        }
        // `fmt.Errorf` of the registry's not-found error: uncoded, Harbor's 500.
        let Some(upstream) = s.registries.get(&registry) else {
            return Err(ApiError::uncoded(format!(
                "failed to get the registry {registry}: registry {registry} not found"
            )));
        };
        if !PROXY_CACHE_TYPES.contains(&upstream.kind.as_str()) {
            return Err(ApiError::bad_request(format!(
                "bad request: unsupported registry type {}",
                upstream.kind
            )));
        }
        if let Some(speed) = metadata.get("proxy_speed_kb") {
            go_parse_int32(speed).map_err(|e| {
                ApiError::bad_request(format!(
                    "metadata.proxy_speed_kb should by an int32, but got: '{speed}', err: {e}"
                ))
            })?;
        }
        if let Some(count) = metadata.get("max_upstream_conn") {
            go_parse_int32(count).map_err(|e| {
                ApiError::bad_request(format!(
                    "metadata.max_upstream_conn should be an int, but got '{count}', err: {e}"
                ))
            })?;
        }
        check_proxy_filter(metadata)?;
    }
    if let Some(limit) = req.storage_limit.filter(|l| *l != 0) {
        check_quota_limit(limit).map_err(|e| ApiError::bad_request(format!("bad request: {e}")))?;
    }
    Ok(())
}

/// The registry types a proxy-cache project may use: the core's
/// `PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE`, as Harbor's installer writes it
/// (`make/photon/prepare/templates/core/env.jinja`; `config.GetPermittedRegistryTypesForProxyCache`).
const PROXY_CACHE_TYPES: &[&str] = &[
    "docker-hub",
    "harbor",
    "azure-acr",
    "ali-acr",
    "aws-ecr",
    "google-gcr",
    "docker-registry",
    "github-ghcr",
    "jfrog-artifactory",
];

/// `strconv.ParseInt(v, 10, 32)` with Go's error text.
fn go_parse_int32(value: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            go_quote(value)
        )
    };
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    convert_int(value, 32).ok_or_else(|| {
        format!(
            "strconv.ParseInt: parsing {}: value out of range",
            go_quote(value)
        )
    })
}

/// `validateProxyCacheRepositoryFilter`: with a pattern or a kind set, the kind must be one
/// of Harbor's two and the pattern valid for it.
fn check_proxy_filter(metadata: &BTreeMap<String, String>) -> ApiResult<()> {
    let pattern = metadata
        .get("proxy_cache_filter_pattern")
        .map_or("", String::as_str);
    let kind = metadata
        .get("proxy_cache_filter_kind")
        .map_or("", String::as_str);
    if pattern.is_empty() && kind.is_empty() {
        return Ok(());
    }
    if kind != "regex" && kind != "doublestar" {
        return Err(ApiError::bad_request(format!(
            "metadata.proxy_cache_filter_kind should be \"doublestar\" or \"regex\", but got: {}",
            go_quote(kind)
        )));
    }
    if let Some(e) = filter_error(pattern, kind) {
        return Err(ApiError::bad_request(format!(
            "metadata.proxy_cache_filter_pattern is invalid for kind {}: {e}",
            go_quote(kind)
        )));
    }
    Ok(())
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    Ok(Reply::ok(&project_seen_by(&security(ctx, s), s, id)))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: ProjectReq = ctx.json()?;
    let id = project_of(ctx, s)?;
    let project = &s.projects[&id];
    // `UpdateProject` reads only the allowlist and the metadata: the name, `public` and
    // `storage_limit` of the body are ignored.
    let allowlist = match req.cve_allowlist {
        Some(list) => Some(allowlist_of(id, &list)?),
        None => None,
    };
    let proxy = project.registry_id.is_some_and(|r| r > 0);
    let mut metadata = swagger_metadata(req.metadata);
    drop_for_kind(&mut metadata, proxy);
    if proxy {
        check_proxy_filter(&metadata)?;
    }
    if let Some(asked) = metadata.get("retention_id")
        && project.metadata.get("retention_id") != Some(asked)
    {
        return Err(ApiError::bad_request(
            "the retention_id in the request's payload when updating a project should be omitted, alternatively passing the one that has already been associated to this project",
        ));
    }
    // The controller's `Update` sets the allowlist last, through its validator.
    let allowlist = allowlist
        .map(|list| check_allowlist_items(&list).map(|()| (list.cve_ids(), list.expires_at)))
        .transpose()?;
    s.apply_project_update(id, metadata, allowlist)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// A project's allowlist from an update: its `project_id` 0 or absent is the project's, any
/// other is refused (the handler's check; the items are the allowlist manager's, checked
/// after the rest of the update, see [`check_allowlist_items`]).
fn allowlist_of(project_id: i64, list: &Value) -> ApiResult<AllowlistReq> {
    let req: AllowlistReq = serde_json::from_value(list.clone())
        .map_err(|e| ApiError::unprocessable(format!("invalid request body: {e}")))?;
    let asked = list["project_id"].as_i64().unwrap_or(0);
    if asked != 0 && asked != project_id {
        return Err(ApiError::bad_request(format!(
            "project_id in cve_allowlist must be {project_id} but it's {asked}"
        )));
    }
    Ok(req)
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    s.delete_project(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn deletable(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    // go-swagger leaves out a false `deletable` (`omitempty`), and an empty message.
    Ok(Reply::ok(&match s.project_undeletable_reason(id) {
        Some(message) => json!({"message": message}),
        None => json!({"deletable": true}),
    }))
}

pub(crate) fn summary(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    let count = |role: i64| {
        s.members
            .of_project(id)
            .filter(|m| m.role_id == role)
            .count()
    };
    let project = s.projects.get(&id);
    let registry = project
        .and_then(|p| p.registry_id)
        .filter(|r| *r > 0)
        .and_then(|r| s.registries.get(&r));
    let mut summary = json!({
        "repo_count": s.repositories.ids_in_project(id).len(),
    });
    // Only a proxy-cache project has a registry (`getProjectRegistrySummary`), copied without
    // its credential (`registry.Credential = nil`, then left out).
    if let Some(registry) = registry {
        let mut doc = json!(registry);
        if let Some(map) = doc.as_object_mut() {
            map.remove("credential");
        }
        summary["registry"] = doc;
    }
    // Harbor fills the quota and the member counts only for callers who may see them, the
    // quota only while quotas per project are enabled (`getProjectQuotaSummary`).
    let sc = security(ctx, s);
    let quotas_enabled = s.configurations.get("quota_per_project_enable") != Some(&json!(false));
    if quotas_enabled
        && sc.can(
            "read",
            Target::Project {
                id,
                resource: "quota",
            },
        )
        && let Some(quota) = s.quotas.values().find(|q| q.project_id == id)
    {
        summary["quota"] = json!({"hard": quota.hard, "used": quota.used});
    }
    if sc.can(
        "list",
        Target::Project {
            id,
            resource: "member",
        },
    ) {
        for (key, role) in [
            ("project_admin_count", 1),
            ("maintainer_count", 4),
            ("developer_count", 2),
            ("guest_count", 3),
            ("limited_guest_count", 5),
        ] {
            // The counts are `omitempty`: a role nobody holds is left out.
            let n = count(role);
            if n > 0 {
                summary[key] = json!(n);
            }
        }
    }
    Ok(Reply::ok(&summary))
}

pub(crate) fn artifacts(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    let filters = ctx.filters()?;
    let with_label = ctx.query_bool("with_label").unwrap_or(false);
    let with_scan = ctx.query_bool("with_scan_overview").unwrap_or(false);
    let latest_only = ctx.query_bool("latest_in_repository").unwrap_or(false);
    let view = |a: i64| s.artifact_view(a, with_label, with_scan);
    let repositories: Vec<i64> = s
        .repositories
        .values()
        .filter(|r| r.project_id == id)
        .map(|r| r.id)
        .collect();
    let of_repository = |repo: i64| {
        s.artifacts
            .values()
            .filter(move |a| a.repository_id == repo)
            .map(|a| a.id)
    };
    if latest_only {
        // `ListArtifactsOfProject`: the latest artifacts are of one kind, named by exactly
        // one of the two keys of `q`.
        let has = |key: &str| filters.iter().any(|f| f.key() == key);
        if has("media_type") == has("artifact_type") {
            return Err(ApiError::bad_request(
                "bad request: either 'media_type' or 'artifact_type' must be specified, but not both, when querying with latest_in_repository",
            ));
        }
        // `dao.ListWithLatest`: per repository, the artifact pushed last of that kind; the
        // rest of `q` and `sort` are not read, the total is not paged. Harbor's times have
        // microseconds, the simulator's milliseconds: a tie goes to the later id, so no
        // other artifact shares the latest instant (Harbor's join would take one that did,
        // of any kind). The value goes to the SQL as it is: an empty one (`\` escapes to
        // it) is the DAO's 400, a fuzzy match, range or list a struct beego's
        // `getFlatParams` panics on (a bare 500, `Filter::raw_sql_argument`).
        let (key, wanted) = filters
            .iter()
            .find(|f| f.key() == "media_type" || f.key() == "artifact_type")
            .map(|f| f.raw_sql_argument().map(|value| (f.key(), value)))
            .transpose()?
            .unwrap_or(("media_type", ""));
        if wanted.is_empty() {
            return Err(ApiError::bad_request(
                r#"the value of "media_type" or "artifact_type" must be set"#,
            ));
        }
        let mut docs = Vec::new();
        for repo in repositories {
            let latest = of_repository(repo)
                .filter_map(view)
                .filter(|d| d[key] == wanted)
                .max_by_key(|d| {
                    (
                        d["push_time"].as_str().unwrap_or_default().to_owned(),
                        d["id"].as_i64(),
                    )
                });
            docs.extend(latest);
        }
        return Ok(ctx.page_of(docs, ctx.page()?));
    }
    // Newest first across the project (`GetDefaultSorts`: push time, then id, descending;
    // ids grow with push time), as the artifacts of one repository (AR6); an index's
    // untagged children only with `base=*`, as there (the latest's SQL above has no such
    // filter).
    let with_children = super::artifacts::lists_children(&filters)?;
    let mut ids: Vec<i64> = repositories
        .into_iter()
        .flat_map(of_repository)
        .filter(|id| with_children || !s.artifacts[id].is_hidden_child())
        .filter(|id| !s.is_accessory(*id))
        .collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ctx.list(ids.into_iter().filter_map(view).collect())
}

pub(crate) fn scanner(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    // `GetScannerOfProject`: the project's registration, else the default one, with its
    // capabilities (`RetrieveCap`); with neither, a nil payload: 200 and no body.
    Ok(match s.project_scanner(id) {
        Some(scanner) => Reply::ok(&s.scanner_view(scanner)),
        None => Reply::empty(StatusCode::OK),
    })
}

pub(crate) fn set_scanner(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let uuid = body
        .get("uuid")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::unprocessable("uuid in body is required"))?
        .to_owned();
    let id = project_of(ctx, s)?;
    // `SetRegistrationByProject` refuses an empty id with an uncoded error (Harbor's 500),
    // and stores any other without looking it up: an unknown one reads as the default
    // registration.
    if uuid.is_empty() {
        return Err(ApiError::uncoded("missing scanner UUID"));
    }
    s.project_scanners.insert(id, uuid);
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn scanner_candidates(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    project_of(ctx, s)?;
    let filters = ctx.filters()?;
    let mut docs: Vec<Value> = s.scanners.values().map(|sc| sc.doc.clone()).collect();
    query::apply(&mut docs, &filters, &[]);
    // `dao.ListRegistrations` orders by its own `OrderBy("-is_default", "-create_time")`
    // (it reads the query's unset `Sorting`, never `sort`): the default first, then newest
    // first, whatever `sort` says.
    docs.sort_by_key(|d| {
        std::cmp::Reverse((
            d["is_default"] == json!(true),
            d["create_time"].as_str().unwrap_or_default().to_owned(),
        ))
    });
    Ok(ctx.page_of(docs, ctx.page()?))
}
