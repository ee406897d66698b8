//! Stage 2: the annotated item, parsed into a [`RetryFn`]: the fn, how its body runs
//! (async, blocking, or `#[async_trait]`), its return type and its arguments.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, Expr, FnArg, Ident, Item, Pat, ReturnType, Signature, Stmt, TraitItemFn,
    Type, Visibility,
};

/// How the body of the annotated fn runs.
#[derive(Debug, Clone)]
pub enum BodyKind {
    /// `async fn`: attempts are async blocks, waits go through the sleeper.
    Async,
    /// A plain fn: attempts are closure calls, waits block the thread.
    Blocking,
    /// A fn already rewritten by `#[async_trait]`, split where it was recognised: the body
    /// that gets retried is [`AsyncTraitBody::body`].
    AsyncTrait(Box<AsyncTraitBody>),
}

/// A body rewritten by `#[async_trait]`,
/// `Box::pin(async move { <before>; let __ret: R = <body>; <after> })`, in its parts, so the
/// expansion puts the retried body back without looking for it again.
#[derive(Debug, Clone)]
pub struct AsyncTraitBody {
    /// `Box::pin` as async-trait wrote it.
    pub pin: Box<Expr>,
    /// The statements before `let __ret`: async-trait's `let mut x = x;` rebindings of the
    /// arguments (the expansion drops the `mut` of those it clones per attempt).
    pub before: Vec<Stmt>,
    /// The `let __ret: R` statement's attributes and pattern (`__ret: R`).
    pub ret_attrs: Vec<Attribute>,
    /// The pattern `__ret: R`.
    pub ret_pat: Pat,
    /// What async-trait binds to `__ret`: the original body, retried per attempt.
    pub body: Expr,
    /// The statements after `let __ret` (returning it).
    pub after: Vec<Stmt>,
}

impl AsyncTraitBody {
    /// The fn's block again, with `body` (the retry loop) where the original body was.
    pub fn with_body(&self, body: TokenStream) -> TokenStream {
        let AsyncTraitBody {
            pin,
            before,
            ret_attrs,
            ret_pat,
            after,
            ..
        } = self;
        quote::quote!({
            #pin(async move {
                #(#before)*
                #(#ret_attrs)* let #ret_pat = #body;
                #(#after)*
            })
        })
    }
}

/// One name bound by the fn's arguments.
#[derive(Debug, Clone)]
pub struct ArgBinding {
    /// The name, with the user's span (the body refers to it).
    pub ident: Ident,
    /// True when the argument is taken by value (not a reference type, not a `ref` binding):
    /// such a binding is cloned for each attempt.
    pub by_value: bool,
    /// True when the binding is `mut`.
    pub mutable: bool,
}

/// The annotated fn.
#[derive(Debug, Clone)]
pub struct RetryFn {
    /// Outer attributes, kept as written.
    pub attrs: Vec<Attribute>,
    /// Visibility, kept as written.
    pub vis: Visibility,
    /// The signature, kept as written (argument patterns may lose `mut`, see `expand`).
    pub sig: Signature,
    /// The body as written.
    pub block: Box<Block>,
    /// How attempts run.
    pub kind: BodyKind,
    /// The declared return type (the future's output for `#[async_trait]`).
    pub output: Box<Type>,
    /// The argument bindings in order, `self` excluded.
    pub bindings: Vec<ArgBinding>,
}

/// Parses the item under `#[retry]`.
///
/// Errors name what was found and what is expected; the caller re-emits the item unchanged
/// next to them, so nothing else breaks because of the attribute.
pub fn parse_retry_fn(tokens: TokenStream) -> Result<RetryFn, syn::Error> {
    let function: syn::ItemFn = match syn::parse2(tokens.clone()) {
        Ok(function) => function,
        Err(error) => return Err(not_a_fn(tokens, error)),
    };
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    check_signature(&sig)?;
    let mut bindings = arg_bindings(&sig);
    let (kind, output) = match (&sig.asyncness, split_async_trait(&block)) {
        (Some(_), _) => (BodyKind::Async, declared_output(&sig)?),
        (None, Some(Ok((split, output)))) => {
            mark_async_trait_mut(&split.before, &mut bindings);
            (BodyKind::AsyncTrait(Box::new(split)), output)
        }
        (None, Some(Err(error))) => return Err(error),
        (None, None) => (BodyKind::Blocking, declared_output(&sig)?),
    };
    Ok(RetryFn {
        attrs,
        vis,
        sig,
        block,
        kind,
        output,
        bindings,
    })
}

