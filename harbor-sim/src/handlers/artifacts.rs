//! Artifacts, their tags, labels, scans and additions.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::actor_name;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::postgres_error::{SqlState, refusal};
use crate::query::ColumnType::{BigInt, Integer, Timestamp};
use crate::query::{Filter, Model, column_matches, sort_rows, without_keys};
use crate::state::chart_archive::chart_details;
use crate::state::model_additions::model_addition;
use crate::state::ordered_ids::newest_first;
use crate::state::replication_flow::ArtifactEventKind;
use crate::state::repositories::{Artifact, ArtifactOptions, Processor};
use crate::state::sbom_push::SBOM_MEDIA_TYPE;
use crate::state::vulnerabilities::{ScanType, report_id, sbom_report_id};
use crate::state::{JobKind, SimState};

/// Whether `reference` parses as a digest (go-digest's `Parse`: a known algorithm and an
/// encoded part of its length in lower-case hex); anything else is a tag.
pub(super) fn is_digest(reference: &str) -> bool {
    let Some((algorithm, hex)) = reference.split_once(':') else {
        return false;
    };
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An artifact of `repository` (`project/name`) by reference, as the artifact controller's
/// `GetByReference` finds it: by digest (404 `artifact <repository>@<digest> not found`,
/// also when the repository is missing) or by tag (the repository first: 404 `repository
/// <repository> not found`, then `artifact <repository>:<tag> not found`).
pub(super) fn artifact_by_reference(
    s: &SimState,
    repository: &str,
    reference: &str,
) -> ApiResult<i64> {
    let repo = s.repositories.id_by_name(repository);
    if is_digest(reference) {
        return repo
            .and_then(|r| s.artifacts.id_by_digest(r, reference))
            .ok_or_else(|| {
                ApiError::not_found(format!("artifact {repository}@{reference} not found"))
            });
    }
    let repo =
        repo.ok_or_else(|| ApiError::not_found(format!("repository {repository} not found")))?;
    s.artifacts
        .id_by_tag(repo, reference)
        .ok_or_else(|| ApiError::not_found(format!("artifact {repository}:{reference} not found")))
}

/// The artifact a `{project_name}/{repository_name}/{reference}` request is about.
pub(crate) fn artifact_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let repository = format!(
        "{}/{}",
        ctx.path("project_name"),
        ctx.path("repository_name")
    );
    artifact_by_reference(s, &repository, ctx.path("reference"))
}

/// `from` of a copy as Harbor's `parse` reads it (`reference.ReferenceRegexp`): a repository
/// name, then `:tag` and/or `@digest` (the digest wins; neither is the empty tag); anything
/// else is 400 `invalid input: <from>`.
fn parse_from(from: &str) -> ApiResult<(String, String)> {
    let invalid = || ApiError::bad_request(format!("invalid input: {from}"));
    let (name_tag, digest) = match from.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (from, None),
    };
    let (name, tag) = match name_tag.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (name_tag, None),
    };
    if !crate::state::replication::is_repository_name(name) {
        return Err(invalid());
    }
    if let Some(t) = tag {
        let ok = t.len() <= 128
            && t.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !ok {
            return Err(invalid());
        }
    }
    let reference = match digest {
        Some(d) if is_digest(d) => d.to_owned(),
        Some(_) => return Err(invalid()),
        None => tag.unwrap_or_default().to_owned(),
    };
    Ok((name.to_owned(), reference))
}

/// The artifact table as Harbor's ORM reads its model (`src/pkg/artifact/dao/model.go`):
/// every column filterable and sortable, newest first by default (`GetDefaultSorts`).
const ARTIFACT_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("Type", "type"),
        ("MediaType", "media_type"),
        ("ManifestMediaType", "manifest_media_type"),
        ("ArtifactType", "artifact_type"),
        ("ProjectID", "project_id"),
        ("RepositoryID", "repository_id"),
        ("RepositoryName", "repository_name"),
        ("Digest", "digest"),
        ("Size", "size"),
        ("Icon", "icon"),
        ("PushTime", "push_time"),
        ("PullTime", "pull_time"),
        ("ExtraAttrs", "extra_attrs"),
        ("Annotations", "annotations"),
    ],
    default_sort: &[("push_time", true), ("id", true)],
    typed: &[
        ("id", Integer),
        ("project_id", Integer),
        ("repository_id", Integer),
        ("size", BigInt),
        ("push_time", Timestamp),
        ("pull_time", Timestamp),
    ],
};

