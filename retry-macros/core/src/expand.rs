//! Stage 4: the validated attribute and fn, turned into the retry loop that
//! `docs/expansion-contract.md` specifies.
//!
//! Every internal name is `Span::mixed_site()` and every runtime item is reached through an
//! absolute path (`::retry_runtime::__private::..`, or `crate = path`), so nothing the user
//! declares can shadow them. User tokens keep their spans, so errors in user expressions
//! point at the user's code.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Ident, Lit, Pat, Stmt, Type};

use crate::args::{HookList, Keyed, RetryArgs};
use crate::attempt;
use crate::item::{self, BodyKind, RetryFn};
use crate::validate::is_none;

/// The whole expansion: the fn with its body replaced by the retry loop.
pub fn expand(args: &RetryArgs, function: RetryFn) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::retry_runtime), |k| k.value.to_token_stream());
    let cloned: Vec<item::ArgBinding> = function
        .bindings
        .iter()
        .filter(|binding| {
            binding.by_value
                && !args
                    .no_clone
                    .as_ref()
                    .is_some_and(|list| list.value.contains(&binding.ident))
        })
        .cloned()
        .collect();
    let cloned_names: Vec<Ident> = cloned.iter().map(|b| b.ident.clone()).collect();

    let RetryFn {
        attrs,
        vis,
        mut sig,
        mut block,
        kind,
        output,
        bindings,
    } = function;
    if !matches!(kind, BodyKind::AsyncTrait { .. }) {
        respan_braces(&mut block);
    }

    let mut args_for_engine = args.clone();
    if matches!(kind, BodyKind::AsyncTrait { .. }) {
        // async-trait moved `self` into `__self` inside its `async move` block; the
        // attribute's expressions run there too.
        args_for_engine = replace_self_in_args(args_for_engine);
    }
    let lazy = lazy_engine(args);
    let started = Ident::new("__retry_started", Span::mixed_site());
    let policy = policy_chain(
        &args_for_engine,
        &krate,
        &output,
        &sig.ident,
        lazy.filter(|l| l.reads_clock_first).map(|_| &started),
    );
    let shadows = clone_shadows(&cloned, &krate);
    let details_args = details_args(args, &bindings, &krate);
    let attempt_output = erase_impl_trait(&output);
    let engine = Ident::new("__retry_engine", Span::mixed_site());
    let result = Ident::new("__retry_result", Span::mixed_site());
    let returned = Ident::new("__retry_return", Span::mixed_site());
    let wait = Ident::new("__retry_wait", Span::mixed_site());
    // With `raise_on_giveup` other than `true`, the engine is handed the return type's
    // "nothing" value as `<R as GiveUpValue>::nothing`, spanned at the value: a return type
    // without one is one error there, and the call itself has no bound left to fail.
    let nothing_at_value = args
        .raise_on_giveup
        .as_ref()
        .filter(|k| !is_true(&k.value))
        .map(|k| {
            respan(
                quote!(<#attempt_output as #krate::GiveUpValue>::nothing),
                k.value.span(),
            )
        });
    let probes_nothing = args.settings.is_some()
        && args.raise_on_giveup.is_none()
        && !contains_infer(attempt_output.to_token_stream());
    let after_attempt_call = if let Some(nothing) = &nothing_at_value {
        quote!(#engine.after_attempt_nothing(#result, &[#(#details_args),*], #nothing))
    } else if probes_nothing {
        // Settings decide `raise_on_giveup` at run time: hand the engine the return type's
        // "nothing" value when it has one (an `impl Trait` return cannot be probed: the
        // error is returned, as without settings).
        quote! {
            #engine.after_attempt_or_nothing(
                #result,
                &[#(#details_args),*],
                #krate::__private::nothing_value!(#attempt_output),
            )
        }
    } else {
        quote!(#engine.after_attempt(#result, &[#(#details_args),*]))
    };
    // The hedged form's decision: the same call on an `Event` of the attempt set.
    let attempts = Ident::new("__retry_attempts", Span::mixed_site());
    let event = Ident::new("__retry_event", Span::mixed_site());
    let after_event_call = if let Some(nothing) = &nothing_at_value {
        quote! {
            #engine.after_event_nothing(#attempts.as_mut(), #event, &[#(#details_args),*], #nothing)
        }
    } else if probes_nothing {
        quote! {
            #engine.after_event_or_nothing(
                #attempts.as_mut(),
                #event,
                &[#(#details_args),*],
                #krate::__private::nothing_value!(#attempt_output),
            )
        }
    } else {
        quote!(#engine.after_event(#attempts.as_mut(), #event, &[#(#details_args),*]))
    };
    let start_next = Ident::new("__retry_start_next", Span::mixed_site());
    // Attempts run side by side in one set, polled in the fn's own future (no task spawned);
    // each iteration of the inner loop awaits the next event, then decides in a block that
    // ends before the next await, so no result, error or `[Arg]` array lives across one.
    let hedged_loop = |attempt: TokenStream| {
        quote! {
            let mut #engine = #policy;
            let mut #attempts = ::core::pin::pin!(#engine.attempts());
            loop {
                #engine.start_attempt(#attempts.as_mut(), #attempt);
                loop {
                    let #start_next = {
                        let #event = #attempts.as_mut().next().await;
                        match #after_event_call {
                            #krate::__private::Next::Start => true,
                            #krate::__private::Next::Wait => false,
                            #krate::__private::Next::Return(#returned) => return #returned,
                        }
                    };
                    if #start_next {
                        break;
                    }
                }
            }
        }
    };
    let hedged = args.hedge_delay.is_some();
    let timed = args.attempt_timeout.is_some();
    // A timed (not hedged) attempt runs as an `async` block raced against its timeout, awaited
    // at once: one attempt at a time, so `&mut self` stays usable.
    let sequential_attempt = |block: &Block| {
        let future = attempt_future(block, &cloned, &attempt_output, &krate);
        if timed {
            quote!(#engine.timed(#future).await)
        } else {
            async_attempt(block, &shadows, &cloned, &attempt_output, &krate)
        }
    };
    let slot = Ident::new("__retry_engine_slot", Span::mixed_site());
    let sleep_future = Ident::new("__retry_sleep", Span::mixed_site());
    let retry_loop = |attempt: TokenStream, waits: Waits| {
        // One iteration is a block that ends before the sleep is awaited: the attempt's
        // result, the `Step` holding its error or value, and the `args` array (`&dyn Debug`,
        // not `Sync`) all die with it, so none of them is alive across the `.await` and the
        // future is `Send` whenever the body's is (docs/expansion-contract.md). A moved-from
        // local is not enough: once borrowed (`is_success(&result)`), the compiler keeps its
        // storage to the end of its scope.
        let decide = quote! {
            let #wait = match #after_attempt_call {
                #krate::__private::Step::Return(#returned) => return #returned,
                #krate::__private::Step::Wait(#wait) => #wait,
            };
        };
        let lazy_engine_ready = lazy.map(|lazy| {
            // Nothing but the start time is needed before the first attempt ends (values
            // free of side effects, nothing to run on success): a first-try success returns
            // before any policy exists, and an async fn's state stores no policy across the
            // first attempt's await.
            let on_success = if lazy.success_runs_hooks {
                quote!(#policy.finish_success(#result, &[#(#details_args),*]))
            } else {
                quote!(#result)
            };
            quote! {
                if #slot.is_none() {
                    if #krate::__private::is_success(&#result) {
                        return #on_success;
                    }
                    #slot = ::core::option::Option::Some(#policy);
                }
                let ::core::option::Option::Some(#engine) = &mut #slot else {
                    continue;
                };
            }
        });
        let iteration = match waits {
            Waits::Async => quote! {
                let #sleep_future = {
                    let #result = #attempt;
                    #lazy_engine_ready
                    #decide
                    #engine.sleep(#wait)
                };
                #sleep_future.await;
            },
            Waits::Blocking => quote! {
                let #result = #attempt;
                #lazy_engine_ready
                #decide
                #engine.sleep_blocking(#wait);
            },
        };
        match lazy {
            Some(lazy) => {
                let read_clock = lazy
                    .reads_clock_first
                    .then(|| quote!(let #started = #krate::__private::started();));
                quote! {
                    #read_clock
                    let mut #slot = ::core::option::Option::None;
                    loop {
                        #iteration
                    }
                }
            }
            None => quote! {
                let mut #engine = #policy;
                loop {
                    #iteration
                }
            },
        }
    };

    match kind {
        BodyKind::Async => {
            strip_mut(&mut sig, &cloned_names);
            let body = if hedged {
                hedged_loop(attempt_future(&block, &cloned, &attempt_output, &krate))
            } else {
                retry_loop(sequential_attempt(&block), Waits::Async)
            };
            quote!(#(#attrs)* #vis #sig { #body })
        }
        BodyKind::Blocking => {
            strip_mut(&mut sig, &cloned_names);
            let body = retry_loop(
                quote! {
                    #krate::__private::attempt_sync::<#attempt_output, _>(|| {
                        #(#shadows)*
                        #block
                    })
                },
                Waits::Blocking,
            );
            quote!(#(#attrs)* #vis #sig { #body })
        }
        BodyKind::AsyncTrait { .. } => {
            strip_rebinding_mut(&mut block, &cloned_names);
            if let Some(original) = item::async_trait_body_mut(&mut block) {
                // async-trait writes `{ body }`; any other expression is treated as `{ expr }`.
                let inner = match &*original {
                    Expr::Block(inner) if inner.label.is_none() && inner.attrs.is_empty() => {
                        let mut inner = inner.block.clone();
                        respan_braces(&mut inner);
                        inner
                    }
                    other => Block {
                        brace_token: Default::default(),
                        stmts: vec![Stmt::Expr(other.clone(), None)],
                    },
                };
                let body = if hedged {
                    hedged_loop(attempt_future(&inner, &cloned, &attempt_output, &krate))
                } else {
                    retry_loop(sequential_attempt(&inner), Waits::Async)
                };
                // Verbatim: no re-parse, so nothing here can panic.
                *original = Expr::Verbatim(quote!({ #body }));
            }
            quote!(#(#attrs)* #vis #sig #block)
        }
    }
}

/// The body's braces, re-emitted inside the loop, marked as the macro's own (still located
/// at the user's braces, where errors about the block point): rustc's `unused_braces` and
/// clippy's lints skip tokens of an expansion, so `{ Ok(1) }` written on one line is not
/// linted as a block in a block, and `cargo fix` does not delete the fn's braces.
fn respan_braces(block: &mut Block) {
    let span = Span::mixed_site().located_at(block.brace_token.span.join());
    block.brace_token = syn::token::Brace(span);
}

/// How the loop waits between attempts.
#[derive(Clone, Copy)]
enum Waits {
    /// `engine.sleep(wait)`, a future awaited after the iteration's block has ended.
    Async,
    /// `engine.sleep_blocking(wait)`, in the iteration.
    Blocking,
}

/// One attempt of an async body: inline in the fn's future as a labelled block when every
/// `?` and `return` of the body can be rewritten (see `attempt.rs`), else an `async` block.
fn async_attempt(
    block: &Block,
    shadows: &[TokenStream],
    cloned: &[item::ArgBinding],
    output: &Type,
    krate: &TokenStream,
) -> TokenStream {
    let label = attempt::attempt_label();
    match attempt::rewrite_exits(block, &label, krate) {
        Some(inline) => quote! {
            #krate::__private::attempt_inline::<#output>(#label: {
                #(#shadows)*
                #inline
            })
        },
        None => {
            let future = attempt_future(block, cloned, output, krate);
            quote!(#future.await)
        }
    }
}

/// One attempt of an async body as a future of its own: an `async` block (not `move`: it
/// borrows `self` and the shared arguments). Each by-value argument is cloned before the block
/// is made and moved into it, so the block owns its copy and borrows nothing the clone came
/// from: a `Send` but not `Sync` argument keeps the future `Send`.
fn attempt_future(
    block: &Block,
    cloned: &[item::ArgBinding],
    output: &Type,
    krate: &TokenStream,
) -> TokenStream {
    let owned: Vec<Ident> = cloned
        .iter()
        .map(|binding| {
            format_ident!(
                "__retry_owned_{}",
                unraw(&binding.ident),
                span = Span::mixed_site()
            )
        })
        .collect();
    let clones = cloned.iter().zip(&owned).map(|(binding, owned)| {
        let ident = &binding.ident;
        quote_spanned! {ident.span()=>
            let #owned = #krate::__private::owned_arg((|| #krate::expects::ByValueArgument::clone_for_attempt(&#ident))());
        }
    });
    let takes = cloned.iter().zip(&owned).map(|(binding, owned)| {
        let ident = &binding.ident;
        let mutability = binding.mutable.then(|| quote!(mut));
        quote_spanned! {ident.span()=>
            let #mutability #ident = #owned.take();
        }
    });
    if cloned.is_empty() {
        return quote! {
            #krate::__private::attempt_async::<#output, _>(async { #block })
        };
    }
    quote! {
        {
            #(#clones)*
            #krate::__private::attempt_async::<#output, _>(async {
                #(#takes)*
                #block
            })
        }
    }
}

/// How the lazy form builds its engine (see `lazy_engine`).
#[derive(Clone, Copy)]
struct LazyEngine {
    /// A time limit or a hook needs the start time, read before the first attempt.
    reads_clock_first: bool,
    /// A first-try success runs `on_success` through an engine built for that and dropped at
    /// once (never stored in an async fn's state).
    success_runs_hooks: bool,
}

/// Whether the engine can be built after a first attempt that failed: no run-time
/// `settings` (read at the call's start), no `budget` (deposited into at the call's start),
/// no `on_result` (which may retry a success), no custom `sleeper` when the start time is
/// needed (it is read from the default sleeper's clock), and every value free of side effects
/// (literals, paths, closures, and calls or builder chains of those), so when it is evaluated
/// cannot be observed.
fn lazy_engine(args: &RetryArgs) -> Option<LazyEngine> {
    let values = [
        &args.max_tries,
        &args.max_time,
        &args.wait_gen,
        &args.jitter,
        &args.giveup,
        &args.on_result,
        &args.raise_on_giveup,
        &args.logger,
        &args.backoff_log_level,
        &args.giveup_log_level,
        &args.sleeper,
    ];
    let pure = values
        .iter()
        .filter_map(|k| k.as_ref())
        .all(|k| is_pure(&k.value))
        && args.wait_params.iter().all(|k| is_pure(&k.value))
        && [&args.on_success, &args.on_backoff, &args.on_giveup]
            .into_iter()
            .flatten()
            .all(|hooks| hooks.value.hooks.iter().all(is_pure));
    let has_hook =
        args.on_success.is_some() || args.on_backoff.is_some() || args.on_giveup.is_some();
    let reads_clock_first = args.max_time.is_some() || has_hook;
    // The start time is read from the default sleeper's clock.
    let clock_matches = !reads_clock_first || args.sleeper.is_none();
    // A value predicate may retry a success, so it needs the engine after every attempt.
    // A budget is credited when each call starts, success or not.
    let has_budget = args.budget.as_ref().is_some_and(|b| !is_none(&b.value));
    // A timed or hedged attempt is started by the engine.
    let timed = args.attempt_timeout.is_some() || args.hedge_delay.is_some();
    (pure
        && clock_matches
        && args.on_result.is_none()
        && !has_budget
        && args.settings.is_none()
        && !timed)
        .then_some(LazyEngine {
            reads_clock_first,
            success_runs_hooks: args.on_success.is_some(),
        })
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

/// `policy::<R>()` followed by one builder call per key, ending in `.start(target)`.
fn policy_chain(
    args: &RetryArgs,
    krate: &TokenStream,
    output: &Type,
    name: &Ident,
    started: Option<&Ident>,
) -> TokenStream {
    let output_ty = erase_impl_trait(output);
    // Spanned at the return type: "`()` is not Result-like" points there.
    let mut chain = quote_spanned!(output.span()=> #krate::__private::policy::<#output_ty>());
    // The error type, named where the return type allows (with `impl Trait` in it, inferred).
    let error_ty = if contains_infer(output_ty.to_token_stream()) {
        quote!(_)
    } else {
        quote!(<#output_ty as #krate::RetryOutput>::Err)
    };
    let mut call = |method: &str, span: Span, value: TokenStream| {
        let method = Ident::new(method, span);
        chain.extend(quote!(.#method(#value)));
    };
    if let Some(Keyed { key, value }) = &args.max_tries {
        call(
            "max_tries",
            key.span(),
            typed_value(quote!(u32), key, value),
        );
    }
    if let Some(Keyed { key, value }) = &args.max_time {
        let seconds = quote!(#krate::wait::IntoSeconds);
        call(
            "max_time",
            key.span(),
            checked(seconds, max_time_value(value)),
        );
    }
    if let Some(Keyed { key, value }) = &args.exception {
        // The class is an explicit type argument and the error type a named one: with only
        // the blanket `impl ErrorClass<E> for E` in sight, an inferred `E` would be taken from
        // the class itself. A class that is not one is the trait's own message, at the class.
        let error = Ident::new("__retry_error", Span::mixed_site());
        let checks = value.iter().map(|class| {
            let check = respan(quote!(#krate::expects::exception), class.span());
            quote_spanned!(class.span()=> #check::<#class, #error_ty>(#error))
        });
        call("exception", key.span(), quote!(|#error| #(#checks)||*));
    }
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
        call("wait_gen", span, checked(wait_gen, generator));
    }
    if let Some(Keyed { key, value }) = &args.jitter {
        let jitter = if is_none(value) {
            quote_spanned!(value.span()=> #krate::jitter::no_jitter)
        } else if let Expr::Closure(_) = value {
            // A closure gets its parameter type only from a direct `FnMut` bound.
            let checked = expects(krate, "jitter", None, value);
            quote!(#checked.into_jitter())
        } else {
            // Called from a closure: a value that is not a jitter is then one error, at the
            // value, and the closure still is a jitter, so nothing after it fails.
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
        };
        call("jitter", key.span(), jitter);
    }
    if let Some(Keyed { key, value }) = &args.giveup {
        let checked = expects(krate, "giveup", Some(&error_ty), value);
        call("giveup", key.span(), quote!(#checked.into_fn()));
    }
    if let Some(Keyed { key, value }) = &args.on_result {
        let value_ty = value_type(output, krate);
        let checked = expects(krate, "on_result", Some(&value_ty), value);
        call("on_result", key.span(), quote!(#checked.into_fn()));
    }
    for (method, keyed) in [
        ("on_success", &args.on_success),
        ("on_backoff", &args.on_backoff),
        ("on_giveup", &args.on_giveup),
    ] {
        if let Some(Keyed { key, value }) = keyed {
            call(method, key.span(), hooks_value(value, krate, &error_ty));
        }
    }
    if let Some(Keyed { key, value }) = &args.logger {
        let enabled = if is_none(value) {
            quote_spanned!(value.span()=> false)
        } else {
            typed_value(quote!(bool), key, value)
        };
        call("logger", key.span(), enabled);
    }
    for (method, keyed) in [
        ("backoff_log_level", &args.backoff_log_level),
        ("giveup_log_level", &args.giveup_log_level),
    ] {
        if let Some(Keyed { key, value }) = keyed {
            let level = level_value(value);
            let level = typed_value(quote!(#krate::__private::Level), key, &level);
            call(method, key.span(), level);
        }
    }
    // `raise_on_giveup = true` is the default; the builder call would switch the engine to
    // the mode that needs a "nothing" value, so a literal `true` emits nothing.
    if let Some(Keyed { key, value }) = &args.raise_on_giveup
        && !is_true(value)
    {
        call(
            "raise_on_giveup",
            key.span(),
            typed_value(quote!(bool), key, value),
        );
    }
    if let Some(Keyed { key, value }) = &args.sleeper {
        let sleeper = quote!(#krate::sleep::Sleeper);
        call(
            "sleeper",
            key.span(),
            checked(sleeper, value.to_token_stream()),
        );
    }
    if let Some(Keyed { key, value }) = &args.budget {
        let budget = if is_none(value) {
            quote_spanned!(value.span()=> #krate::budget::NoBudget)
        } else {
            value.to_token_stream()
        };
        let source = quote!(#krate::budget::BudgetSource);
        call("budget", key.span(), checked(source, budget));
    }
    // After the rule setters, whose typestate they keep.
    for (method, keyed) in [
        ("attempt_timeout", &args.attempt_timeout),
        ("hedge_delay", &args.hedge_delay),
    ] {
        if let Some(Keyed { key, value }) = keyed {
            let seconds = if is_none(value) {
                quote_spanned!(value.span()=> ::core::option::Option::None::<::core::time::Duration>)
            } else {
                checked(quote!(#krate::wait::IntoTimeout), max_time_value(value))
            };
            if method == "attempt_timeout" {
                // The error type's conversion is checked by a call spanned at the key, so a
                // type without `From<AttemptTimedOut>` is one error there.
                let holds = respan(
                    quote!(<#error_ty as #krate::HoldsTimedOut>::__retry_timeout_value),
                    key.span(),
                );
                let checked = quote_spanned!(key.span()=> #holds(#seconds));
                call("attempt_timeout_checked", key.span(), checked);
            } else {
                call(method, key.span(), seconds);
            }
        }
    }
    if let Some(Keyed { key, value }) = &args.max_hedges {
        call(
            "max_hedges",
            key.span(),
            typed_value(quote!(u32), key, value),
        );
    }
    // Last, because when present it replaces every other value.
    if let Some(Keyed { key, value }) = &args.settings {
        let settings = if is_none(value) {
            quote_spanned!(value.span()=> ::core::option::Option::None::<#krate::RetrySettings<_>>)
        } else {
            let settings = quote!(#krate::IntoSettings::<#error_ty>);
            checked(settings, value.to_token_stream())
        };
        call("settings", key.span(), settings);
    }
    let target = unraw(name);
    let target = quote!(::core::concat!(::core::module_path!(), "::", #target));
    match started {
        Some(started) => chain.extend(quote!(.start_at(#target, #started))),
        None => chain.extend(quote!(.start(#target))),
    }
    chain
}

/// The tokens with every span set to `span` (an interpolated path keeps its own spans, and
/// the compiler reports a call at the span its first token starts).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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
        quote!(<#output_ty as #krate::RetryOutput>::Ok)
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

/// `let [mut] x = ByValueArgument::clone_for_attempt(&x);` for each argument taken by value.
fn clone_shadows(cloned: &[item::ArgBinding], krate: &TokenStream) -> Vec<TokenStream> {
    cloned
        .iter()
        .map(|binding| {
            let ident = &binding.ident;
            let mutability = binding.mutable.then(|| quote!(mut));
            quote_spanned! {ident.span()=>
                let #mutability #ident = #krate::expects::ByValueArgument::clone_for_attempt(&#ident);
            }
        })
        .collect()
}

/// The `Arg { name, value }` entries of `Details.args`.
fn details_args(
    args: &RetryArgs,
    bindings: &[item::ArgBinding],
    krate: &TokenStream,
) -> Vec<TokenStream> {
    let listed = |keyed: &Option<Keyed<Vec<Ident>>>, ident: &Ident| {
        keyed
            .as_ref()
            .is_some_and(|list| list.value.contains(ident))
    };
    bindings
        .iter()
        .filter(|binding| !listed(&args.skip, &binding.ident))
        .map(|binding| {
            let ident = &binding.ident;
            let name = unraw(ident);
            let value = if listed(&args.redact, ident) {
                quote!(#krate::__private::REDACTED)
            } else {
                quote!(#krate::__private::render_arg!(#ident))
            };
            quote!(#krate::__private::Arg { name: #name, value: #value })
        })
        .collect()
}

fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. }) if b.value)
}

fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map_or(text.clone(), str::to_owned)
}

/// The return type with every `impl Trait` replaced by `_`, for turbofish positions.
pub fn erase_impl_trait(ty: &Type) -> Type {
    struct Eraser;
    impl VisitMut for Eraser {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(impl_trait) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](impl_trait.impl_token.span),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    Eraser.visit_type_mut(&mut ty);
    ty
}

/// Whether a type has a `_` (from an erased `impl Trait`) anywhere in it.
fn contains_infer(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == "_",
        proc_macro2::TokenTree::Group(group) => contains_infer(group.stream()),
        _ => false,
    })
}

/// A cloned argument is mutated through its per-attempt shadow, not the parameter itself,
/// so the parameter's `mut` would only earn an `unused_mut` warning.
fn strip_mut(sig: &mut syn::Signature, cloned: &[Ident]) {
    struct Strip<'a>(&'a [Ident]);
    impl VisitMut for Strip<'_> {
        fn visit_pat_ident_mut(&mut self, pat: &mut syn::PatIdent) {
            if self.0.contains(&pat.ident) {
                pat.mutability = None;
            }
            syn::visit_mut::visit_pat_ident_mut(self, pat);
        }
    }
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            Strip(cloned).visit_pat_mut(&mut typed.pat);
        }
    }
}

/// The same for async-trait's `let mut x = x;` rebindings.
fn strip_rebinding_mut(block: &mut Block, cloned: &[Ident]) {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.first_mut() else {
        return;
    };
    let Some(Expr::Async(async_block)) = call.args.first_mut() else {
        return;
    };
    for stmt in &mut async_block.block.stmts {
        if let Stmt::Local(local) = stmt
            && let Pat::Ident(pat) = &mut local.pat
            && cloned.contains(&pat.ident)
        {
            pat.mutability = None;
        }
    }
}

/// Inside async-trait's block `self` is `__self`: rewrite the attribute's expressions.
fn replace_self_in_args(mut args: RetryArgs) -> RetryArgs {
    struct ReplaceSelf;
    impl VisitMut for ReplaceSelf {
        fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
            if path.qself.is_none() && path.path.is_ident("self") {
                let span = path.path.segments[0].ident.span();
                path.path = Ident::new("__self", span).into();
            }
        }
    }
    let exprs = [
        &mut args.max_tries,
        &mut args.max_time,
        &mut args.wait_gen,
        &mut args.jitter,
        &mut args.giveup,
        &mut args.raise_on_giveup,
        &mut args.on_result,
        &mut args.logger,
        &mut args.backoff_log_level,
        &mut args.giveup_log_level,
        &mut args.sleeper,
        &mut args.settings,
        &mut args.budget,
        &mut args.attempt_timeout,
        &mut args.hedge_delay,
        &mut args.max_hedges,
    ];
    for keyed in exprs.into_iter().flatten() {
        ReplaceSelf.visit_expr_mut(&mut keyed.value);
    }
    for param in &mut args.wait_params {
        ReplaceSelf.visit_expr_mut(&mut param.value);
    }
    for hooks in [
        &mut args.on_success,
        &mut args.on_backoff,
        &mut args.on_giveup,
    ]
    .into_iter()
    .flatten()
    {
        for hook in &mut hooks.value.hooks {
            ReplaceSelf.visit_expr_mut(hook);
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn pretty(tokens: proc_macro2::TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(tokens).expect("the expansion is a valid file"))
    }

    fn documented_expansion() -> String {
        pretty(crate::expand_retry(
            quote!(
                max_tries = 5,
                max_time = 120,
                exception = (InternalServerError, MethodNotAllowed),
                wait_gen = adder,
                base = 1,
                value = 2,
                jitter = full_jitter,
                on_backoff = [log_backoff, alert],
                redact = [token]
            ),
            quote!(
                async fn fetch(&self, name: &str, token: String) -> Result<Project, Error> {
                    let project = self.client.get(name, &token).await?;
                    Ok(project)
                }
            ),
        ))
    }

    /// The expansion shown in `docs/how-retry-expands.md`
    /// (`cargo test -p retry-macros-core -- --nocapture print_expansion`).
    #[test]
    fn print_expansion() {
        let text = documented_expansion();
        println!("{text}");
        for expected in [
            "let __retry_started = ::retry_runtime::__private::started();",
            "policy::<Result<Project, Error>>()",
            ".start_at(",
            "break '__retry_attempt __retry_exit;",
            ">::__retry_checked(adder().base(1).value(2))",
            ".on_backoff((\n",
            "let __retry_hook = log_backoff;",
            "::retry_runtime::Hook::<",
            ">::call(&__retry_hook, __retry_details)",
            "let token = ::retry_runtime::expects::ByValueArgument::clone_for_attempt(\n",
            "value: ::retry_runtime::__private::REDACTED",
            "::core::time::Duration::from_secs(120)",
            "::retry_runtime::expects::exception::<\n",
        ] {
            assert!(text.contains(expected), "missing {expected} in\n{text}");
        }
    }

    #[test]
    fn docs_show_the_current_expansion() {
        let page = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/how-retry-expands.md"
        );
        let Ok(page) = std::fs::read_to_string(page) else {
            eprintln!("skipped: docs/how-retry-expands.md is not next to this crate");
            return;
        };
        assert!(
            page.contains(documented_expansion().trim_end()),
            "docs/how-retry-expands.md shows an outdated expansion; paste the output of \
             `cargo test -p retry-macros-core print_expansion -- --nocapture`"
        );
    }

    #[test]
    fn sync_fns_block_and_impl_trait_is_erased() {
        let text = pretty(crate::expand_retry(
            quote!(crate = ::my::rt, jitter = None, settings = None),
            quote!(
                fn f(mut n: u32, f: impl Fn() -> u32) -> Option<impl Copy> {
                    n += f();
                    Some(n)
                }
            ),
        ));
        assert!(text.contains("policy::<Option<_>>()"), "{text}");
        assert!(text.contains("sleep_blocking"), "{text}");
        assert!(text.contains("fn f(n: u32"), "{text}");
        assert!(
            text.contains("let mut n = ::my::rt::expects::ByValueArgument::clone_for_attempt(&n);"),
            "{text}"
        );
        assert!(text.contains("::my::rt::jitter::no_jitter"), "{text}");
        assert!(
            text.contains("None::<::my::rt::RetrySettings<_>>"),
            "{text}"
        );
    }

    #[test]
    fn errors_keep_the_original_fn() {
        let text = crate::expand_retry(
            quote!(max_tries = 0),
            quote!(
                fn f() -> Result<(), E> {
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(text.starts_with("fn f"), "{text}");
        assert!(text.contains("compile_error"), "{text}");
    }
}
