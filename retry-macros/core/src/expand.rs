//! Stage 4: the validated attribute and fn, turned into the retry loop that
//! `docs/expansion-contract.md` specifies: one function per loop shape (async, blocking,
//! `#[async_trait]`; sequential, lazy or hedged), around one attempt (`attempt.rs`) and the
//! policy (`policy.rs`).
//!
//! Every internal name is `Span::mixed_site()` and every runtime item is reached through an
//! absolute path (`::retry_runtime::__private::..`, or `crate = path`), so nothing the user
//! declares can shadow them. User tokens keep their spans, so errors in user expressions
//! point at the user's code.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Ident, Stmt, Type};

use crate::args::{Keyed, RetryArgs};
use crate::attempt::{async_attempt, attempt_future, clone_shadows, hedged_attempt};
use crate::item::{self, AsyncTraitBody, BodyKind, RetryFn};
use crate::policy::{
    LazyEngine, is_true, lazy_engine, policy_chain, replace_self_in_args, respan, setters,
};

/// The whole expansion: the fn with its body replaced by the retry loop.
pub fn expand(args: &RetryArgs, function: RetryFn) -> TokenStream {
    let RetryFn {
        attrs,
        vis,
        mut sig,
        mut block,
        kind,
        output,
        bindings,
    } = function;
    let cloned: Vec<item::ArgBinding> = bindings
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
    match kind {
        BodyKind::Async => {
            strip_mut(&mut sig, &cloned_names);
            respan_braces(&mut block);
            let body =
                Expansion::new(args, &output, &sig.ident, &bindings, cloned).async_loop(&block);
            quote!(#(#attrs)* #vis #sig { #body })
        }
        BodyKind::Blocking => {
            strip_mut(&mut sig, &cloned_names);
            respan_braces(&mut block);
            let body =
                Expansion::new(args, &output, &sig.ident, &bindings, cloned).blocking_loop(&block);
            quote!(#(#attrs)* #vis #sig { #body })
        }
        BodyKind::AsyncTrait(mut split) => {
            strip_rebinding_mut(&mut split, &cloned_names);
            // async-trait moved `self` into `__self` inside its `async move` block; the
            // attribute's expressions run there too.
            let args = replace_self_in_args(args.clone());
            let inner = async_trait_inner(&split);
            let body =
                Expansion::new(&args, &output, &sig.ident, &bindings, cloned).async_loop(&inner);
            let block = split.with_body(quote!({ #body }));
            quote!(#(#attrs)* #vis #sig #block)
        }
    }
}

/// What every loop shape reads: the runtime's path, the policy, the arguments as `Details`
/// shows them, and the hygienic names of the loop's locals.
struct Expansion<'a> {
    krate: TokenStream,
    args: &'a RetryArgs,
    /// The fn's name and its arguments.
    name: &'a Ident,
    bindings: &'a [item::ArgBinding],
    /// The by-value arguments cloned for each attempt.
    cloned: Vec<item::ArgBinding>,
    /// The attempt's type: the return type with `impl Trait` erased.
    output: Type,
    lazy: Option<LazyEngine>,
    policy: TokenStream,
    details_args: Vec<TokenStream>,
    /// `Some(<R as GiveUpValue>::nothing)` at the `raise_on_giveup` value, when not `true`.
    nothing_at_value: Option<TokenStream>,
    /// Run-time settings decide `raise_on_giveup`: the return type's "nothing" is probed.
    probes_nothing: bool,
    engine: Ident,
    result: Ident,
    returned: Ident,
    wait: Ident,
    started: Ident,
    slot: Ident,
}

impl<'a> Expansion<'a> {
    fn new(
        args: &'a RetryArgs,
        output: &Type,
        name: &'a Ident,
        bindings: &'a [item::ArgBinding],
        cloned: Vec<item::ArgBinding>,
    ) -> Self {
        let krate = args
            .krate
            .as_ref()
            .map_or_else(|| quote!(::retry_runtime), |k| k.value.to_token_stream());
        let lazy = lazy_engine(args);
        let started = Ident::new("__retry_started", Span::mixed_site());
        let first_read = lazy.filter(|l| l.reads_clock_first).map(|_| &started);
        let policy = policy_chain(args, &krate, output, name, first_read);
        let output = erase_impl_trait(output);
        // With `raise_on_giveup` other than `true`, the engine is handed the return type's
        // "nothing" value as `<R as GiveUpValue>::nothing`, spanned at the value: a return
        // type without one is one error there, and the call itself has no bound left to fail.
        let nothing_at_value = args
            .raise_on_giveup
            .as_ref()
            .filter(|k| !is_true(&k.value))
            .map(|k| {
                let nothing = quote!(<#output as #krate::GiveUpValue>::nothing);
                respan(nothing, syn::spanned::Spanned::span(&k.value))
            });
        let probes_nothing = args.settings.is_some()
            && args.raise_on_giveup.is_none()
            && !contains_infer(output.to_token_stream());
        let hygienic = |text: &str| Ident::new(text, Span::mixed_site());
        Expansion {
            details_args: details_args(args, bindings, &krate),
            krate,
            args,
            name,
            bindings,
            cloned,
            output,
            lazy,
            policy,
            nothing_at_value,
            probes_nothing,
            engine: hygienic("__retry_engine"),
            result: hygienic("__retry_result"),
            returned: hygienic("__retry_return"),
            wait: hygienic("__retry_wait"),
            started,
            slot: hygienic("__retry_engine_slot"),
        }
    }

    /// An async fn's body: hedged when `hedge_delay` is set, else one attempt at a time (an
    /// `async` block raced against its timeout when `attempt_timeout` is set, so `&mut self`
    /// stays usable).
    fn async_loop(&self, block: &Block) -> TokenStream {
        let (krate, output) = (&self.krate, &self.output);
        if self.args.hedge_delay.is_some() {
            return self.hedged_loop(block);
        }
        let attempt = if self.args.attempt_timeout.is_some() {
            let (engine, future) = (
                &self.engine,
                attempt_future(block, &self.cloned, output, krate),
            );
            quote!(#engine.timed(#future).await)
        } else {
            let shadows = clone_shadows(&self.cloned, krate);
            async_attempt(block, &shadows, &self.cloned, output, krate)
        };
        self.sequential_loop(&attempt, Waits::Async)
    }

    /// A blocking fn's body: each attempt a closure call, each wait a blocking sleep.
    fn blocking_loop(&self, block: &Block) -> TokenStream {
        let (krate, output) = (&self.krate, &self.output);
        let shadows = clone_shadows(&self.cloned, krate);
        let attempt = quote! {
            #krate::__private::attempt_sync::<#output, _>(|| {
                #(#shadows)*
                #block
            })
        };
        self.sequential_loop(&attempt, Waits::Blocking)
    }

    /// A hedged call: one call of the runtime's generic driver (`__private::hedged`), which owns
    /// the attempt set, the event loop and the decisions. The expansion hands it only what is
    /// the fn's own: the "nothing" value (which names the return type, so the driver types the
    /// policy and the attempt from it), the setters, the by-value arguments (moved in, so the
    /// callbacks only borrow them for a call), the `Details.args` callback and the attempt
    /// factory. The runtime is named through one alias of `__private` (the internals' paths are
    /// most of an expansion's tokens otherwise).
    fn hedged_loop(&self, block: &Block) -> TokenStream {
        let Expansion {
            krate,
            args,
            output,
            cloned,
            ..
        } = self;
        let rt = Ident::new("__retry_rt", Span::mixed_site());
        let rt_path = quote!(#rt);
        let policy = Ident::new("__retry_policy", Span::mixed_site());
        let setters = setters(
            args,
            &rt_path,
            quote!(#rt::IntoTimeout),
            output,
            quote!(#policy),
        );
        let name = unraw(self.name);
        let nothing = if let Some(nothing) = &self.nothing_at_value {
            quote!(::core::option::Option::Some(#nothing))
        } else if self.probes_nothing {
            quote!(#rt::nothing_value!(#output))
        } else {
            quote!(#rt::none::<#output>())
        };
        let owned: Vec<&Ident> = cloned.iter().map(|binding| &binding.ident).collect();
        let tuple = |items: &[TokenStream]| match items {
            [] => quote!(_),
            items => quote!((#(#items,)*)),
        };
        let shown = |ident: &Ident| !self.skipped(ident) && !self.redacted(ident);
        let args_pattern = tuple(
            &owned
                .iter()
                .map(|ident| {
                    if shown(ident) {
                        quote!(#ident)
                    } else {
                        quote!(_)
                    }
                })
                .collect::<Vec<_>>(),
        );
        let entries = self
            .bindings
            .iter()
            .filter(|b| !self.skipped(&b.ident))
            .map(|binding| {
                let ident = &binding.ident;
                let name = unraw(ident);
                if self.redacted(ident) {
                    quote!(#name)
                } else {
                    quote!(#name #ident)
                }
            });
        let factory = hedged_attempt(block, cloned, &rt_path);
        quote! {
            use #krate::__private as #rt;
            #rt::hedged(
                #nothing,
                |#policy| #setters.start(#rt::target!(#name)),
                (#(#owned,)*),
                #rt::args!(|#args_pattern| #(#entries),*),
                #factory,
            )
            .await
        }
    }

    /// One attempt at a time: the engine is built before the first attempt (eager), or after
    /// a first attempt that failed (lazy, see `policy::lazy_engine`).
    fn sequential_loop(&self, attempt: &TokenStream, waits: Waits) -> TokenStream {
        let Expansion {
            krate,
            policy,
            engine,
            started,
            slot,
            ..
        } = self;
        let iteration = self.iteration(attempt, waits);
        let Some(lazy) = self.lazy else {
            let admit = self.admit(waits);
            return quote! {
                let mut #engine = #policy;
                loop {
                    #admit
                    #iteration
                }
            };
        };
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

    /// One iteration is a block that ends before the sleep is awaited: the attempt's result,
    /// the `Step` holding its error or value, and the `args` array (`&dyn Debug`, not `Sync`)
    /// all die with it, so none of them is alive across the `.await` and the future is `Send`
    /// whenever the body's is (docs/expansion-contract.md). A moved-from local is not enough:
    /// once borrowed (`is_success(&result)`), the compiler keeps its storage to the end of its
    /// scope.
    fn iteration(&self, attempt: &TokenStream, waits: Waits) -> TokenStream {
        let Expansion {
            krate,
            engine,
            result,
            returned,
            wait,
            ..
        } = self;
        let lazy_engine_ready = self.lazy_engine_ready();
        let decide = self.decision("after_attempt", quote!(#result));
        let decide = quote! {
            let #wait = match #decide {
                #krate::__private::Step::Return(#returned) => return #returned,
                #krate::__private::Step::Wait(#wait) => #wait,
            };
        };
        match waits {
            Waits::Async => {
                let sleep_future = Ident::new("__retry_sleep", Span::mixed_site());
                quote! {
                    let #sleep_future = {
                        let #result = #attempt;
                        #lazy_engine_ready
                        #decide
                        #engine.sleep(#wait)
                    };
                    #sleep_future.await;
                }
            }
            Waits::Blocking => quote! {
                let #result = #attempt;
                #lazy_engine_ready
                #decide
                #engine.sleep_blocking(#wait);
            },
        }
    }

    /// The lazy form's first step after an attempt: nothing but the start time is needed
    /// before the first attempt ends (values free of side effects, nothing to run on success),
    /// so a first-try success returns before any policy exists, and an async fn's state stores
    /// no policy across the first attempt's await.
    fn lazy_engine_ready(&self) -> Option<TokenStream> {
        let lazy = self.lazy?;
        let Expansion {
            krate,
            policy,
            engine,
            result,
            slot,
            details_args,
            ..
        } = self;
        let on_success = if lazy.success_runs_hooks {
            quote!(#policy.finish_success(#result, &[#(#details_args),*]))
        } else {
            quote!(#result)
        };
        Some(quote! {
            if #slot.is_none() {
                if #krate::__private::is_success(&#result) {
                    return #on_success;
                }
                #slot = ::core::option::Option::Some(#policy);
            }
            let ::core::option::Option::Some(#engine) = &mut #slot else {
                continue;
            };
        })
    }

    /// The engine's decision after an attempt (`after_attempt`, on the attempt's result) or,
    /// hedged, after an event of the attempt set (`after_event`, on the set and the event),
    /// handed the return type's "nothing" value for a give-up: named at `raise_on_giveup`,
    /// probed when run-time settings may set it (an `impl Trait` return cannot be probed: the
    /// error is returned, as without settings), else none.
    fn decision(&self, after: &str, operands: TokenStream) -> TokenStream {
        let Expansion {
            engine,
            details_args,
            ..
        } = self;
        let nothing = self.nothing();
        let method = Ident::new(after, Span::call_site());
        quote!(#engine.#method(#operands, &[#(#details_args),*], #nothing))
    }

    /// The return type's "nothing" value for a give-up: named at `raise_on_giveup`, probed
    /// when run-time settings may set it, else none.
    fn nothing(&self) -> TokenStream {
        let Expansion { krate, output, .. } = self;
        if let Some(nothing) = &self.nothing_at_value {
            quote!(::core::option::Option::Some(#nothing))
        } else if self.probes_nothing {
            quote!(#krate::__private::nothing_value!(#output))
        } else {
            quote!(::core::option::Option::None)
        }
    }

    /// The eager form's question to the shared guards at the top of each iteration (before
    /// the first attempt, and before each retry once its wait is over), emitted only when
    /// there may be one (`breaker`, `limiter`, or `settings`, which may carry either): an open
    /// breaker ends the call with no attempt, a limiter may ask for a wait first.
    fn admit(&self, waits: Waits) -> Option<TokenStream> {
        let args = self.args;
        if args.breaker.is_none() && args.limiter.is_none() && args.settings.is_none() {
            return None;
        }
        let Expansion {
            krate,
            engine,
            details_args,
            returned,
            wait,
            ..
        } = self;
        let nothing = self.nothing();
        let sleep = match waits {
            Waits::Async => quote!(#engine.sleep(#wait).await;),
            Waits::Blocking => quote!(#engine.sleep_blocking(#wait);),
        };
        Some(quote! {
            let #wait = match #engine.admit(&[#(#details_args),*], #nothing) {
                #krate::__private::Step::Return(#returned) => return #returned,
                #krate::__private::Step::Wait(#wait) => #wait,
            };
            if !#wait.is_zero() {
                #sleep
            }
        })
    }
}

impl Expansion<'_> {
    /// Whether `skip = [..]` leaves the argument out of `Details.args`.
    fn skipped(&self, ident: &Ident) -> bool {
        listed(&self.args.skip, ident)
    }

    /// Whether `redact = [..]` shows the argument as `<redacted>`.
    fn redacted(&self, ident: &Ident) -> bool {
        listed(&self.args.redact, ident)
    }
}

fn listed(keyed: &Option<Keyed<Vec<Ident>>>, ident: &Ident) -> bool {
    keyed
        .as_ref()
        .is_some_and(|list| list.value.contains(ident))
}

/// How the loop waits between attempts.
#[derive(Clone, Copy)]
enum Waits {
    /// `engine.sleep(wait)`, a future awaited after the iteration's block has ended.
    Async,
    /// `engine.sleep_blocking(wait)`, in the iteration.
    Blocking,
}

/// The body's braces, re-emitted inside the loop, marked as the macro's own (still located
/// at the user's braces, where errors about the block point): rustc's `unused_braces` and
/// clippy's lints skip tokens of an expansion, so `{ Ok(1) }` written on one line is not
/// linted as a block in a block, and `cargo fix` does not delete the fn's braces.
fn respan_braces(block: &mut Block) {
    let span = Span::mixed_site().located_at(block.brace_token.span.join());
    block.brace_token = syn::token::Brace(span);
}

/// The body async-trait wrote as `let __ret = <body>`, as a block: async-trait writes
/// `{ body }`; any other expression is treated as `{ expr }`.
fn async_trait_inner(split: &AsyncTraitBody) -> Block {
    let mut inner = match &split.body {
        Expr::Block(inner) if inner.label.is_none() && inner.attrs.is_empty() => {
            inner.block.clone()
        }
        other => Block {
            brace_token: Default::default(),
            stmts: vec![Stmt::Expr(other.clone(), None)],
        },
    };
    respan_braces(&mut inner);
    inner
}

/// A cloned argument is mutated through its per-attempt shadow, not async-trait's
/// `let mut x = x;` rebinding, whose `mut` would only earn an `unused_mut` warning.
fn strip_rebinding_mut(split: &mut AsyncTraitBody, cloned: &[Ident]) {
    for stmt in &mut split.before {
        if let Stmt::Local(local) = stmt
            && let syn::Pat::Ident(pat) = &mut local.pat
            && cloned.contains(&pat.ident)
        {
            pat.mutability = None;
        }
    }
}

/// The `Arg { name, value }` entries of `Details.args`.
fn details_args(
    args: &RetryArgs,
    bindings: &[item::ArgBinding],
    krate: &TokenStream,
) -> Vec<TokenStream> {
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

pub(crate) fn unraw(ident: &Ident) -> String {
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
pub(crate) fn contains_infer(tokens: TokenStream) -> bool {
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