/// The tag table (`src/pkg/tag/model/tag/model.go`): newest first by default.
const TAG_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("RepositoryID", "repository_id"),
        ("ArtifactID", "artifact_id"),
        ("Name", "name"),
        ("PushTime", "push_time"),
        ("PullTime", "pull_time"),
    ],
    default_sort: &[("push_time", true), ("id", true)],
    typed: &[
        ("id", Integer),
        ("repository_id", Integer),
        ("artifact_id", Integer),
        ("push_time", Timestamp),
        ("pull_time", Timestamp),
    ],
};

/// The `with_*` options of an artifact read (`option` in Harbor's handler, with the spec's
/// defaults go-swagger binds: `with_tag` true, the rest false; `with_accessory` is false
/// although `option` would default it to true).
fn artifact_options(ctx: &Ctx) -> ArtifactOptions {
    ArtifactOptions {
        with_tag: ctx.query_bool("with_tag").unwrap_or(true),
        with_label: ctx.query_bool("with_label").unwrap_or(false),
        with_scan: ctx.query_bool("with_scan_overview").unwrap_or(false),
        with_immutable_status: ctx.query_bool("with_immutable_status").unwrap_or(false),
        with_accessory: ctx.query_bool("with_accessory").unwrap_or(false),
    }
}

/// The artifact as a row of Harbor's `artifact` table: the columns `q` and `sort` read
/// (`extra_attrs` and `annotations` are JSON text there).
fn artifact_row(view: &Value) -> Value {
    let mut row = serde_json::Map::new();
    for (_, column) in ARTIFACT_TABLE.columns {
        let value = match &view[*column] {
            v @ (Value::Object(_) | Value::Array(_)) => Value::String(v.to_string()),
            // Left out of an index's answer when empty; the table holds the empty value.
            Value::Null if *column == "extra_attrs" => Value::String("{}".into()),
            Value::Null if *column == "artifact_type" => Value::String(String::new()),
            v => v.clone(),
        };
        row.insert((*column).to_owned(), value);
    }
    Value::Object(row)
}

/// A test the artifact DAO puts on an artifact.
type ArtifactTest = Box<dyn Fn(&Artifact) -> bool>;

/// Whether `q` asks for an image index's untagged children too (`setBaseQuery`): without
/// `base` they are left out, `base=*` lists them, and nothing else is a `base` (400).
pub(super) fn lists_children(filters: &[Filter]) -> ApiResult<bool> {
    match filters.iter().find(|f| f.key() == "base") {
        None => Ok(false),
        Some(Filter::Exact(_, v)) if v == "*" => Ok(true),
        Some(_) => Err(ApiError::bad_request(
            r#"the value of "base" query can only be exact match value with "*""#,
        )),
    }
}

