//! Emits `generated/methods.rs`: one async method per operation on `HarborClient`, plus a
//! stream and a collect-all variant for every list, and a params struct for operations
//! with optional parameters.
//!
//! Each public method starts a logical call (its plan resolved once, one `X-Request-Id`, one
//! tracing span) and runs the retried method of the same name on `Call`, which carries
//! `RETRY_ATTRIBUTE`: the settings, per-attempt timeout and hedge delay come from the call's
//! plan, and `Details.target` ends with the operation's method name.

use super::naming;
use super::operations::{Answer, Location, OpInfo, ParamInfo};
use super::types::{Model, Registry, Ty};
use std::fmt::Write;

/// The attribute of every retried method: all three values come from the call's plan,
/// resolved once when the call started (`attempt_timeout` and `hedge_delay` `None` leave the
/// settings' own). Naming `hedge_delay` is what lets the runtime run two attempts of the body
/// at once, which every retried method allows (it borrows `&self` and its arguments shared).
const RETRY_ATTRIBUTE: &str = "    #[retry(\n        settings = self.plan.settings(),\n        attempt_timeout = self.plan.attempt_timeout(),\n        hedge_delay = self.plan.hedge_delay()\n    )]\n";

/// Parameters the client manages itself: the request id, and `X-Is-Resource-Name`, which
/// follows the reference type of the `{project_name_or_id}` argument.
const MANAGED_HEADERS: &[&str] = &["X-Request-Id", RESOURCE_NAME_HEADER];

/// The header that makes Harbor read `{project_name_or_id}` as a name.
const RESOURCE_NAME_HEADER: &str = "X-Is-Resource-Name";

/// Which method a signature is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sig {
    /// A public method: references as `impl Into<ProjectRef>`.
    Public,
    /// A public stream method, whose arguments live for `'a`.
    Stream,
    /// The retried method on `Call`: references as `&ProjectRef`.
    Attempt,
}

/// What the id of each create's [`Created`] names, for its documentation.
const CREATED_IDS: &[(&str, &str)] = &[
    (
        "createProject",
        "the new project's id (with `X-Resource-Name-In-Location: true`, `None` and the last segment is its name)",
    ),
    ("createProjectMember", "the new membership's id"),
    (
        "CopyArtifact",
        "`None`: the last segment is the copied artifact's digest",
    ),
    (
        "createTag",
        "`None`: the last segment is the new tag's name",
    ),
    ("CreateInstance", "the new preheat instance's id"),
    ("CreatePolicy", "the new preheat policy's id"),
    (
        "ManualPreheat",
        "the id of the preheat execution it started",
    ),
    ("CreateImmuRule", "the new immutable rule's id"),
    (
        "CreateWebhookPolicyOfProject",
        "the new webhook policy's id",
    ),
    ("createUserGroup", "the new user group's id"),
    ("createReplicationPolicy", "the new replication policy's id"),
    (
        "startReplication",
        "the id of the replication execution it started",
    ),
    ("createRegistry", "the new registry's id"),
    (
        "createGCSchedule",
        "the id of the GC run it started (a `Manual` schedule); a schedule has none of its own",
    ),
    (
        "createPurgeSchedule",
        "the id of the audit-log purge run it started (a `Manual` schedule)",
    ),
    (
        "createScanAllSchedule",
        "`None`: Harbor sends no `Location` for it",
    ),
    ("createRetention", "the new retention policy's id"),
    (
        "triggerRetentionExecution",
        "the id of the retention execution it started",
    ),
    (
        "createScanner",
        "`None`: the last segment is the new scanner's uuid",
    ),
    ("createUser", "the new user's id"),
    ("CreateLabel", "the new label's id"),
];

fn created_doc(op: &OpInfo) -> String {
    let what = CREATED_IDS
        .iter()
        .find(|(id, _)| *id == op.id)
        .map_or("the new resource's id", |(_, what)| *what);
    format!("[`Created`] (the `Location` Harbor answers with); its `id()` is {what}")
}

/// The reference type of a path parameter that names a resource by name or id.
fn ref_type(p: &ParamInfo) -> Option<&'static str> {
    if p.location == Location::Path {
        naming::name_or_id_type(&p.wire)
    } else {
        None
    }
}

/// Operations whose params struct is kept even when nothing optional is left in it: the
/// `X-Is-Resource-Name` header used to be there, and calls written then stay valid.
fn had_resource_name_header(op: &OpInfo) -> bool {
    op.params.iter().any(|p| p.wire == RESOURCE_NAME_HEADER)
}

