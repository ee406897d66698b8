//! Stage 4b: the policy the retry loop runs, as one builder chain, `policy::<R>()` followed by
//! one setter call per key and `.start(target)`; and when it can be built lazily.
//!
//! Each key's value is checked once, at the value, in the terms of the annotated fn, and what
//! the check hands on has no bound left to fail (`docs/how-retry-expands.md`, "Every other
//! value is checked once").

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, Lit, Type};

use crate::args::{HookList, Keyed, RetryArgs};
use crate::expand::{contains_infer, erase_impl_trait, unraw};
use crate::validate::is_none;

/// The builder chain under construction: the runtime's path, the fn's error and value types
/// as the checks name them, and the setter calls so far.
struct Chain<'a> {
    krate: &'a TokenStream,
    /// `IntoTimeout`'s path (`krate::wait::IntoTimeout`, or shorter through `__private`).
    into_timeout: TokenStream,
    output: &'a Type,
    error_ty: TokenStream,
    tokens: TokenStream,
}

impl Chain<'_> {
    /// `.method(value)`, the method spanned at the key: an error about the setter itself
    /// (there should be none left) points at the key.
    fn call(&mut self, method: &str, span: Span, value: TokenStream) {
        let method = Ident::new(method, span);
        self.tokens.extend(quote!(.#method(#value)));
    }
}

/// `policy::<R>()` followed by one builder call per key, ending in `.start(target)` (or
/// `.start_at(target, started)` when the lazy form read the clock before the first attempt).
pub(crate) fn policy_chain(
    args: &RetryArgs,
    krate: &TokenStream,
    output: &Type,
    name: &Ident,
    started: Option<&Ident>,
) -> TokenStream {
    let output_ty = erase_impl_trait(output);
    // Spanned at the return type: "`()` is not Result-like" points there.
    let entry = quote_spanned!(output.span()=> #krate::__private::policy::<#output_ty>());
    let into_timeout = quote!(#krate::wait::IntoTimeout);
    let mut tokens = setters(args, krate, into_timeout, output, entry);
    let target = unraw(name);
    let target = quote!(::core::concat!(::core::module_path!(), "::", #target));
    match started {
        Some(started) => tokens.extend(quote!(.start_at(#target, #started))),
        None => tokens.extend(quote!(.start(#target))),
    }
    tokens
}

/// `entry` (a policy typed by the fn's return type) followed by one builder call per key,
/// `krate` being the path the checks name the runtime's items through.
pub(crate) fn setters(
    args: &RetryArgs,
    krate: &TokenStream,
    into_timeout: TokenStream,
    output: &Type,
    entry: TokenStream,
) -> TokenStream {
    let output_ty = erase_impl_trait(output);
    // The error type, named where the return type allows (with `impl Trait` in it, inferred).
    let error_ty = if contains_infer(output_ty.to_token_stream()) {
        quote!(_)
    } else {
        result_arg(&output_ty, ResultArg::Err, krate)
            .unwrap_or_else(|| quote!(<#output_ty as #krate::RetryOutput>::Err))
    };
    let mut chain = Chain {
        krate,
        into_timeout,
        output,
        error_ty,
        tokens: entry,
    };
    limits(args, &mut chain);
    classes(args, &mut chain);
    waits(args, &mut chain);
    predicates(args, &mut chain);
    hooks(args, &mut chain);
    logging(args, &mut chain);
    resources(args, &mut chain);
    timing(args, &mut chain);
    // Last, because when present it replaces every other value.
    settings(args, &mut chain);
    chain.tokens
}

/// `max_tries` (a `u32`), `max_time` (seconds or a `Duration`).
fn limits(args: &RetryArgs, chain: &mut Chain<'_>) {
    let krate = chain.krate;
    if let Some(Keyed { key, value }) = &args.max_tries {
        chain.call(
            "max_tries",
            key.span(),
            typed_value(quote!(u32), key, value),
        );
    }
    if let Some(Keyed { key, value }) = &args.max_time {
        let seconds = quote!(#krate::wait::IntoSeconds);
        let value = checked(seconds, max_time_value(value));
        chain.call("max_time", key.span(), value);
    }
}

/// What the call uses besides its rules: the `sleeper`, the shared `budget`, `breaker` and
/// `limiter`.
fn resources(args: &RetryArgs, chain: &mut Chain<'_>) {
    let krate = chain.krate;
    if let Some(Keyed { key, value }) = &args.sleeper {
        let sleeper = quote!(#krate::sleep::Sleeper);
        let value = checked(sleeper, value.to_token_stream());
        chain.call("sleeper", key.span(), value);
    }
    if let Some(Keyed { key, value }) = &args.budget {
        let budget = if is_none(value) {
            quote_spanned!(value.span()=> #krate::budget::NoBudget)
        } else {
            value.to_token_stream()
        };
        let source = quote!(#krate::budget::BudgetSource);
        chain.call("budget", key.span(), checked(source, budget));
    }
    if let Some(Keyed { key, value }) = &args.breaker {
        let breaker = if is_none(value) {
            quote_spanned!(value.span()=> ::core::option::Option::None::<#krate::CircuitBreaker>)
        } else {
            checked(
                quote!(#krate::shared::SharedSource::<#krate::CircuitBreaker>),
                value.to_token_stream(),
            )
        };
        // The error type's conversion is checked by a call spanned at the key, so a type
        // without `From<CircuitOpen>` is one error there.
        let error_ty = &chain.error_ty;
        let holds = respan(
            quote!(<#error_ty as #krate::HoldsCircuitOpen>::__retry_breaker_value),
            key.span(),
        );
        let guard = quote_spanned!(key.span()=> #holds(#breaker));
        chain.call("breaker_checked", key.span(), guard);
    }
    if let Some(Keyed { key, value }) = &args.limiter {
        let limiter = if is_none(value) {
            quote_spanned!(value.span()=> ::core::option::Option::None::<#krate::limiter::AdaptiveLimiter>)
        } else {
            checked(
                quote!(#krate::shared::SharedSource::<#krate::limiter::AdaptiveLimiter>),
                value.to_token_stream(),
            )
        };
        chain.call("limiter", key.span(), limiter);
    }
}

/// `exception`: a closure testing each class in turn.
fn classes(args: &RetryArgs, chain: &mut Chain<'_>) {
    let Some(Keyed { key, value }) = &args.exception else {
        return;
    };
    let (krate, error_ty) = (chain.krate, &chain.error_ty);
    // The class is an explicit type argument and the error type a named one: with only the
    // blanket `impl ErrorClass<E> for E` in sight, an inferred `E` would be taken from the
    // class itself. A class that is not one is the trait's own message, at the class.
    let error = Ident::new("__retry_error", Span::mixed_site());
    let checks = value.iter().map(|class| {
        let check = respan(quote!(#krate::expects::exception), class.span());
        quote_spanned!(class.span()=> #check::<#class, #error_ty>(#error))
    });
    let classes = quote!(|#error| #(#checks)||*);
    chain.call("exception", key.span(), classes);
}

/// `wait_gen` with its parameters, and `jitter`.
fn waits(args: &RetryArgs, chain: &mut Chain<'_>) {
    let (krate, error_ty) = (chain.krate, chain.error_ty.clone());
    if args.wait_gen.is_some() || !args.wait_params.is_empty() {
        let (span, mut generator) = match &args.wait_gen {
            // Spanned at the path: "`X` is not a wait generator" points at it.
            Some(Keyed {
                key,
                value: Expr::Path(path),
            }) => (key.span(), quote_spanned!(path.span()=> #path())),
            Some(Keyed { key, value }) => (key.span(), value.to_token_stream()),
            None => (args.wait_params[0].key.span(), quote!(#krate::wait::expo())),
        };
        for Keyed { key, value } in &args.wait_params {
            // The setter carries the key's span: a misspelt parameter is
            // "no method named `bsae`" right at that key.
            generator.extend(quote_spanned!(key.span()=> .#key(#value)));
        }
        let wait_gen = quote!(#krate::wait::WaitGen::<#error_ty>);
        chain.call("wait_gen", span, checked(wait_gen, generator));
    }
    if let Some(Keyed { key, value }) = &args.jitter {
        chain.call("jitter", key.span(), jitter_value(value, krate));
    }
}

/// `wait_floor` and `giveup` (on the error) and `on_result` (on the value), through `expects`.
fn predicates(args: &RetryArgs, chain: &mut Chain<'_>) {
    let krate = chain.krate;
    if let Some(Keyed { key, value }) = &args.wait_floor {
        let checked = expects(krate, "wait_floor", Some(&chain.error_ty), value);
        chain.call("wait_floor", key.span(), quote!(#checked.into_fn()));
    }
    if let Some(Keyed { key, value }) = &args.giveup {
        let checked = expects(krate, "giveup", Some(&chain.error_ty), value);
        chain.call("giveup", key.span(), quote!(#checked.into_fn()));
    }
    if let Some(Keyed { key, value }) = &args.on_result {
        let value_ty = value_type(chain.output, krate);
        let checked = expects(krate, "on_result", Some(&value_ty), value);
        chain.call("on_result", key.span(), quote!(#checked.into_fn()));
    }
}

/// `on_success`, `on_backoff`, `on_giveup`.
fn hooks(args: &RetryArgs, chain: &mut Chain<'_>) {
    for (method, keyed) in [
        ("on_success", &args.on_success),
        ("on_backoff", &args.on_backoff),
        ("on_giveup", &args.on_giveup),
    ] {
        if let Some(Keyed { key, value }) = keyed {
            let hooks = hooks_value(value, chain.krate, &chain.error_ty);
            chain.call(method, key.span(), hooks);
        }
    }
}

/// `logger`, the two log levels, and `raise_on_giveup`.
fn logging(args: &RetryArgs, chain: &mut Chain<'_>) {
    let krate = chain.krate;
    if let Some(Keyed { key, value }) = &args.logger {
        let enabled = if is_none(value) {
            quote_spanned!(value.span()=> false)
        } else {
            typed_value(quote!(bool), key, value)
        };
        chain.call("logger", key.span(), enabled);
    }
    for (method, keyed) in [
        ("backoff_log_level", &args.backoff_log_level),
        ("giveup_log_level", &args.giveup_log_level),
    ] {
        if let Some(Keyed { key, value }) = keyed {
            let level = level_value(value);
            let level = typed_value(quote!(#krate::__private::Level), key, &level);
            chain.call(method, key.span(), level);
        }
    }
    // `raise_on_giveup = true` is the default, so a literal `true` emits nothing; otherwise
    // the engine is also handed the return type's "nothing" value (`expand.rs`).
    if let Some(Keyed { key, value }) = &args.raise_on_giveup
        && !is_true(value)
    {
        let raise = typed_value(quote!(bool), key, value);
        chain.call("declare_raise_on_giveup", key.span(), raise);
    }
}

/// `attempt_timeout`, `hedge_delay`, `max_hedges`: after the rule setters, whose typestate
/// they keep.
fn timing(args: &RetryArgs, chain: &mut Chain<'_>) {
    let (krate, error_ty) = (chain.krate, chain.error_ty.clone());
    for (method, keyed) in [
        ("attempt_timeout", &args.attempt_timeout),
        ("hedge_delay", &args.hedge_delay),
    ] {
        let Some(Keyed { key, value }) = keyed else {
            continue;
        };
        if method == "hedge_delay" && is_auto(value) {
            // One tracker of this fn's latencies, shared by all its calls.
            let auto = quote!(#krate::latency::AutoHedge);
            let tracker = quote_spanned!(value.span()=> {
                static __RETRY_AUTO_HEDGE: ::std::sync::LazyLock<#auto> =
                    ::std::sync::LazyLock::new(#krate::__private::auto_hedge);
                &*__RETRY_AUTO_HEDGE
            });
            chain.call("hedge_auto", key.span(), tracker);
            continue;
        }
        let seconds = if is_none(value) {
            quote_spanned!(value.span()=> ::core::option::Option::None::<::core::time::Duration>)
        } else {
            checked(chain.into_timeout.clone(), max_time_value(value))
        };
        if method == "attempt_timeout" {
            // The error type's conversion is checked by a call spanned at the key, so a type
            // without `From<AttemptTimedOut>` is one error there.
            let holds = respan(
                quote!(<#error_ty as #krate::HoldsTimedOut>::__retry_timeout_value),
                key.span(),
            );
            let checked = quote_spanned!(key.span()=> #holds(#seconds));
            chain.call("attempt_timeout_checked", key.span(), checked);
        } else {
            chain.call(method, key.span(), seconds);
        }
    }
    if let Some(Keyed { key, value }) = &args.max_hedges {
        chain.call(
            "max_hedges",
            key.span(),
            typed_value(quote!(u32), key, value),
        );
    }
}

/// `settings`: replaces every other value when present, so it comes last.
fn settings(args: &RetryArgs, chain: &mut Chain<'_>) {
    let Some(Keyed { key, value }) = &args.settings else {
        return;
    };
    let (krate, error_ty) = (chain.krate, &chain.error_ty);
    let settings = if is_none(value) {
        quote_spanned!(value.span()=> ::core::option::Option::None::<#krate::RetrySettings<_>>)
    } else {
        let settings = quote!(#krate::IntoSettings::<#error_ty>);
        checked(settings, value.to_token_stream())
    };
    chain.call("settings", key.span(), settings);
}

/// `jitter = None`, a closure (through `expects::jitter`, which gives it its parameter type),
/// or any other value, called from a closure through `Jitter`: a value that is not a jitter is
/// then one error, at the value, and the closure still is a jitter, so nothing after it fails.
fn jitter_value(value: &Expr, krate: &TokenStream) -> TokenStream {
    if is_none(value) {
        return quote_spanned!(value.span()=> #krate::jitter::no_jitter);
    }
    if let Expr::Closure(_) = value {
        let checked = expects(krate, "jitter", None, value);
        return quote!(#checked.into_jitter());
    }
    let jitter = Ident::new("__retry_jitter", Span::mixed_site());
    let jitter_at_value = Ident::new(
        "__retry_jitter",
        Span::mixed_site().located_at(value.span()),
    );
    let wait = Ident::new("__retry_wait", Span::mixed_site());
    let call = quote_spanned! {value.span()=>
        #krate::jitter::Jitter::jitter(&mut #jitter_at_value, #wait)
    };
    quote! {{
        let mut #jitter = #value;
        move |#wait: ::core::time::Duration| -> ::core::time::Duration { #call }
    }}
}

/// How the lazy form builds its engine (see `lazy_engine`).
#[derive(Clone, Copy)]
pub(crate) struct LazyEngine {
    /// A time limit or a hook needs the start time, read before the first attempt.
    pub(crate) reads_clock_first: bool,
    /// A first-try success runs `on_success` through an engine built for that and dropped at
    /// once (never stored in an async fn's state).
    pub(crate) success_runs_hooks: bool,
}

/// Whether the engine can be built after a first attempt that failed: no run-time
/// `settings` (read at the call's start), no `budget` (deposited into at the call's start),
/// no `on_result` (which may retry a success), no custom `sleeper` when the start time is
/// needed (it is read from the default sleeper's clock), and every value free of side effects
/// (literals, paths, closures, and calls or builder chains of those), so when it is evaluated
/// cannot be observed.
pub(crate) fn lazy_engine(args: &RetryArgs) -> Option<LazyEngine> {
    // `settings`, `budget`, `breaker`, `limiter`, `attempt_timeout`, `hedge_delay` and `max_hedges` rule the lazy
    // form out below whatever their values.
    let pure = args.value_exprs().into_iter().all(is_pure);
    let has_hook =
        args.on_success.is_some() || args.on_backoff.is_some() || args.on_giveup.is_some();
    let reads_clock_first = args.max_time.is_some() || has_hook;
    // The start time is read from the default sleeper's clock.
    let clock_matches = !reads_clock_first || args.sleeper.is_none();
    // A value predicate may retry a success, so it needs the engine after every attempt.
    // A budget is credited when each call starts, success or not.
    let has_budget = args.budget.as_ref().is_some_and(|b| !is_none(&b.value));
    // A breaker and a limiter are asked before the first attempt.
    let has_breaker = args.breaker.as_ref().is_some_and(|b| !is_none(&b.value))
        || args.limiter.as_ref().is_some_and(|l| !is_none(&l.value));
    // A timed or hedged attempt is started by the engine.
    let timed = args.attempt_timeout.is_some() || args.hedge_delay.is_some();
    (pure
        && clock_matches
        && args.on_result.is_none()
        && !has_budget
        && !has_breaker
        && args.settings.is_none()
        && !timed)
        .then_some(LazyEngine {
            reads_clock_first,
            success_runs_hooks: args.on_success.is_some(),
        })
}

/// `hedge_delay = auto`: the bare path `auto`.
pub(crate) fn is_auto(value: &Expr) -> bool {
    matches!(value, Expr::Path(path) if path.qself.is_none() && path.path.is_ident("auto"))
}

/// Literals, paths, closures, and calls, method calls, casts, arrays and tuples of those.
fn is_pure(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) | Expr::Closure(_) => true,
        Expr::Unary(e) => is_pure(&e.expr),
        Expr::Paren(e) => is_pure(&e.expr),
        Expr::Group(e) => is_pure(&e.expr),
        Expr::Cast(e) => is_pure(&e.expr),
        Expr::Call(e) => matches!(&*e.func, Expr::Path(_)) && e.args.iter().all(is_pure),
        Expr::MethodCall(e) => is_pure(&e.receiver) && e.args.iter().all(is_pure),
        Expr::Array(e) => e.elems.iter().all(is_pure),
        Expr::Tuple(e) => e.elems.iter().all(is_pure),
        _ => false,
    }
}

/// Inside async-trait's block `self` is `__self`: rewrite the attribute's expressions.
pub(crate) fn replace_self_in_args(mut args: RetryArgs) -> RetryArgs {
    struct ReplaceSelf;
    impl VisitMut for ReplaceSelf {
        fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
            if path.qself.is_none() && path.path.is_ident("self") {
                let span = path.path.segments[0].ident.span();
                path.path = Ident::new("__self", span).into();
            }
        }
    }
    for expr in args.value_exprs_mut() {
        ReplaceSelf.visit_expr_mut(expr);
    }
    args
}

/// `Trait::__retry_checked(value)`, the identity through which `wait_gen`, `sleeper` and
/// `budget` values pass. A value of the wrong type fails the trait's bound twice (on the
/// argument and on the call's result), but the result is then of unknown type, so the policy
/// using it raises nothing more. The call is spanned to cover exactly the value's tokens: the
/// compiler merges the same error at the same span, and the user sees one.
fn checked(trait_path: TokenStream, value: TokenStream) -> TokenStream {
    let first = value.clone().into_iter().next().map(|t| t.span());
    let first = first.unwrap_or_else(Span::call_site);
    let last = value.clone().into_iter().last().map_or(first, |t| t.span());
    let path = respan(trait_path, first);
    let method = Ident::new("__retry_checked", first);
    let mut argument = Group::new(Delimiter::Parenthesis, value);
    argument.set_span(last);
    quote_spanned!(first=> #path::#method #argument)
}

/// The tokens with every span set to `span` (an interpolated path keeps its own spans, and
/// the compiler reports a call at the span its first token starts).
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Number literals are seconds; anything else is handed to `IntoMaxTime` as written.
fn max_time_value(value: &Expr) -> TokenStream {
    let span = value.span();
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let digits = syn::LitInt::new(int.base10_digits(), int.span());
            quote_spanned!(span=> ::core::time::Duration::from_secs(#digits))
        }
        Expr::Lit(syn::ExprLit {
            lit: Lit::Float(float),
            ..
        }) => {
            let digits = syn::LitFloat::new(&format!("{}f64", float.base10_digits()), float.span());
            quote_spanned!(span=> ::core::time::Duration::from_secs_f64(#digits))
        }
        // `-0` and `-0.0`: validation let them through as zero.
        Expr::Unary(_) => quote_spanned!(span=> ::core::time::Duration::ZERO),
        other => other.to_token_stream(),
    }
}

/// One hook as is; a list as a tuple (the runtime implements `Hook` for tuples). Each hook
/// passes a check of its own, so a wrong one is one error, at that hook.
fn hooks_value(list: &HookList, krate: &TokenStream, error_ty: &TokenStream) -> TokenStream {
    let hooks = list.hooks.iter().map(|hook| match hook {
        // A closure gets its parameter type only from a direct `Fn(&Details<'_, E>)` bound.
        Expr::Closure(_) => {
            let checked = expects(krate, "hook", Some(error_ty), hook);
            quote!(#checked.into_hook())
        }
        // Any other hook is called from a closure: a value that is not a hook is then one
        // error, at the value, and the closure still is a hook, so nothing after it fails.
        other => {
            let hook = Ident::new("__retry_hook", Span::mixed_site());
            let hook_at_value =
                Ident::new("__retry_hook", Span::mixed_site().located_at(other.span()));
            let details = Ident::new("__retry_details", Span::mixed_site());
            let call = quote_spanned! {other.span()=>
                #krate::Hook::<#error_ty>::call(&#hook_at_value, #details)
            };
            quote! {{
                let #hook = #other;
                move |#details: &#krate::Details<'_, #error_ty>| #call
            }}
        }
    });
    if list.bracketed {
        let hooks: Vec<TokenStream> = hooks.collect();
        if hooks.len() == 1 {
            quote!((#(#hooks)*,))
        } else {
            quote!((#(#hooks),*))
        }
    } else {
        quote!(#(#hooks)*)
    }
}

/// `expects::<key>::<ty, _>(value)`: the value through the runtime's fn carrying the key's
/// bound (`retry_runtime::expects`), spanned at the value. A value of the wrong signature is
/// one error there, in the fn's own types; the call's result has no bound left to fail, so
/// nothing after it is reported again.
fn expects(krate: &TokenStream, key: &str, ty: Option<&TokenStream>, value: &Expr) -> TokenStream {
    let check = Ident::new(key, value.span());
    let path = respan(quote!(#krate::expects::#check), value.span());
    match ty {
        Some(ty) => quote_spanned!(value.span()=> #path::<#ty, _>(#value)),
        None => quote_spanned!(value.span()=> #path(#value)),
    }
}

/// A value of the type the key fixes (`max_tries: u32`), bound to a local of that type whose
/// type is spanned at the key: a wrong type is "expected `u32`, found `usize`" at the value,
/// with the key as the reason, and nothing of the runtime in the message.
fn typed_value(ty: TokenStream, key: &Ident, value: &impl ToTokens) -> TokenStream {
    let ty = respan(ty, key.span());
    let local = Ident::new("__retry_value", Span::mixed_site());
    quote!({
        let #local: #ty = #value;
        #local
    })
}

/// `<R as RetryOutput>::Ok`, or `_` where the return type holds an `impl Trait`.
fn value_type(output: &Type, krate: &TokenStream) -> TokenStream {
    let output_ty = erase_impl_trait(output);
    if contains_infer(output_ty.to_token_stream()) {
        quote!(_)
    } else {
        result_arg(&output_ty, ResultArg::Ok, krate)
            .unwrap_or_else(|| quote!(<#output_ty as #krate::RetryOutput>::Ok))
    }
}

/// Which type argument of a `Result`-like return type [`result_arg`] reads.
#[derive(Clone, Copy, PartialEq)]
enum ResultArg {
    Ok,
    Err,
}

/// The value or error type of a return type written `Result<T, E>` or `Option<T>` (any path
/// ending so), read from the tokens: `E` instead of `<Result<T, E> as RetryOutput>::Err`,
/// which every check of the fn's values repeats (a fifth of the tokens of a generated client
/// method). Aliases (`io::Result<T>`) and other types get the projection.
fn result_arg(output: &Type, which: ResultArg, krate: &TokenStream) -> Option<TokenStream> {
    let Type::Path(path) = output else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = generics
        .args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    match (last.ident.to_string().as_str(), types.as_slice(), which) {
        ("Result", [ok, _], ResultArg::Ok) | ("Option", [ok], ResultArg::Ok) => {
            Some(ok.to_token_stream())
        }
        ("Result", [_, error], ResultArg::Err) => Some(error.to_token_stream()),
        ("Option", [_], ResultArg::Err) => Some(quote!(#krate::NoneError)),
        _ => None,
    }
}

/// A level name as a string literal becomes the `tracing::Level` it names. The name was
/// checked in `validate`; it is parsed through `FromStr` so the expansion needs no path to
/// `tracing` (the user's crate may not depend on it).
fn level_value(value: &Expr) -> TokenStream {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(text),
        ..
    }) = value
    {
        let name = text.value().to_ascii_lowercase();
        let level = Ident::new("__retry_level", Span::mixed_site());
        return quote_spanned! {text.span()=>
            match ::core::str::FromStr::from_str(#name) {
                ::core::result::Result::Ok(#level) => #level,
                ::core::result::Result::Err(_) => ::core::unreachable!("checked by #[retry]"),
            }
        };
    }
    value.to_token_stream()
}

pub(crate) fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. }) if b.value)
}