/// The artifact DAO's own keys (`src/pkg/artifact/dao/dao.go` `querySetter`), which are no
/// columns: `base` (`setBaseQuery`), `tags` or `Tags` (`setTagQuery`), `labels` or `Labels`
/// (`setLabelQuery`), checked in that order. Returns the test each puts on an artifact.
fn artifact_dao_filters(filters: &[Filter]) -> ApiResult<Vec<ArtifactTest>> {
    let by_key = |a: &str, b: &str| {
        filters
            .iter()
            .find(|f| f.key() == a)
            .or_else(|| filters.iter().find(|f| f.key() == b))
            .cloned()
    };
    let mut tests: Vec<ArtifactTest> = Vec::new();
    if !lists_children(filters)? {
        tests.push(Box::new(|a| !a.is_hidden_child()));
    }
    match by_key("tags", "Tags") {
        None => {}
        // `LIKE '%v%'`: a substring of a tag's name, in the asked case.
        Some(Filter::Fuzzy(_, v)) => {
            tests.push(Box::new(move |a| {
                a.tags.iter().any(|t| t.name.contains(&v))
            }));
        }
        Some(Filter::Exact(_, v)) if v == "*" => tests.push(Box::new(|a| !a.tags.is_empty())),
        Some(Filter::Exact(_, v)) if v == "nil" => tests.push(Box::new(|a| a.tags.is_empty())),
        Some(Filter::Exact(_, v)) => {
            tests.push(Box::new(move |a| a.tags.iter().any(|t| t.name == v)));
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                r#"the value of "tags" query can only be fuzzy match value or exact match value"#,
            ));
        }
    }
    if let Some(labels) = by_key("labels", "Labels") {
        let refused = || {
            ApiError::bad_request(
                r#"the value of "labels" query can only be integer list with intersetion relationship"#,
            )
        };
        let Filter::AllOf(_, items) = labels else {
            return Err(refused());
        };
        // `strconv.ParseInt` after `parseValue`'s time parse (a time is no integer).
        let ids = items
            .iter()
            .map(|i| i.parse::<i64>().map_err(|_| refused()))
            .collect::<ApiResult<Vec<i64>>>()?;
        // Harbor builds `IN ()` of an empty list (`labels=()`), which PostgreSQL refuses: a
        // database error, Harbor's 500. The DAO's last key, so no 400 of the query comes
        // after it.
        if ids.is_empty() {
            return Err(refusal(
                SqlState::SyntaxError,
                r#"syntax error at or near ")""#,
            ));
        }
        tests.push(Box::new(move |a| {
            ids.iter().all(|id| a.label_ids.contains(id))
        }));
    }
    Ok(tests)
}

/// `ListArtifacts`: the artifacts whose repository has the path's name (a repository that
/// does not exist has none: 200, an empty list, as Harbor filters by name), filtered by `q`
/// and ordered by `sort` as the artifact DAO does (see [`ARTIFACT_TABLE`] and
/// [`artifact_dao_filters`]), newest first by default (`GetDefaultSorts`: push time, then
/// id, descending; ids grow with push time here).
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = ctx.filters()?;
    let dao_filters = artifact_dao_filters(&filters)?;
    let Ok(repo) = s.repository_id(ctx.path("project_name"), ctx.path("repository_name")) else {
        return ctx.list(Vec::new());
    };
    let options = artifact_options(ctx);
    let with_sbom = ctx.query_bool("with_sbom_overview").unwrap_or(false);
    // The view of an artifact in its repository always exists.
    let view = |id: i64| {
        let mut d = s.artifact_view_with(id, &options).unwrap_or(Value::Null);
        if with_sbom {
            s.add_sbom_overview(&mut d, id);
        }
        d
    };
    let ids = s.artifacts.ids_in_repository(repo);
    let (first, size) = page.window();
    if ctx.lists_in_order() && !s.artifacts.has_children(repo) && s.accessories.is_empty() {
        // The page and the total come from the repository's index: only the page's
        // documents are made (a repository holding an index's children takes the long way,
        // which leaves them out).
        let items = newest_first(ids, first, size).copied().map(view).collect();
        return Ok(ctx.page_items(items, ids.len(), page));
    }
    let columns = ARTIFACT_TABLE.filters(&without_keys(filters, &["RepositoryName"]))?;
    let sorts = ARTIFACT_TABLE.sorts(ctx.query("sort"));
    // Rows in the default order, so that ties of an asked order keep it.
    let mut rows: Vec<(i64, Value)> = ids
        .iter()
        .rev()
        // Accessories are never listed (`setAccessoryQuery`).
        .filter(|id| !s.is_accessory(**id))
        .filter(|id| dao_filters.iter().all(|t| t(&s.artifacts[*id])))
        .filter_map(|&id| {
            let row = artifact_row(&s.artifact_view(id, false, false)?);
            columns
                .iter()
                .all(|(c, f)| column_matches(&row, c, f))
                .then_some((id, row))
        })
        .collect();
    sort_rows(&mut rows, &sorts, |(_, row)| row);
    let total = rows.len();
    let items = rows
        .into_iter()
        .skip(first)
        .take(size)
        .map(|(id, _)| view(id))
        .collect();
    Ok(ctx.page_items(items, total, page))
}