/// Renders `methods/mod.rs`, one `methods/<tag>.rs` per tag (in order of first appearance)
/// and `methods/list_items.rs`, as `(path inside generated/, body)`, and the number of
/// `#[retry]` methods.
pub fn render(ops: &[OpInfo], models: &Registry) -> (Vec<(String, String)>, usize) {
    let mut tags: Vec<(String, Vec<&OpInfo>)> = Vec::new();
    for op in ops {
        let module = module_name(&op.tag);
        match tags.iter_mut().find(|(m, _)| *m == module) {
            Some((_, list)) => list.push(op),
            None => tags.push((module, vec![op])),
        }
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "//! One method per Harbor operation, one module per spec tag. Each public method starts\n\
         //! a call (plan, request id, tracing span) and runs the retried method of the same\n\
         //! name; the params structs hold each operation's optional parameters.\n\n",
    );
    for (module, _) in &tags {
        let _ = writeln!(index, "mod {module};");
    }
    index.push_str("mod list_items;\n");
    index.push('\n');
    // Only modules with params structs export anything.
    for (module, list) in &tags {
        if list.iter().any(|op| has_params_struct(op)) {
            let _ = writeln!(index, "pub use {module}::*;");
        }
    }
    files.push(("methods/mod.rs".to_owned(), index));

    let mut retried = 0;
    for (module, list) in &tags {
        let (body, count) = render_tag(&list[0].tag, list);
        retried += count;
        files.push((format!("methods/{module}.rs"), body));
    }
    files.push((
        "methods/list_items.rs".to_owned(),
        render_list_items(ops, models),
    ));
    (files, retried)
}

/// The field that identifies an item of a list where it is not `id`: the models that
/// name their key after themselves, and the scanner registration, keyed by uuid.
const ITEM_IDENTITIES: &[(&str, &str)] = &[
    ("Project", "project_id"),
    ("UserResp", "user_id"),
    ("UserSearchRespItem", "user_id"),
    ("ScannerRegistration", "uuid"),
];

/// `methods/list_items.rs`: [`ListItem`] for the item model of every list operation, once
/// per model. A model with no identifying field gets `None` (its items are told apart by
/// position; see `pagination`).
fn render_list_items(ops: &[OpInfo], models: &Registry) -> String {
    let mut out = String::from(
        "//! What identifies the items of each list: `ListItem` for every list's item model.\n\n\
         use crate::generated::models;\n\
         use crate::pagination::{ItemId, ListItem};\n\n",
    );
    let mut done: Vec<&str> = Vec::new();
    for op in ops {
        let Some(Ty::Named(name)) = list_item(op) else {
            continue;
        };
        if done.contains(&name.as_str()) {
            continue;
        }
        done.push(name);
        let field = ITEM_IDENTITIES
            .iter()
            .find(|(model, _)| model == name)
            .map_or("id", |(_, field)| *field);
        let found = match models.models.get(name.as_str()) {
            Some(Model::Struct { fields, .. }) => fields.iter().find(|f| f.wire == field),
            _ => None,
        };
        let body = match found {
            Some(f) => {
                let (wrap, value) = match f.ty {
                    Ty::I64 => ("ItemId::Number", format!("self.{}", f.ident)),
                    _ => ("ItemId::Text", format!("self.{}.clone()", f.ident)),
                };
                if f.required {
                    format!("Some({wrap}({value}))")
                } else {
                    format!("{value}.map({wrap})")
                }
            }
            None => "None".to_owned(),
        };
        let doc = match found {
            Some(_) => format!("/// By `{field}`."),
            None => "/// None: no field identifies one item.".to_owned(),
        };
        let _ = writeln!(
            out,
            "{doc}\nimpl ListItem for models::{name} {{\n    fn identity(&self) -> Option<ItemId> {{\n        {body}\n    }}\n}}\n"
        );
    }
    out
}

/// The module of a tag (`scan data export` -> `scan_data_export`).
fn module_name(tag: &str) -> String {
    let name = naming::field_name(tag);
    name.trim_start_matches("r#").to_owned()
}

