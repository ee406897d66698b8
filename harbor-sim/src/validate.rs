//! Checks a request against its operation's parameter types before any handler runs, as
//! Harbor's generated validators do: wrong types and missing required values are 422,
//! a body that is not JSON is 400.

use crate::context::Ctx;
use crate::errors::{ApiError, ApiResult};
use crate::operation::{ParamIn, ParamKind};

/// Validates query, header and body parameters of a routed request.
pub fn validate(ctx: &Ctx) -> ApiResult<()> {
    for p in ctx.op.params {
        match p.location {
            ParamIn::Query => match ctx.query(p.name) {
                Some(v) => check_kind(p.name, "query", p.kind, v)?,
                None if p.required => {
                    return Err(ApiError::unprocessable(format!(
                        "{} in query is required",
                        p.name
                    )));
                }
                None => {}
            },
            ParamIn::Header => {
                if let Some(v) = ctx.header(p.name) {
                    check_kind(p.name, "header", p.kind, v)?;
                } else if p.required {
                    return Err(ApiError::unprocessable(format!(
                        "{} in header is required",
                        p.name
                    )));
                }
            }
            ParamIn::Path => check_kind(p.name, "path", p.kind, ctx.path(p.name))?,
            ParamIn::Body => {
                let blank = ctx.body.iter().all(u8::is_ascii_whitespace);
                if blank {
                    if p.required {
                        return Err(ApiError::unprocessable(format!(
                            "{} in body is required",
                            p.name
                        )));
                    }
                } else if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&ctx.body) {
                    return Err(ApiError::bad_request(format!(
                        "parsing {} body failed: {e}",
                        p.name
                    )));
                } else if let Some(Err(e)) = p
                    .model
                    .and_then(|m| crate::body_models::check(m, &ctx.body))
                {
                    return Err(ApiError::unprocessable(format!("{} in body: {e}", p.name)));
                }
            }
        }
    }
    if ctx.op.paginated {
        ctx.page()?;
        ctx.filters()?;
    }
    Ok(())
}

fn check_kind(name: &str, place: &str, kind: ParamKind, value: &str) -> ApiResult<()> {
    let ok = match kind {
        ParamKind::Integer => value.parse::<i64>().is_ok(),
        ParamKind::Number => value.parse::<f64>().is_ok(),
        ParamKind::Boolean => matches!(value, "true" | "false" | "1" | "0"),
        ParamKind::String | ParamKind::Array | ParamKind::Body => true,
    };
    if ok {
        Ok(())
    } else {
        let ty = match kind {
            ParamKind::Integer => "int64",
            ParamKind::Number => "number",
            _ => "boolean",
        };
        Err(ApiError::unprocessable(format!(
            "{name} in {place} must be of type {ty}: \"{value}\""
        )))
    }
}