/// `CopyArtifact` as Harbor's artifact controller copies (`Copy`, `copyDeeply`): the source
/// by reference (the messages of [`artifact_by_reference`]); an artifact of that digest
/// already in the destination is no conflict, its tags are ensured; every tag of the source
/// artifact is copied, whatever the reference named; an image index's children are copied
/// first ([`SimState::copy_deeply`]); the `Location` ends with the reference as sent.
pub(crate) fn copy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let from = ctx
        .query("from")
        .ok_or_else(|| ApiError::unprocessable("from in query is required"))?
        .to_owned();
    let (source, reference) = parse_from(&from)?;
    let src = artifact_by_reference(s, &source, &reference)?;
    let (project, repository) = (ctx.path("project_name"), ctx.path("repository_name"));
    s.copy_deeply(src, project, repository, true, &actor_name(&ctx.identity))?;
    Ok(Reply::created(ctx.location(&reference)))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let mut doc = s.artifact_view_with(id, &artifact_options(ctx));
    if ctx.query_bool("with_sbom_overview").unwrap_or(false)
        && let Some(d) = doc.as_mut()
    {
        s.add_sbom_overview(d, id);
    }
    Ok(Reply::ok(&doc))
}

/// `DeleteArtifact`: see [`SimState::delete_artifact_deeply`].
pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    s.delete_artifact_deeply_as(id, &actor_name(&ctx.identity))?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct TagReq {
    name: Option<String>,
}

pub(crate) fn create_tag(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: TagReq = ctx.json()?;
    // `CreateTag` (`src/server/v2.0/handler/artifact.go`): not in a proxy-cache project,
    // then the artifact, then the tag controller's checks.
    let project = s.project_id(ctx.path("project_name"), true)?;
    if s.projects[&project].registry_id.is_some_and(|r| r > 0) {
        return Err(ApiError::method_not_allowed(
            "the operation isn't supported for a proxy cache project",
        ));
    }
    let id = artifact_of(ctx, s)?;
    let name = req.name.unwrap_or_default();
    s.add_tag(id, &name)?;
    // The tag controller fires `CreateTagEvent`, which replication reads as a push.
    if let Some(event) = s.artifact_event(ArtifactEventKind::Push, &s.artifacts[&id], vec![name]) {
        s.replicate_event(&event);
    }
    // Harbor has no endpoint for one tag, so it sends no `Location`.
    Ok(Reply::empty(StatusCode::CREATED))
}

/// `ListTags`: `q` is parsed before the artifact is looked up; the artifact's tags,
/// filtered and ordered as the tag DAO does ([`TAG_TABLE`]: newest first by default), with
/// their immutable status only under `with_immutable_status` (`assembleTag`).
pub(crate) fn list_tags(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = TAG_TABLE.filters(&without_keys(ctx.filters()?, &["ArtifactID"]))?;
    let id = artifact_of(ctx, s)?;
    let with_immutable = ctx.query_bool("with_immutable_status").unwrap_or(false);
    let mut rows: Vec<Value> = s
        .artifact_tags(id, with_immutable)
        .into_iter()
        .map(|t| json!(t))
        .filter(|row| filters.iter().all(|(c, f)| column_matches(row, c, f)))
        .collect();
    sort_rows(&mut rows, &TAG_TABLE.sorts(ctx.query("sort")), |row| row);
    Ok(ctx.page_of(rows, page))
}

pub(crate) fn delete_tag(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let tag = ctx.path("tag_name");
    // `DeleteTag`: the tag among the artifact's first, then the controller's immutability.
    if !s.artifacts[&id].tags.iter().any(|t| t.name == tag) {
        return Err(ApiError::not_found(format!(
            "tag {tag} attached to artifact {id} not found"
        )));
    }
    let project = s.artifacts[&id].project_id;
    let repo = s.repositories[&s.artifacts[&id].repository_id].name.clone();
    if s.tag_is_immutable(project, &repo, tag) {
        return Err(ApiError::precondition(format!(
            "the tag {tag} configured as immutable, cannot be deleted"
        )));
    }
    let mut a = s
        .artifacts
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("artifact not found"))?;
    a.tags.retain(|t| t.name != tag);
    drop(a);
    let untagged = &s.artifacts[&id];
    if let Some(event) = s.artifact_event(
        ArtifactEventKind::TagDeletion,
        untagged,
        vec![tag.to_owned()],
    ) {
        s.replicate_event(&event);
    }
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct LabelRef {
    id: Option<i64>,
}