fn render_tag(tag: &str, ops: &[&OpInfo]) -> (String, usize) {
    let mut out = String::new();
    let _ = writeln!(out, "//! Operations tagged `{tag}`.\n");
    out.push_str("#![allow(clippy::too_many_arguments)]\n\n");
    if ops.iter().any(|op| op.paginated) {
        out.push_str("use crate::client::{Call, HarborClient, Request};\n");
    } else {
        out.push_str("use crate::client::{Call, HarborClient};\n");
    }
    if ops.iter().any(|op| op.answer == Answer::Created) {
        out.push_str("use crate::Created;\n");
    }
    if ops
        .iter()
        .any(|op| op.params.iter().any(|p| ref_type(p).is_some()))
    {
        out.push_str("use crate::ProjectRef;\n");
    }
    out.push_str("use crate::error::Error;\n");
    out.push_str("use crate::operations;\n");
    if ops.iter().any(|op| op.paginated) {
        out.push_str("use crate::pagination::{self, Page};\n");
        out.push_str("use futures::Stream;\n");
    }
    out.push_str("use retry_runtime::retry;\n\n");

    let mut body = String::new();
    for op in ops {
        render_params_struct(&mut body, op);
    }
    body.push_str("impl HarborClient {\n");
    for op in ops {
        render_public(&mut body, op);
    }
    body.push_str("}\n\n");
    let mut retried = 0;
    body.push_str("impl Call<'_> {\n");
    for op in ops {
        render_attempt(&mut body, op);
        retried += 1;
    }
    body.push_str("}\n");
    for op in ops.iter().filter(|op| item_type(op).is_some()) {
        body.push('\n');
        render_page_request(&mut body, op);
    }
    // Import the models module only where a type of it appears.
    if body.contains("models::") {
        out.insert_str(
            out.find("use crate::operations;").unwrap_or(0),
            "use crate::generated::models;\n",
        );
    }
    out.push_str(&body);
    (out, retried)
}

fn visible(p: &ParamInfo) -> bool {
    !(p.location == Location::Header && MANAGED_HEADERS.contains(&p.wire.as_str()))
}

/// Optional non-body parameters go into the params struct.
fn optional(op: &OpInfo) -> Vec<&ParamInfo> {
    op.params
        .iter()
        .filter(|p| visible(p) && !p.required && p.location != Location::Body)
        .collect()
}

/// Arguments in order: required path, query, header parameters, then the body.
fn arguments(op: &OpInfo) -> Vec<&ParamInfo> {
    let mut args: Vec<&ParamInfo> = op
        .params
        .iter()
        .filter(|p| visible(p) && p.required && p.location != Location::Body)
        .collect();
    args.extend(op.params.iter().filter(|p| p.location == Location::Body));
    args
}

fn has_params_struct(op: &OpInfo) -> bool {
    !optional(op).is_empty() || had_resource_name_header(op)
}

fn params_name(op: &OpInfo) -> String {
    naming::params_struct(&op.method_name)
}

fn location_word(l: Location) -> &'static str {
    match l {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
        Location::Body => "body",
    }
}

fn render_params_struct(out: &mut String, op: &OpInfo) {
    if !has_params_struct(op) {
        return;
    }
    let optional = optional(op);
    let name = params_name(op);
    let _ = writeln!(
        out,
        "/// Optional parameters of [`HarborClient::{}`]; `Default` leaves them all unset.",
        op.method_name
    );
    if had_resource_name_header(op) {
        out.push_str("///\n/// `X-Is-Resource-Name` is not here: the client sends it with every project given by name (see [`ProjectRef`](crate::ProjectRef)).\n");
    }
    out.push_str("#[derive(Debug, Clone, Default, PartialEq)]\n");
    let _ = writeln!(out, "pub struct {name} {{");
    for p in optional {
        let _ = writeln!(
            out,
            "    /// The `{}` {} parameter.",
            p.wire,
            location_word(p.location)
        );
        let _ = writeln!(
            out,
            "    pub {}: Option<{}>,",
            p.ident,
            p.ty.rust("models::")
        );
    }
    out.push_str("}\n\n");
}

/// The argument type of a required parameter.
fn arg_type(p: &ParamInfo, sig: Sig) -> String {
    let lifetime = if sig == Sig::Stream { "'a " } else { "" };
    if let Some(reference) = ref_type(p) {
        return match sig {
            Sig::Public => format!("impl Into<{reference}>"),
            Sig::Stream => format!("impl Into<{reference}> + 'a"),
            Sig::Attempt => format!("&{reference}"),
        };
    }
    let base = match &p.ty {
        Ty::String | Ty::Timestamp => format!("&{lifetime}str"),
        Ty::Vec(item) => format!("&{lifetime}[{}]", item.rust("models::")),
        Ty::I64 | Ty::U64 | Ty::F64 | Ty::Bool => p.ty.rust("models::"),
        other => format!("&{lifetime}{}", other.rust("models::")),
    };
    if p.location == Location::Body && !p.required {
        format!("Option<{base}>")
    } else {
        base
    }
}

