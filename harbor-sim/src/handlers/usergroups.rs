//! User-group search (`src/server/v2.0/handler/usergroup.go`, `SearchUserGroups`): a fuzzy
//! match on the group name over the groups [`super::generic`] keeps.

use std::sync::RwLock;

use serde_json::{Value, json};

use super::{Handler, read};
use crate::context::{Ctx, Reply, api_path};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "searchUserGroups" => search,
        _ => return None,
    })
}

fn search(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let name = ctx
        .query("groupname")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("need to provide groupname to search user group"))?
        .to_lowercase();
    let s = read(state);
    let docs: Vec<Value> = s
        .collections
        .get(&api_path("/usergroups"))
        .into_iter()
        .flat_map(|groups| groups.values())
        .filter(|g| {
            g["group_name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains(&name))
        })
        .map(|g| json!({"id": g["id"], "group_name": g["group_name"], "group_type": g["group_type"]}))
        .collect();
    Ok(ctx.page_of(docs, page))
}