/// `AddLabel`: the label first (absent id: 0; none: 404 `label <id> not found`; a project
/// label of another project: 404 `project id <p>, label <l> not found`), then the artifact,
/// then 409 `label <l> is already added to the artifact <a>`.
pub(crate) fn add_label(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: LabelRef = ctx.json()?;
    let label = req.id.unwrap_or(0);
    let project = s.project_id(ctx.path("project_name"), true)?;
    let found = s
        .labels
        .get(&label)
        .ok_or_else(|| ApiError::not_found(format!("label {label} not found")))?;
    if found.scope == "p" && found.project_id != Some(project) {
        return Err(ApiError::not_found(format!(
            "project id {project}, label {label} not found"
        )));
    }
    let id = artifact_of(ctx, s)?;
    if s.artifacts[&id].label_ids.contains(&label) {
        return Err(ApiError::conflict(format!(
            "label {label} is already added to the artifact {id}"
        )));
    }
    s.attach_label(id, label)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `RemoveLabel`: the artifact, then 404 `reference with label <l> and artifact <a> not
/// found` when the label is not on it (`manager.RemoveFrom`).
pub(crate) fn remove_label(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let label = ctx.path_id("label_id")?;
    let id = artifact_of(ctx, s)?;
    if !s.artifacts[&id].label_ids.contains(&label) {
        return Err(ApiError::not_found(format!(
            "reference with label {label} and artifact {id} not found"
        )));
    }
    s.detach_label(id, label)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `ScanArtifact` (`scan.go`, the scan controller's `Scan`): the artifact, then the
/// project's scanner (its own or the default): none is 412 `no available scanner for
/// project: <id>`, a disabled one 412 `scanner <name> is deactivated`; a scan still queued
/// or running is 409 (`MakePlaceHolder`). The scan is a job (see [`crate::state::jobs`]): its
/// report exists once the job succeeds.
pub(crate) fn scan(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let project = s.artifacts[&id].project_id;
    let scanner = s.project_scanner(project).ok_or_else(|| {
        ApiError::precondition(format!("no available scanner for project: {project}"))
    })?;
    if scanner.doc["disabled"] == json!(true) {
        return Err(ApiError::precondition(format!(
            "scanner {} is deactivated",
            scanner.name()
        )));
    }
    let kind = ScanType::of_body(&ctx.body);
    s.start_scan_of(id, &actor_name(&ctx.identity), kind)?;
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// `StopScanArtifact` (the scan controller's `Stop`): the artifact's latest `IMAGE_SCAN`
/// execution is stopped (a queued or running scan ends `Stopped`, a finished one is left as
/// it is); an artifact no scan job ran for (a scan all's tasks belong to a `SCAN_ALL`
/// execution) is 400 `no scan job for artifact digest=<digest>`.
pub(crate) fn stop_scan(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let kind = ScanType::of_body(&ctx.body).capability();
    let execution = s
        .executions
        .values()
        .rev()
        .find(|e| {
            e.kind == JobKind::Scan
                && e.vendor_id == id
                && e.extra_attrs["enabled_capabilities"]["type"] == kind
        })
        .map(|e| e.id)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "no scan job for artifact digest={}",
                s.artifacts[&id].digest
            ))
        })?;
    s.stop_execution(JobKind::Scan, execution)?;
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// The log of a scan report (`GetScanLog`): the log of the scan task behind it, or the lines
/// of a report the simulator started with.
pub(crate) fn report_log(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let uuid = ctx.path("report_id");
    let missing = || ApiError::not_found(format!("report with uuid {uuid} does not exist"));
    if uuid != report_id(id) && uuid != sbom_report_id(id) {
        return Err(missing());
    }
    let scan = if uuid == sbom_report_id(id) {
        s.artifact_sbom(id)
    } else {
        s.artifact_scan(id)
    }
    .ok_or_else(missing)?;
    if let Some((execution, task)) = scan.task {
        let mut e = s.executions[&execution].clone();
        e.refresh(crate::state::jobs::clock());
        let task = e.tasks.iter().find(|t| t.id == task).ok_or_else(missing)?;
        return Ok(Reply::text(StatusCode::OK, task.written_log()?));
    }
    let cves = s.artifact_findings(id).ok_or_else(missing)?;
    let a = &s.artifacts[&id];
    let mut log = format!("{} [INFO] scan of {} started\n", a.scanned_at, a.digest);
    for c in &cves {
        log.push_str(&format!(
            "{} [INFO] {} {} {}: {}\n",
            a.scanned_at, c.severity, c.id, c.package, c.version
        ));
    }
    log.push_str(&format!(
        "{} [INFO] scan finished, {} vulnerabilities\n",
        a.scanned_at,
        cves.len()
    ));
    Ok(Reply::text(StatusCode::OK, log))
}

/// `ListAccessories`: `q` is parsed before the artifact is looked up; the artifact's
/// accessories (see [`crate::state::accessories`]), filtered by `q` over the accessory
/// table's columns, oldest first, paged.
pub(crate) fn accessories(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = ACCESSORY_TABLE.filters(&ctx.filters()?)?;
    let id = artifact_of(ctx, s)?;
    let mut rows: Vec<Value> = s
        .accessories_of(id)
        .iter()
        .map(|a| a.view())
        .filter(|row| filters.iter().all(|(c, f)| column_matches(row, c, f)))
        .collect();
    sort_rows(
        &mut rows,
        &ACCESSORY_TABLE.sorts(ctx.query("sort")),
        |row| row,
    );
    Ok(ctx.page_of(rows, page))
}

/// The accessory table (`src/pkg/accessory/dao/model.go`).
const ACCESSORY_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("ArtifactID", "artifact_id"),
        ("SubjectArtifactID", "subject_artifact_id"),
        ("SubjectArtifactRepo", "subject_artifact_repo"),
        ("SubjectArtifactDigest", "subject_artifact_digest"),
        ("Size", "size"),
        ("Digest", "digest"),
        ("Type", "type"),
        ("CreationTime", "creation_time"),
    ],
    default_sort: &[("id", false)],
    typed: &[
        ("id", Integer),
        ("artifact_id", Integer),
        ("subject_artifact_id", Integer),
        ("size", BigInt),
        ("creation_time", Timestamp),
    ],
};