/// `(signature args, call args)`, without `self`.
fn signature(op: &OpInfo, kind: Sig) -> (Vec<String>, Vec<String>) {
    let lifetime = if kind == Sig::Stream { "'a " } else { "" };
    let mut sig = Vec::new();
    let mut call = Vec::new();
    for p in arguments(op) {
        sig.push(format!("{}: {}", p.ident, arg_type(p, kind)));
        call.push(p.ident.clone());
    }
    if has_params_struct(op) {
        sig.push(format!("params: &{lifetime}{}", params_name(op)));
        call.push("params".to_owned());
    }
    (sig, call)
}

/// The item type of a paginated operation, as a spec type.
fn list_item(op: &OpInfo) -> Option<&Ty> {
    match (&op.answer, op.paginated) {
        (Answer::Json(Ty::Vec(item)), true) => Some(item),
        _ => None,
    }
}

/// The item type of a paginated operation.
fn item_type(op: &OpInfo) -> Option<String> {
    match (&op.answer, op.paginated) {
        (Answer::Json(Ty::Vec(item)), true) => Some(item.rust("models::")),
        _ => None,
    }
}

/// Whether the retried attempt fn answers the model boxed (`Box<models::X>`), which the
/// public method unboxes: a model is a struct of a few hundred bytes (688 for `Project`), and
/// the attempt's result is moved through every layer of the call's future on each poll
/// (the attempt set, the driver, the span, the call's task-local scope), each move a copy of
/// all of it; boxed, each is a copy of a pointer, for one allocation per call. Lists, maps
/// and scalars are small already.
fn boxes_answer(op: &OpInfo) -> bool {
    item_type(op).is_none() && matches!(&op.answer, Answer::Json(Ty::Named(_)))
}

/// The attempt fn's `Ok` type: [`return_type`], boxed when [`boxes_answer`].
fn attempt_return_type(op: &OpInfo) -> String {
    let ret = return_type(op);
    if boxes_answer(op) {
        format!("Box<{ret}>")
    } else {
        ret
    }
}

fn return_type(op: &OpInfo) -> String {
    if let Some(item) = item_type(op) {
        return format!("Page<{item}>");
    }
    match &op.answer {
        Answer::Empty => "()".to_owned(),
        Answer::Json(ty) => ty.rust("models::"),
        Answer::Text => "String".to_owned(),
        Answer::Bytes => "Vec<u8>".to_owned(),
        Answer::Exists => "bool".to_owned(),
        Answer::Created => "Created".to_owned(),
    }
}

/// `let x = x.into();` for every reference argument, so the rest of a public method is the
/// same for every caller's type.
fn convert_refs(out: &mut String, op: &OpInfo) {
    for p in arguments(op).into_iter().filter(|p| ref_type(p).is_some()) {
        let _ = writeln!(out, "        let {0} = {0}.into();", p.ident);
    }
}

/// The call arguments with references passed as `&x` (to a retried method).
fn borrow_refs(op: &OpInfo, call: &[String]) -> Vec<String> {
    call.iter()
        .map(|a| {
            let is_ref = arguments(op)
                .iter()
                .any(|p| &p.ident == a && ref_type(p).is_some());
            if is_ref { format!("&{a}") } else { a.clone() }
        })
        .collect()
}

fn returns_doc(op: &OpInfo) -> String {
    let link = |ty: &Ty| match ty {
        Ty::Named(n) => format!("[`models::{n}`]"),
        other => format!("`{}`", other.rust("")),
    };
    if op.paginated
        && let Answer::Json(Ty::Vec(item)) = &op.answer
    {
        return format!(
            "one [`Page`] of {} with the list's total count and next link",
            link(item)
        );
    }
    match &op.answer {
        Answer::Empty => format!("nothing (`()`) on {}", op.success_status),
        Answer::Json(Ty::Vec(item)) => format!("a list of {}", link(item)),
        Answer::Json(Ty::Map(value)) => format!("a map from names to {}", link(value)),
        Answer::Json(ty) => link(ty),
        Answer::Text => "the answer's text".to_owned(),
        Answer::Bytes => "the answer's raw bytes".to_owned(),
        Answer::Exists => "`true` when it exists (2xx), `false` on 404".to_owned(),
        Answer::Created => created_doc(op),
    }
}

