//! `docs/expansion-contract.md`'s rule, checked on the macro's real output: nothing that holds
//! the attempt's result, error or value lives across an `.await` of the retry loop.
//!
//! For every shape (eager and lazy engines, value mode, `raise_on_giveup`, `&mut self`,
//! `settings`, `budget`, `#[async_trait]`, a body that keeps its `async` block) the expansion
//! is parsed and its loop is checked: each iteration is `let __retry_sleep = { .. };
//! __retry_sleep.await;`, the attempt's result is bound inside that block, and nothing after
//! the result's binding awaits. The compiler's side of the same promise is the trybuild case
//! `tests/ui/pass/send_with_non_send_results.rs`; the contract page's expansions are printed
//! from here and kept in sync by `the_contract_page_shows_the_current_expansions`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit::Visit;
use syn::{Block, Expr, ExprAwait, ExprLoop, Local, Pat, Stmt};

const SLEEP: &str = "__retry_sleep";
const RESULT: &str = "__retry_result";

/// What async-trait 0.1 writes for `async fn f(&self) -> Result<u32, Rc<str>>` (the plain and
/// the hedged `#[async_trait]` cases expand it).
fn async_trait_f() -> TokenStream {
    quote!(
        fn f<'life0, 'async_trait>(
            &'life0 self,
        ) -> ::core::pin::Pin<
            Box<
                dyn ::core::future::Future<Output = Result<u32, Rc<str>>>
                    + ::core::marker::Send
                    + 'async_trait,
            >,
        >
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(async move {
                let __self = self;
                let __ret: Result<u32, Rc<str>> = { __self.g().await };
                #[allow(unreachable_code)]
                __ret
            })
        }
    )
}

/// Every shape issue 13 lists, with a `!Send` error or value.
fn shapes() -> Vec<(&'static str, TokenStream, TokenStream)> {
    vec![
        (
            "lazy engine, !Send error",
            quote!(max_tries = 3),
            quote!(
                async fn f() -> Result<u32, Rc<str>> {
                    g().await
                }
            ),
        ),
        (
            "lazy engine with a hook (start time read first)",
            quote!(max_time = 5, on_backoff = log),
            quote!(
                async fn f() -> Result<Rc<str>, E> {
                    g().await
                }
            ),
        ),
        (
            "eager engine (expression)",
            quote!(max_tries = limit()),
            quote!(
                async fn f() -> Result<Rc<str>, Rc<str>> {
                    g().await
                }
            ),
        ),
        (
            "on_result",
            quote!(on_result = |v: &Rc<u32>| **v == 0),
            quote!(
                async fn f() -> Result<Rc<u32>, Rc<str>> {
                    g().await
                }
            ),
        ),
        (
            "raise_on_giveup = false",
            quote!(max_tries = 3, raise_on_giveup = false),
            quote!(
                async fn f() -> Result<Option<Rc<u32>>, Rc<str>> {
                    g().await
                }
            ),
        ),
        (
            "&mut self",
            quote!(max_tries = 3),
            quote!(
                async fn f(&mut self, id: u32) -> Result<u32, Rc<str>> {
                    self.g(id).await
                }
            ),
        ),
        (
            "settings",
            quote!(settings = self.settings.clone()),
            quote!(
                async fn f(&self) -> Result<u32, Rc<str>> {
                    self.g().await
                }
            ),
        ),
        (
            "budget",
            quote!(max_tries = 3, budget = &self.budget),
            quote!(
                async fn f(&self) -> Result<u32, Rc<str>> {
                    self.g().await
                }
            ),
        ),
        (
            "attempt_timeout (the attempt raced against its timer)",
            quote!(max_tries = 3, attempt_timeout = self.timeout()),
            quote!(
                async fn f(&mut self) -> Result<Rc<u32>, Rc<str>> {
                    self.g().await
                }
            ),
        ),
        (
            "a macro that may hide `?` (the attempt stays an async block)",
            quote!(max_tries = 3),
            quote!(
                async fn f() -> Result<u32, Rc<str>> {
                    my_macro!(g().await)
                }
            ),
        ),
        ("#[async_trait]", quote!(max_tries = 3), async_trait_f()),
    ]
}

