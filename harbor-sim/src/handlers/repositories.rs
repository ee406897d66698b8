//! Repositories.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{actor_name, security};
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::rbac::{Listing, VisibleProjects};
use crate::state::OrderedIds;
use crate::state::SimState;
use crate::state::ordered_ids::{newest_first, newest_first_of_many};

/// The repository a `{project_name}/{repository_name}` request is about.
pub(crate) fn repository_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    s.project_id(ctx.path("project_name"), true)?;
    s.repository_id(ctx.path("project_name"), ctx.path("repository_name"))
}

/// The repository of a get, update or delete: Harbor's handlers look it up by its full name
/// only (`repoCtl.GetByName`), so a missing project is a missing repository
/// (`repository <project>/<name> not found`, `src/pkg/repository/manager.go`).
fn named_repository(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    s.repository_id(ctx.path("project_name"), ctx.path("repository_name"))
}

pub(crate) fn list_all(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let sc = security(ctx, s);
    // Newest first, then by id descending (`GetDefaultSorts`,
    // `src/pkg/repository/model/model.go`): ids grow with creation time.
    if ctx.lists_in_order() {
        // The page and the total from the indexes, without a walk of all repositories.
        let page = ctx.page()?;
        let (first, size) = page.window();
        let (ids, total) = match sc.visible_projects(Listing::Repositories) {
            // Who sees every project sees every repository (a project holding one cannot
            // be deleted): a walk to the page, the table's size.
            VisibleProjects::All => {
                let ids = s.repositories.keys().rev().skip(first).take(size);
                (ids.copied().collect(), s.repositories.len())
            }
            // The others: a merge of the repository lists of the projects they see.
            VisibleProjects::PublicAnd(more) => {
                let projects = OrderedIds::union(s.projects.public_ids(), more);
                let lists: Vec<&[i64]> = projects
                    .iter()
                    .map(|p| s.repositories.ids_in_project(p))
                    .collect();
                let total = lists.iter().map(|l| l.len()).sum();
                (newest_first_of_many(&lists, first, size), total)
            }
        };
        let items = ids
            .iter()
            .filter_map(|id| s.repository_view(*id))
            .map(|r| json!(r))
            .collect();
        return Ok(ctx.page_items(items, total, page));
    }
    let seen = s.repositories.values().rev().filter(|r| {
        s.projects
            .get(&r.project_id)
            .is_some_and(|p| sc.sees_project(p, Listing::Repositories))
    });
    ctx.list_lazily(seen, |r| json!(s.repository_view_of(r)))
}

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = s.project_id(ctx.path("project_name"), true)?;
    // Newest first, as `list_all`; the page and the total come from the project's index.
    let ids = s.repositories.ids_in_project(project);
    let view = |id: &i64| s.repository_view(*id).map(|r| json!(r));
    if ctx.lists_in_order() {
        let page = ctx.page()?;
        let (first, size) = page.window();
        let items = newest_first(ids, first, size).filter_map(view).collect();
        return Ok(ctx.page_items(items, ids.len(), page));
    }
    ctx.list(ids.iter().rev().filter_map(view).collect())
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = named_repository(ctx, s)?;
    Ok(Reply::ok(&s.repository_view(id)))
}

#[derive(Deserialize)]
struct RepositoryReq {
    #[serde(default)]
    description: String,
}

/// Go's `template.HTMLEscapeString`: the five HTML specials as entities, NUL as U+FFFD.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: RepositoryReq = ctx.json()?;
    let id = named_repository(ctx, s)?;
    // Harbor writes the body's description, HTML-escaped, whatever it is: an omitted one
    // clears the stored text (`UpdateRepository`, the `Description` column only).
    if let Some(mut repo) = s.repositories.get_mut(&id) {
        repo.description = html_escape(&req.description);
        repo.update_time = crate::state::now();
    }
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = named_repository(ctx, s)?;
    s.delete_repository_as(id, &actor_name(&ctx.identity))?;
    Ok(Reply::empty(StatusCode::OK))
}