fn render_doc_head(out: &mut String, op: &OpInfo) {
    let _ = writeln!(
        out,
        "    /// `{} {}` (`{}`, tag `{}`): returns {}.",
        op.http_method,
        op.path,
        op.id,
        op.tag,
        returns_doc(op)
    );
    let args = arguments(op);
    if !args.is_empty() || has_params_struct(op) {
        out.push_str("    ///\n");
        let mut parts: Vec<String> = args
            .iter()
            .map(|p| {
                let how = if p.location == Location::Body {
                    if p.required {
                        "the JSON body".to_owned()
                    } else {
                        "the JSON body, if any".to_owned()
                    }
                } else if let Some(reference) = ref_type(p) {
                    format!(
                        "the project, by name or id (a [`{reference}`]: a name is sent with `X-Is-Resource-Name: true`, so an all-digit name stays a name)"
                    )
                } else {
                    format!("the `{}` {} parameter", p.wire, location_word(p.location))
                };
                format!("`{}` is {how}", p.ident.trim_start_matches("r#"))
            })
            .collect();
        if has_params_struct(op) {
            parts.push(format!(
                "`params` holds the optional ones ([`{}`])",
                params_name(op)
            ));
        }
        let _ = writeln!(out, "    /// {}.", capitalize(&parts.join("; ")));
    }
    if op
        .params
        .iter()
        .any(|p| p.location == Location::Path && p.wire == "repository_name")
    {
        out.push_str("    /// The repository name is encoded twice in the path, as Harbor expects (`a/b` travels as `a%252Fb`).\n");
    }
    if !op.idempotent() {
        out.push_str(
            "    ///\n    /// Not idempotent: by default sent again only when the request never left; [`HarborClient::allow_resend`] allows more (see [`crate::settings`]).\n",
        );
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn render_public(out: &mut String, op: &OpInfo) {
    let (sig, call) = signature(op, Sig::Public);
    let ret = return_type(op);
    render_doc_head(out, op);
    let sig_text = std::iter::once("&self".to_owned())
        .chain(sig.iter().cloned())
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "    pub async fn {}({sig_text}) -> Result<{ret}, Error> {{",
        op.method_name
    );
    convert_refs(out, op);
    let _ = writeln!(
        out,
        "        let call = self.call(operations::{});",
        op.const_name
    );
    let unbox = if boxes_answer(op) {
        ".map(|answer| *answer)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "        call.run(call.{}({})).await{unbox}\n    }}\n",
        op.method_name,
        borrow_refs(op, &call).join(", ")
    );

    if let Some(item) = item_type(op) {
        let (sig_a, call_a) = signature(op, Sig::Stream);
        let sig_text = std::iter::once("&'a self".to_owned())
            .chain(sig_a)
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "    /// `{} {}` (`{}`): every item of the list as a lazy stream, page after page; a failed page is retried on its own, a slow one asked again at half the size, deletions met without skipping an item (see [`crate::pagination`]).",
            op.http_method, op.path, op.id
        );
        let _ = writeln!(
            out,
            "    pub fn {}_stream<'a>({sig_text}) -> impl Stream<Item = Result<{item}, Error>> + Send + 'a {{",
            op.method_name
        );
        convert_refs(out, op);
        let _ = writeln!(
            out,
            "        let request = {}({});",
            page_request_fn(op),
            borrow_refs(op, &call_a).join(", ")
        );
        let _ = writeln!(
            out,
            "        self.list_items(operations::{}, request, params.page, params.page_size)\n    }}\n",
            op.const_name
        );

        let sig_text = std::iter::once("&self".to_owned())
            .chain(sig.iter().cloned())
            .chain(std::iter::once("limit: Option<usize>".to_owned()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "    /// `{} {}` (`{}`): collects the list's items, at most `limit` of them (all when `None`), fetching no page beyond the limit.",
            op.http_method, op.path, op.id
        );
        let _ = writeln!(
            out,
            "    pub async fn {}_all({sig_text}) -> Result<Vec<{item}>, Error> {{",
            op.method_name
        );
        convert_refs(out, op);
        let has_page_size = optional(op).iter().any(|p| p.wire == "page_size");
        let call_args = if has_page_size {
            out.push_str("        let mut params = params.clone();\n");
            out.push_str(
                "        params.page_size = Some(pagination::page_size_for(params.page_size, limit));\n",
            );
            call.iter()
                .map(|a| {
                    if a == "params" {
                        "&params".to_owned()
                    } else {
                        a.clone()
                    }
                })
                .collect::<Vec<_>>()
        } else {
            call.clone()
        };
        let _ = writeln!(
            out,
            "        pagination::collect_items(self.{}_stream({}), limit).await\n    }}\n",
            op.method_name,
            call_args.join(", ")
        );
    }
}