/// The artifact's vulnerability report, keyed by its MIME type (`{}` before any scan).
pub(crate) fn vulnerabilities(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    Ok(Reply::ok(&s.vulnerability_report(id)))
}

/// The SBOM processor's addition, whatever its name (`AbstractAddition` in
/// `src/controller/artifact/processor/sbom/sbom.go`): the SBOM's one layer, as
/// `application/vnd.goharbor.harbor.sbom.v1`; 404 `The sbom is not found` for a manifest
/// with another count of layers.
fn sbom_document(s: &SimState, id: i64) -> ApiResult<Reply> {
    let manifest = pulled_manifest(s, id)?;
    let layers = manifest["layers"].as_array().map_or(&[][..], Vec::as_slice);
    let [layer] = layers else {
        return Err(ApiError::not_found("The sbom is not found"));
    };
    let content = pulled_blob(s, id, layer["digest"].as_str().unwrap_or_default())?;
    Ok(
        Reply::text(StatusCode::OK, String::from_utf8_lossy(&content))
            .with_header("Content-Type", SBOM_MEDIA_TYPE),
    )
}

/// The chart processor's additions (`AbstractAddition` in
/// `src/controller/artifact/processor/chart/chart.go`): `VALUES.YAML`, `README.MD` and
/// `DEPENDENCIES`, read out of the first layer of the manifest that is not its config
/// ([`chart_details`]); any other name is 400. A chart Helm cannot load is 500; a manifest
/// with no layer but its config leaves Harbor's handler a nil addition, which panics.
fn chart_addition(s: &SimState, id: i64, addition: &str) -> ApiResult<Reply> {
    let content_type = match addition {
        "VALUES.YAML" => "text/plain; charset=utf-8",
        "README.MD" => "text/markdown; charset=utf-8",
        "DEPENDENCIES" => "application/json; charset=utf-8",
        _ => {
            return Err(ApiError::bad_request(format!(
                "addition {addition} isn't supported for CHART"
            )));
        }
    };
    let manifest = pulled_manifest(s, id)?;
    let config = manifest
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let layer = manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|layer| layer["digest"].as_str())
        .find(|digest| *digest != config);
    let Some(layer) = layer else {
        return Err(ApiError::panicked(
            "the chart's manifest has no layer but its config: the addition is nil",
        ));
    };
    let details = chart_details(&pulled_blob(s, id, layer)?).map_err(ApiError::uncoded)?;
    let body = match addition {
        "VALUES.YAML" => String::from_utf8_lossy(&details.values).into_owned(),
        "README.MD" => String::from_utf8_lossy(&details.readme).into_owned(),
        _ => details.dependencies,
    };
    Ok(Reply::text(StatusCode::OK, body).with_header("Content-Type", content_type))
}