fn expand(attr: TokenStream, item: TokenStream) -> syn::File {
    let tokens = retry_macros_core::expand_retry(attr, item);
    assert!(
        !tokens.to_string().contains("compile_error"),
        "the attribute was rejected: {tokens}"
    );
    syn::parse2(tokens).expect("the expansion is a valid file")
}

/// The retry loops of an expansion (the `loop`s that bind the attempt's result).
fn retry_loops(file: &syn::File) -> Vec<ExprLoop> {
    #[derive(Default)]
    struct Loops(Vec<ExprLoop>);
    impl<'a> Visit<'a> for Loops {
        fn visit_expr_loop(&mut self, node: &'a ExprLoop) {
            if binds(&node.body, RESULT) {
                self.0.push(node.clone());
            }
            syn::visit::visit_expr_loop(self, node);
        }
    }
    let mut loops = Loops::default();
    loops.visit_file(file);
    loops.0
}

/// Whether `block` binds `name` anywhere inside.
fn binds(block: &Block, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_pat_ident(&mut self, node: &'a syn::PatIdent) {
            self.1 |= node.ident == self.0;
        }
    }
    let mut finder = Finder(name, false);
    finder.visit_block(block);
    finder.1
}

/// The `.await`s in a piece of syntax, outside closures and nested async blocks (those are
/// futures of their own, not awaits of the loop).
fn awaits<'a>(visit: impl FnOnce(&mut Awaits<'a>)) -> Vec<&'a ExprAwait> {
    let mut found = Awaits(Vec::new());
    visit(&mut found);
    found.0
}

struct Awaits<'a>(Vec<&'a ExprAwait>);

impl<'a> Visit<'a> for Awaits<'a> {
    fn visit_expr_await(&mut self, node: &'a ExprAwait) {
        self.0.push(node);
        syn::visit::visit_expr_await(self, node);
    }
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
}