fn render_attempt(out: &mut String, op: &OpInfo) {
    let (sig, call) = signature(op, Sig::Attempt);
    let ret = attempt_return_type(op);
    let sig_text = std::iter::once("&self".to_owned())
        .chain(sig)
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "    /// The whole retry loop of [`HarborClient::{}`]: `#[retry]` runs the body, one attempt, under the call's plan.",
        op.method_name
    );
    out.push_str(RETRY_ATTRIBUTE);
    let _ = writeln!(
        out,
        "    async fn {}({sig_text}) -> Result<{ret}, Error> {{",
        op.method_name
    );
    if item_type(op).is_some() {
        // A list's request is built apart, as its stream builds it once for every page.
        let _ = writeln!(
            out,
            "        self.page({}({})).await\n    }}\n",
            page_request_fn(op),
            call.join(", ")
        );
        return;
    }
    let finish = match &op.answer {
        Answer::Empty => "empty",
        Answer::Json(_) => "json",
        Answer::Text => "text",
        Answer::Bytes => "bytes",
        Answer::Exists => "exists",
        Answer::Created => "created",
    };
    if !op.params.iter().any(visible) {
        let _ = writeln!(out, "        self.{finish}(self.request()).await\n    }}\n");
        return;
    }
    // The request is built in a block whose value is the future awaited: a `req` declared
    // in the fn's own scope would keep its 208 bytes in the attempt's future across the
    // await, though moved out.
    out.push_str("        {\n");
    render_request(out, op, "self.request()");
    let _ = writeln!(
        out,
        "        self.{finish}(req)\n        }}\n        .await\n    }}\n"
    );
}

/// The name of the function that builds a list operation's first-page request.
fn page_request_fn(op: &OpInfo) -> String {
    format!("{}_page_request", op.method_name)
}

/// The function that builds a list operation's request from its arguments (the first page
/// as the caller's `page` and `page_size` say; the stream changes those two for later pages).
fn render_page_request(out: &mut String, op: &OpInfo) {
    let (sig, _) = signature(op, Sig::Attempt);
    let _ = writeln!(
        out,
        "/// The request of [`HarborClient::{}`] for its arguments.\nfn {}({}) -> Request {{",
        op.method_name,
        page_request_fn(op),
        sig.join(", ")
    );
    render_request(
        out,
        op,
        &format!("Request::new(operations::{})", op.const_name),
    );
    out.push_str("    req\n}\n\n");
}

/// `let req = <start>;` and a statement for every parameter the operation takes.
fn render_request(out: &mut String, op: &OpInfo, start: &str) {
    let needs_mut = op.params.iter().any(visible);
    if needs_mut {
        let _ = writeln!(out, "        let mut req = {start};");
    } else {
        let _ = writeln!(out, "        let req = {start};");
    }
    for p in op.params.iter().filter(|p| visible(p)) {
        let wire = format!("{:?}", p.wire);
        let value_ref = if p.required || p.location == Location::Body {
            p.ident.clone()
        } else {
            "v".to_owned()
        };
        let stmt = match p.location {
            Location::Path if ref_type(p).is_some() => {
                format!("req.project_ref({wire}, {value_ref});")
            }
            Location::Path => format!("req.path({wire}, {value_ref});"),
            Location::Query => match &p.ty {
                Ty::Vec(_) => format!("req.query_list({wire}, {value_ref});"),
                _ => format!("req.query({wire}, {value_ref});"),
            },
            Location::Header => format!("req.header({wire}, {value_ref});"),
            Location::Body => format!("req.json({value_ref});"),
        };
        if p.location == Location::Body && !p.required {
            let _ = writeln!(
                out,
                "        if let Some(body) = {} {{\n            req.json(body);\n        }}",
                p.ident
            );
        } else if p.required || p.location == Location::Body {
            let _ = writeln!(out, "        {stmt}");
        } else {
            let _ = writeln!(
                out,
                "        if let Some(v) = &params.{} {{\n            {stmt}\n        }}",
                p.ident
            );
        }
    }
}