/// The artifact's manifest as a processor pulls it from the registry (`PullManifest`).
fn pulled_manifest(s: &SimState, id: i64) -> ApiResult<Value> {
    s.registry
        .manifest(&s.artifacts[&id].digest)
        .and_then(|m| serde_json::from_slice(&m.body).ok())
        .ok_or_else(|| ApiError::uncoded("failed to pull manifest"))
}

/// A blob of the artifact's repository as a processor pulls it (`PullBlob`).
fn pulled_blob(s: &SimState, id: i64, digest: &str) -> ApiResult<bytes::Bytes> {
    let repository = s.repository_name(s.artifacts[&id].repository_id);
    s.registry
        .blob(repository, digest)
        .ok_or_else(|| ApiError::uncoded("failed to pull the blob"))
}

/// `GetAddition`: the addition named in capitals (`strings.ToUpper`) is asked of the
/// processor the artifact's type picked (`AbstractAddition`):
///
/// - an image's (manifest v2) and a WASM module's build history, the config's `history`
///   (`application/json; charset=utf-8`);
/// - a chart's values, readme and dependencies, out of its archive ([`chart_addition`]);
/// - a model's readme, license and file list ([`model_addition`]);
/// - an SBOM's document, whatever the name ([`sbom_document`]);
/// - an index's (an image index, a CNAB bundle) none: 400 `addition <name> isn't supported`;
/// - the default processor's none: 400 `the processor for artifact <type> not found, cannot
///   get the addition`.
///
/// Any other name is 400.
pub(crate) fn addition(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = artifact_of(ctx, s)?;
    let addition = ctx.path("addition").to_uppercase();
    let a = &s.artifacts[&id];
    match a.processor() {
        Processor::Sbom => sbom_document(s, id),
        Processor::Chart => chart_addition(s, id, &addition),
        Processor::Cnai => {
            let manifest = pulled_manifest(s, id)?;
            let found = model_addition(&manifest, &addition, |digest| {
                pulled_blob(s, id, digest).ok()
            })?;
            Ok(
                Reply::text(StatusCode::OK, String::from_utf8_lossy(&found.content))
                    .with_header("Content-Type", found.content_type),
            )
        }
        Processor::Default => Err(ApiError::bad_request(format!(
            "the processor for artifact {} not found, cannot get the addition",
            a.pushed.as_ref().map_or("", |p| p.kind.as_str())
        ))),
        Processor::Cnab => Err(ApiError::bad_request(format!(
            "addition {addition} isn't supported"
        ))),
        Processor::Image if a.index.is_some() => Err(ApiError::bad_request(format!(
            "addition {addition} isn't supported"
        ))),
        Processor::Image | Processor::Wasm => {
            if addition != "BUILD_HISTORY" {
                return Err(ApiError::bad_request(format!(
                    "addition {addition} isn't supported for {}(manifest version 2)",
                    if a.is_image() { "IMAGE" } else { "WASM" }
                )));
            }
            // The config's history, `null` without one (`json.Marshal` of a nil slice).
            let config = s
                .pushed_config(id)
                .or_else(|| s.made_config(a))
                .unwrap_or_default();
            let body = crate::state::registry_push::build_history(&config).to_string();
            Ok(Reply::text(StatusCode::OK, body)
                .with_header("Content-Type", "application/json; charset=utf-8"))
        }
    }
}