fn local_name(local: &Local) -> Option<String> {
    match &local.pat {
        Pat::Ident(pat) => Some(pat.ident.to_string()),
        Pat::Type(typed) => match &*typed.pat {
            Pat::Ident(pat) => Some(pat.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The rule, on one async retry loop.
fn check_async_loop(shape: &str, retry_loop: &ExprLoop) {
    let mut stmts = retry_loop.body.stmts.as_slice();
    // With a breaker or a limiter (or settings, which may carry either), the iteration starts
    // with the guards' question: a `let` that awaits nothing and whose temporaries (the
    // `Details` arguments, the `Step`) end with it, then an `if` that awaits only the
    // limiter's wait.
    if let [
        Stmt::Local(admit),
        Stmt::Expr(Expr::If(paced), None),
        rest @ ..,
    ] = stmts
    {
        assert!(
            awaits(|v| v.visit_local(admit)).is_empty(),
            "{shape}: the guards' question awaits"
        );
        let found = awaits(|v| v.visit_expr_if(paced));
        assert_eq!(found.len(), 1, "{shape}: the limiter's wait");
        assert!(
            matches!(&*found[0].base, Expr::MethodCall(call) if call.method == "sleep"),
            "{shape}: the guards' `if` awaits something other than the sleep"
        );
        stmts = rest;
    }
    // `let __retry_sleep = { .. };` then `__retry_sleep.await;`, and nothing else.
    let [
        Stmt::Local(sleep),
        Stmt::Expr(Expr::Await(awaited), Some(_)),
    ] = stmts
    else {
        panic!("{shape}: the iteration is not `let {SLEEP} = {{ .. }}; {SLEEP}.await;`");
    };
    assert_eq!(local_name(sleep).as_deref(), Some(SLEEP), "{shape}");
    assert!(
        matches!(&*awaited.base, Expr::Path(path) if path.path.is_ident(SLEEP)),
        "{shape}: the loop awaits something other than the sleep"
    );
    let Some(init) = &sleep.init else {
        panic!("{shape}: `{SLEEP}` has no value");
    };
    let Expr::Block(iteration) = &*init.expr else {
        panic!("{shape}: `{SLEEP}` is not computed in a block of its own");
    };
    // Inside the block: the result is bound, and nothing after that binding awaits.
    let stmts = &iteration.block.stmts;
    let bound_at = stmts
        .iter()
        .position(|stmt| matches!(stmt, Stmt::Local(l) if local_name(l).as_deref() == Some(RESULT)))
        .unwrap_or_else(|| panic!("{shape}: the block does not bind `{RESULT}`"));
    for stmt in &stmts[bound_at + 1..] {
        let found = awaits(|v| v.visit_stmt(stmt));
        assert!(
            found.is_empty(),
            "{shape}: an `.await` after the attempt's result is bound: {}",
            quote!(#stmt)
        );
    }
}

#[test]
fn nothing_from_the_attempt_lives_across_the_loops_await() {
    for (shape, attr, item) in shapes() {
        let file = expand(attr, item);
        let loops = retry_loops(&file);
        assert_eq!(loops.len(), 1, "{shape}: one retry loop expected");
        check_async_loop(shape, &loops[0]);
    }
}

/// The hedged shapes: attempts run side by side in a set; what the rule covers is the
/// decision after each event.
fn hedged_shapes() -> Vec<(&'static str, TokenStream, TokenStream)> {
    vec![
        (
            "hedge_delay",
            quote!(max_tries = 3, hedge_delay = 0.1),
            quote!(
                async fn f(&self, name: String) -> Result<Rc<u32>, Rc<str>> {
                    self.g(&name).await
                }
            ),
        ),
        (
            "hedge_delay and attempt_timeout under settings",
            quote!(
                settings = self.settings.clone(),
                attempt_timeout = None,
                hedge_delay = self.hedge_delay_for(OP)
            ),
            quote!(
                async fn f(&self) -> Result<Option<Rc<u32>>, Rc<str>> {
                    self.g().await
                }
            ),
        ),
        (
            "hedged #[async_trait]",
            quote!(hedge_delay = 1),
            async_trait_f(),
        ),
    ]
}

/// The `.await`s of the fn's own body, outside closures and non-`move` `async` blocks (the
/// attempts' futures); async-trait's `async move` block is the fn's body.
fn fn_awaits(file: &syn::File) -> Vec<ExprAwait> {
    struct FnAwaits(Vec<ExprAwait>);
    impl<'a> Visit<'a> for FnAwaits {
        fn visit_expr_await(&mut self, node: &'a ExprAwait) {
            self.0.push(node.clone());
            syn::visit::visit_expr_await(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, node: &'a syn::ExprAsync) {
            if node.capture.is_some() {
                syn::visit::visit_expr_async(self, node);
            }
        }
    }
    let mut found = FnAwaits(Vec::new());
    found.visit_file(file);
    found.0
}

/// The rule, on a hedged expansion: the fn's body awaits once, the driver's future
/// (`__retry_rt::hedged(..).await`), which owns the attempt set and decides between its polls;
/// the `Details.args` array is built by `args!` inside a callback, and each attempt is an
/// `async` block the factory closure returns, so nothing of an attempt is a local of the fn.
fn check_hedged_call(shape: &str, file: &syn::File) {
    let awaits = fn_awaits(file);
    let [awaited] = awaits.as_slice() else {
        panic!(
            "{shape}: the hedged fn awaits {} times, not once",
            awaits.len()
        );
    };
    let Expr::Call(call) = &*awaited.base else {
        panic!("{shape}: the hedged fn awaits something other than the driver");
    };
    let callee = quote!(#call).to_string();
    assert!(
        callee.starts_with("__retry_rt :: hedged ("),
        "{shape}: the awaited call is not the driver: {callee}"
    );
    let [_nothing, policy, _owned, args, attempt] = call.args.iter().collect::<Vec<_>>()[..] else {
        panic!("{shape}: the driver takes five operands");
    };
    assert!(
        matches!(policy, Expr::Closure(_)),
        "{shape}: the setters are a closure"
    );
    assert!(
        matches!(args, Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "args")),
        "{shape}: `Details.args` is built by `args!`"
    );
    let Expr::Closure(factory) = attempt else {
        panic!("{shape}: the attempt factory is not a closure");
    };
    let text = quote!(#factory).to_string();
    assert!(
        text.contains("async"),
        "{shape}: the attempt is an `async` block: {text}"
    );
    assert!(
        !text.contains("async move"),
        "{shape}: the attempt borrows `self`: {text}"
    );
}

#[test]
fn nothing_from_an_attempt_lives_across_the_hedged_loops_await() {
    for (shape, attr, item) in hedged_shapes() {
        let file = expand(attr, item);
        assert!(retry_loops(&file).is_empty(), "{shape}: no sequential loop");
        check_hedged_call(shape, &file);
    }
}

#[test]
fn the_check_rejects_the_shape_that_broke_send() {
    // The expansion before issue 13: the step bound by `let` and matched, the sleep awaited
    // in a match arm while the result's binding is still in scope.
    let broken: syn::File = syn::parse_quote! {
        async fn f() -> Result<u32, Rc<str>> {
            let mut __retry_engine = policy();
            loop {
                let __retry_result = attempt().await;
                let __retry_step = __retry_engine.after_attempt(__retry_result, &[]);
                match __retry_step {
                    Step::Return(r) => return r,
                    Step::Wait(d) => __retry_engine.sleep(d).await,
                }
            }
        }
    };
    let loops = retry_loops(&broken);
    let outcome = std::panic::catch_unwind(|| check_async_loop("old", &loops[0]));
    assert!(outcome.is_err(), "the old shape must fail the check");
}

#[test]
fn blocking_fns_have_no_await() {
    let file = expand(
        quote!(max_tries = 3),
        quote!(
            fn f() -> Result<u32, Rc<str>> {
                g()
            }
        ),
    );
    let loops = retry_loops(&file);
    assert_eq!(loops.len(), 1);
    assert!(awaits(|v| v.visit_expr_loop(&loops[0])).is_empty());
}

fn pretty(file: &syn::File) -> String {
    prettyplease::unparse(file)
}

/// The expansions `docs/expansion-contract.md` shows: an eager engine (an expression key),
/// the lazy form, a timed attempt and a hedged call.
fn contract_expansions() -> [String; 4] {
    let eager = expand(
        quote!(
            max_tries = self.max_tries,
            exception = InternalServerError,
            on_backoff = [log_backoff, alert]
        ),
        quote!(
            async fn fetch(&self, name: &str, page: u32) -> Result<Project, Error> {
                self.client.get(name, page).await
            }
        ),
    );
    let lazy = expand(
        quote!(max_tries = 5, max_time = 120),
        quote!(
            async fn fetch(&self, name: &str, page: u32) -> Result<Project, Error> {
                self.client.get(name, page).await
            }
        ),
    );
    let timed = expand(
        quote!(max_tries = 3, attempt_timeout = 2),
        quote!(
            async fn fetch(&self, name: &str) -> Result<Project, Error> {
                self.client.get(name).await
            }
        ),
    );
    let hedged = expand(
        quote!(
            max_tries = 3,
            attempt_timeout = self.attempt_timeout,
            hedge_delay = self.hedge_delay_for(&OP)
        ),
        quote!(
            async fn fetch(&self, name: &str, page: u32) -> Result<Project, Error> {
                self.client.get(name, page).await
            }
        ),
    );
    [
        pretty(&eager),
        pretty(&lazy),
        pretty(&timed),
        pretty(&hedged),
    ]
}

/// Prints the contract page's expansions:
/// `cargo test -p retry-macros-core --test expansion_contract print_contract_expansions -- --nocapture`.
#[test]
fn print_contract_expansions() {
    for text in contract_expansions() {
        println!("{text}");
    }
}

#[test]
fn the_contract_page_shows_the_current_expansions() {
    let page = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/expansion-contract.md"
    );
    let Ok(page) = std::fs::read_to_string(page) else {
        eprintln!("skipped: docs/expansion-contract.md is not next to this crate");
        return;
    };
    for text in contract_expansions() {
        assert!(
            page.contains(text.trim_end()),
            "docs/expansion-contract.md shows an outdated expansion; paste the output of \
             `cargo test -p retry-macros-core --test expansion_contract print_contract_expansions -- --nocapture`:\n{text}"
        );
    }
}