fn not_a_fn(tokens: TokenStream, parse_error: syn::Error) -> syn::Error {
    if let Ok(method) = syn::parse2::<TraitItemFn>(tokens.clone())
        && method.default.is_none()
    {
        return syn::Error::new(
            method.semi_token.span(),
            "#[retry] needs a fn body to retry; put it on the fn in the `impl` block, not on the trait's declaration",
        );
    }
    match syn::parse2::<Item>(tokens) {
        Ok(Item::Fn(_)) | Err(_) => parse_error,
        Ok(item) => syn::Error::new(
            first_token_span(&item),
            format!(
                "#[retry] applies to a fn (async or not, free fn or method), not to {}",
                item_kind(&item)
            ),
        ),
    }
}

fn first_token_span(item: &Item) -> proc_macro2::Span {
    // The keyword after attributes and visibility: `struct`, `impl`, ...
    let tokens = quote::ToTokens::to_token_stream(item);
    let mut span = item.span();
    for tree in tokens {
        if let proc_macro2::TokenTree::Ident(ident) = &tree
            && !matches!(ident.to_string().as_str(), "pub" | "unsafe" | "async")
        {
            span = ident.span();
            break;
        }
    }
    span
}

fn item_kind(item: &Item) -> &'static str {
    match item {
        Item::Struct(_) => "a struct",
        Item::Enum(_) => "an enum",
        Item::Union(_) => "a union",
        Item::Impl(_) => "an impl block (put it on each fn inside)",
        Item::Trait(_) => "a trait",
        Item::Mod(_) => "a module",
        Item::Const(_) => "a const",
        Item::Static(_) => "a static",
        Item::Type(_) => "a type alias",
        Item::Use(_) => "a use declaration",
        Item::ForeignMod(_) => "an extern block",
        Item::Macro(_) => "a macro invocation",
        _ => "this item",
    }
}

fn check_signature(sig: &Signature) -> syn::Result<()> {
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span(),
            "#[retry] cannot retry a `const fn`: retrying needs a clock, hooks and sleeping, none of which run at compile time; remove `const`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "#[retry] cannot retry a variadic fn",
        ));
    }
    Ok(())
}

fn declared_output(sig: &Signature) -> syn::Result<Box<Type>> {
    match &sig.output {
        ReturnType::Type(_, ty) if !is_unit(ty) && !surely_not_result(ty) => Ok(ty.clone()),
        ReturnType::Type(_, ty) => Err(no_result(ty.span(), &sig.ident)),
        ReturnType::Default => Err(no_result(sig.paren_token.span.join(), &sig.ident)),
    }
}

fn no_result(span: proc_macro2::Span, name: &Ident) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "#[retry] needs `{name}` to return a Result-like type (`Result<T, E>` or `Option<T>`): \
             a retry decision is taken on its error (or, with `on_result`, on its value)"
        ),
    )
}

/// Types that can never be `Result`-like: caught here so the user sees one error instead of
/// one per place the expansion needs `RetryOutput`. Anything else (aliases such as
/// `io::Result<T>`) is left to the `RetryOutput` bound.
fn surely_not_result(ty: &Type) -> bool {
    const NEVER: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64", "String", "Vec",
    ];
    match ty {
        Type::Reference(_)
        | Type::Tuple(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::Never(_)
        | Type::Ptr(_)
        | Type::BareFn(_) => true,
        Type::Paren(paren) => surely_not_result(&paren.elem),
        Type::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .map(ToString::to_string)
            .or_else(|| {
                let last = path.path.segments.last()?;
                (last.ident == "String" || last.ident == "Vec").then(|| last.ident.to_string())
            })
            .is_some_and(|name| NEVER.contains(&name.as_str())),
        _ => false,
    }
}

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}

/// Recognises a body rewritten by `#[async_trait]` and splits it around the original body;
/// also returns the future's output type, as async-trait wrote it in `let __ret: R`.
///
/// `None`: not that shape. `Some(Err)`: the `Box::pin(async move { .. })` shape, but not in a
/// form we can retry (async-trait's layout changed, or the output is `()`).
fn split_async_trait(block: &Block) -> Option<syn::Result<(AsyncTraitBody, Box<Type>)>> {
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    let Expr::Async(async_block) = &call.args[0] else {
        return None;
    };
    async_block.capture?;
    let stmts = &async_block.block.stmts;
    let found = stmts
        .iter()
        .enumerate()
        .find_map(|(index, stmt)| match stmt {
            Stmt::Local(local) => ret_binding(local).map(|(ty, body)| (index, local, ty, body)),
            _ => None,
        });
    let Some((index, local, output, body)) = found else {
        return Some(Err(syn::Error::new(
            block.span(),
            "#[retry] found a `Box::pin(async move { .. })` body (from #[async_trait]) but not its \
             `let __ret: T = ..` result binding; the fn must return a Result-like type",
        )));
    };
    let split = AsyncTraitBody {
        pin: call.func.clone(),
        before: stmts[..index].to_vec(),
        ret_attrs: local.attrs.clone(),
        ret_pat: local.pat.clone(),
        body: body.clone(),
        after: stmts[index + 1..].to_vec(),
    };
    Some(Ok((split, Box::new(output.clone()))))
}

/// async-trait moves `mut` from the signature to its `let mut x = x;` rebinding.
fn mark_async_trait_mut(before: &[Stmt], bindings: &mut [ArgBinding]) {
    for stmt in before {
        if let Stmt::Local(local) = stmt
            && let Pat::Ident(pat) = &local.pat
            && pat.mutability.is_some()
            && let Some(binding) = bindings.iter_mut().find(|b| b.ident == pat.ident)
        {
            binding.mutable = true;
        }
    }
}

fn ret_binding(local: &syn::Local) -> Option<(&Type, &Expr)> {
    let Pat::Type(pat_type) = &local.pat else {
        return None;
    };
    let Pat::Ident(ident) = &*pat_type.pat else {
        return None;
    };
    if ident.ident != "__ret" {
        return None;
    }
    let init = local.init.as_ref()?;
    Some((&pat_type.ty, &init.expr))
}

fn arg_bindings(sig: &Signature) -> Vec<ArgBinding> {
    let mut bindings = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            let by_value = !matches!(&*typed.ty, Type::Reference(_));
            collect_bindings(&typed.pat, by_value, &mut bindings);
        }
    }
    bindings
}

fn collect_bindings(pat: &Pat, by_value: bool, out: &mut Vec<ArgBinding>) {
    match pat {
        Pat::Ident(ident) => {
            // async-trait renames destructured arguments to mixed-site `__argN`: those names
            // are not reachable from the body, the destructured names are.
            if ident.ident.to_string().starts_with("__arg") {
                return;
            }
            out.push(ArgBinding {
                ident: ident.ident.clone(),
                by_value: by_value && ident.by_ref.is_none(),
                mutable: ident.mutability.is_some(),
            });
            if let Some((_, sub)) = &ident.subpat {
                collect_bindings(sub, by_value, out);
            }
        }
        Pat::Tuple(tuple) => tuple
            .elems
            .iter()
            .for_each(|p| collect_bindings(p, by_value, out)),
        Pat::TupleStruct(tuple) => tuple
            .elems
            .iter()
            .for_each(|p| collect_bindings(p, by_value, out)),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .for_each(|field| collect_bindings(&field.pat, by_value, out)),
        Pat::Slice(slice) => slice
            .elems
            .iter()
            .for_each(|p| collect_bindings(p, by_value, out)),
        Pat::Reference(reference) => collect_bindings(&reference.pat, by_value, out),
        Pat::Paren(paren) => collect_bindings(&paren.pat, by_value, out),
        Pat::Type(typed) => collect_bindings(&typed.pat, by_value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn plain_and_async() {
        let f = parse_retry_fn(quote!(
            async fn f(a: &str, mut b: String) -> Result<(), E> {}
        ))
        .unwrap();
        assert!(matches!(f.kind, BodyKind::Async));
        assert!(!f.bindings[0].by_value);
        assert!(f.bindings[1].by_value && f.bindings[1].mutable);
        let f = parse_retry_fn(quote!(
            fn f(&mut self, (x, y): (u8, u8)) -> Option<u8> {}
        ))
        .unwrap();
        assert!(matches!(f.kind, BodyKind::Blocking));
        assert_eq!(f.bindings.len(), 2);
    }

    #[test]
    fn rejects_what_cannot_be_retried() {
        let message = |tokens| parse_retry_fn(tokens).unwrap_err().to_string();
        assert!(
            message(quote!(
                struct S;
            ))
            .contains("not to a struct")
        );
        assert!(
            message(quote!(
                const fn f() -> Result<(), E> {}
            ))
            .contains("const fn")
        );
        assert!(
            message(quote!(
                fn f() {}
            ))
            .contains("Result-like")
        );
        assert!(
            message(quote!(
                fn f() -> () {}
            ))
            .contains("Result-like")
        );
        assert!(
            message(quote!(
                fn f(&self) -> Result<(), E>;
            ))
            .contains("needs a fn body")
        );
    }

    #[test]
    fn recognises_async_trait() {
        let f = parse_retry_fn(quote!(
            fn get<'life0, 'async_trait>(
                &'life0 self,
                id: u32,
            ) -> Pin<Box<dyn Future<Output = Result<u32, E>> + Send + 'async_trait>> {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) =
                        ::core::option::Option::None::<Result<u32, E>>
                    {
                        return __ret;
                    }
                    let __self = self;
                    let id = id;
                    let __ret: Result<u32, E> = { Ok(id) };
                    __ret
                })
            }
        ))
        .unwrap();
        assert!(matches!(f.kind, BodyKind::AsyncTrait { .. }));
        let output = &f.output;
        assert_eq!(
            quote!(#output).to_string(),
            quote!(Result<u32, E>).to_string()
        );
    }
}
