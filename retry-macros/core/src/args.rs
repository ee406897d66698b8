//! Stage 1: the attribute's `key = value` list, parsed into [`RetryArgs`].
//!
//! This stage only knows the syntax of each key's value. Rules that need more context
//! (literal ranges, conflicting keys, argument names) live in `validate`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Path, Token, Type};

use crate::suggest;

/// Names other retry libraries use for our keys: an unknown key equal to one of these is a
/// mistake with a known fix, not a wait generator parameter.
const ALIASES: &[(&str, &str)] = &[
    ("retries", "max_tries"),
    ("tries", "max_tries"),
    ("attempts", "max_tries"),
    ("max_attempts", "max_tries"),
    ("max_retries", "max_tries"),
    ("timeout", "max_time"),
    ("deadline", "max_time"),
    ("max_elapsed", "max_time"),
    ("max_elapsed_time", "max_time"),
    ("max_duration", "max_time"),
    ("exceptions", "exception"),
    ("error", "exception"),
    ("errors", "exception"),
    ("retry_on", "exception"),
    ("when", "exception"),
    ("backoff", "wait_gen"),
    ("wait", "wait_gen"),
    ("strategy", "wait_gen"),
    ("on_retry", "on_backoff"),
    ("predicate", "on_result"),
    ("retry_if", "on_result"),
    ("on_predicate", "on_result"),
    ("give_up", "giveup"),
    ("notify", "on_backoff"),
    ("per_try_timeout", "attempt_timeout"),
    ("try_timeout", "attempt_timeout"),
    ("per_attempt_timeout", "attempt_timeout"),
    ("hedge", "hedge_delay"),
    ("hedging", "hedge_delay"),
    ("hedge_after", "hedge_delay"),
    ("max_hedged_attempts", "max_hedges"),
    ("hedges", "max_hedges"),
    ("retry_budget", "budget"),
    ("retry_quota", "budget"),
    ("quota", "budget"),
    ("token_bucket", "budget"),
    ("circuit_breaker", "breaker"),
    ("circuit", "breaker"),
    ("retry_after", "wait_floor"),
    ("min_wait", "wait_floor"),
    ("rate_limiter", "limiter"),
    ("rate_limit", "limiter"),
    ("throttle", "limiter"),
];

/// A value together with the key that introduced it, so errors can point at either.
#[derive(Debug, Clone)]
pub struct Keyed<T> {
    /// The key as written (its span is where "set twice" and conflict errors point).
    pub key: Ident,
    /// The parsed value.
    pub value: T,
}

/// One hook key's value: `on_backoff = f` or `on_backoff = [f, g]`.
#[derive(Debug, Clone)]
pub struct HookList {
    /// The hooks, in order.
    pub hooks: Vec<Expr>,
    /// Whether the value was written as a list (an empty list is allowed and means "none").
    pub bracketed: bool,
}

/// The one table of the attribute's keys: for each, its name, the `RetryArgs` field it fills,
/// the syntax its value must have (the parser), and what it means. It generates [`KEYS`] (the
/// order the documentation lists them in, checked against the rustdoc table of `#[retry]` by
/// `keys_table_matches_the_attribute_docs`), the fields of [`RetryArgs`] and the parser's
/// dispatch; `validate` and `expand` read the fields.
macro_rules! attribute_keys {
    ($($(#[doc = $doc:literal])* $name:literal => $field:ident: $value:ty = $parse:path,)*) => {
        /// Every key the attribute understands, in the order the documentation lists them.
        pub const KEYS: &[&str] = &[$($name),*];

        /// The attribute's keys, each parsed into the syntax its value must have.
        #[derive(Debug, Clone, Default)]
        pub struct RetryArgs {
            $($(#[doc = $doc])* pub $field: Option<Keyed<$value>>,)*
            /// Any other key: a parameter handed to the wait generator as a setter call.
            pub wait_params: Vec<Keyed<Expr>>,
        }

        impl RetryArgs {
            /// Every expression the attribute's values hold, in the order of the table, the
            /// wait generator's parameters last: what is evaluated per call, and what
            /// `#[async_trait]`'s `self` renaming must reach.
            pub fn value_exprs(&self) -> Vec<&Expr> {
                let mut exprs = Vec::new();
                $(if let Some(keyed) = &self.$field {
                    keyed.value.exprs(&mut exprs);
                })*
                exprs.extend(self.wait_params.iter().map(|param| &param.value));
                exprs
            }

            /// [`value_exprs`](Self::value_exprs), mutably.
            pub fn value_exprs_mut(&mut self) -> Vec<&mut Expr> {
                let mut exprs = Vec::new();
                $(if let Some(keyed) = &mut self.$field {
                    keyed.value.exprs_mut(&mut exprs);
                })*
                exprs.extend(self.wait_params.iter_mut().map(|param| &mut param.value));
                exprs
            }
        }

        /// Parses the value of a key of the table into its field; `None` for any other key.
        fn parse_table_key(
            name: &str,
            key: Ident,
            input: ParseStream,
            args: &mut RetryArgs,
            errors: &mut Errors,
        ) -> Option<syn::Result<()>> {
            match name {
                $($name => Some($parse(input).map(|value| set(&mut args.$field, key, value, errors))),)*
                _ => None,
            }
        }
    };
}

attribute_keys! {
    /// `max_tries = <u32 expression>`.
    "max_tries" => max_tries: Expr = parse_expr,
    /// `max_time = <seconds or Duration expression>`.
    "max_time" => max_time: Expr = parse_expr,
    /// `attempt_timeout = <seconds, Duration, or Option of either>`: the longest one attempt
    /// may run (async fns only).
    "attempt_timeout" => attempt_timeout: Expr = parse_expr,
    /// `hedge_delay = <seconds, Duration, or Option of either>`: start the next attempt beside
    /// one that has not answered by then (async fns whose body may run twice at once).
    "hedge_delay" => hedge_delay: Expr = parse_expr,
    /// `max_hedges = <u32 expression>`: the most attempts the hedge delay starts per call.
    "max_hedges" => max_hedges: Expr = parse_expr,
    /// `exception = A` or `exception = (A, B)`: error classes.
    "exception" => exception: Vec<Type> = parse_exception,
    /// `wait_gen = path` (called per call) or `wait_gen = <call or builder expression>`.
    "wait_gen" => wait_gen: Expr = parse_expr,
    /// `jitter = path | closure | None`.
    "jitter" => jitter: Expr = parse_expr,
    /// `giveup = <predicate on the error>`.
    "giveup" => giveup: Expr = parse_expr,
    /// `on_success = hook | [hooks]`.
    "on_success" => on_success: HookList = parse_hooks,
    /// `on_backoff = hook | [hooks]`.
    "on_backoff" => on_backoff: HookList = parse_hooks,
    /// `on_giveup = hook | [hooks]`.
    "on_giveup" => on_giveup: HookList = parse_hooks,
    /// `raise_on_giveup = <bool>`.
    "raise_on_giveup" => raise_on_giveup: Expr = parse_expr,
    /// `on_result = <predicate on the Ok value>`: retry while it holds.
    "on_result" => on_result: Expr = parse_expr,
    /// `logger = <bool> | None`: the default tracing handler on or off.
    "logger" => logger: Expr = parse_expr,
    /// `backoff_log_level = <level>`.
    "backoff_log_level" => backoff_log_level: Expr = parse_expr,
    /// `giveup_log_level = <level>`.
    "giveup_log_level" => giveup_log_level: Expr = parse_expr,
    /// `sleeper = <Sleeper expression>`.
    "sleeper" => sleeper: Expr = parse_expr,
    /// `settings = <RetrySettings, &RetrySettings or Option of one>`.
    "settings" => settings: Expr = parse_expr,
    /// `budget = <RetryBudget, &RetryBudget, Option of one, or None>`: a shared retry quota.
    "budget" => budget: Expr = parse_expr,
    /// `breaker = <CircuitBreaker, &CircuitBreaker, Option of one, or None>`: a shared circuit
    /// breaker.
    "breaker" => breaker: Expr = parse_expr,
    /// `limiter = <AdaptiveLimiter, &AdaptiveLimiter, Option of one, or None>`: a shared
    /// adaptive rate limiter.
    "limiter" => limiter: Expr = parse_expr,
    /// `wait_floor = <fn of the error giving an Option<Duration>>`: the least wait an error
    /// asks for (`Retry-After`).
    "wait_floor" => wait_floor: Expr = parse_expr,
    /// `redact = [arg, ..]`: shown as `<redacted>` in `Details.args`.
    "redact" => redact: Vec<Ident> = parse_names,
    /// `skip = [arg, ..]`: left out of `Details.args`.
    "skip" => skip: Vec<Ident> = parse_names,
    /// `no_clone = [arg, ..]`: by-value arguments the body only borrows, not cloned per attempt.
    "no_clone" => no_clone: Vec<Ident> = parse_names,
    /// `crate = path`: where the runtime is (default `::retry_runtime`).
    "crate" => krate: Path = parse_crate_path,
}

/// The expressions a key's value holds: itself for an expression, each hook of a list,
/// none for a list of types or names or a path.
pub trait KeyValue {
    /// Appends the value's expressions to `out`.
    fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>);
    /// Appends the value's expressions to `out`, mutably.
    fn exprs_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Expr>);
}

impl KeyValue for Expr {
    fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        out.push(self);
    }
    fn exprs_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Expr>) {
        out.push(self);
    }
}

impl KeyValue for HookList {
    fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        out.extend(&self.hooks);
    }
    fn exprs_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Expr>) {
        out.extend(&mut self.hooks);
    }
}

/// Types (`exception`), names (`redact`, `skip`, `no_clone`) and paths (`crate`) hold none.
macro_rules! no_exprs {
    ($($t:ty),*) => {$(
        impl KeyValue for $t {
            fn exprs<'a>(&'a self, _: &mut Vec<&'a Expr>) {}
            fn exprs_mut<'a>(&'a mut self, _: &mut Vec<&'a mut Expr>) {}
        }
    )*};
}
no_exprs!(Vec<Type>, Vec<Ident>, Path);

/// Parses the tokens inside `#[retry(...)]`.
///
/// Every error found is returned, combined into one [`syn::Error`], so a user sees all of
/// their mistakes at once. This function never panics, whatever the tokens.
///
/// ```
/// use quote::quote;
/// let args = retry_macros_core::args::parse_retry_args(quote!(max_tries = 3, base = 2)).unwrap();
/// assert!(args.max_tries.is_some());
/// assert_eq!(args.wait_params[0].key.to_string(), "base");
///
/// let err = retry_macros_core::args::parse_retry_args(quote!(max_trys = 3)).unwrap_err();
/// assert!(err.to_string().contains("did you mean `max_tries`"));
/// ```
pub fn parse_retry_args(tokens: TokenStream) -> Result<RetryArgs, syn::Error> {
    let (args, errors) = parse_retry_args_partial(tokens);
    errors.map_or(Ok(args), Err)
}

/// As [`parse_retry_args`], but also returns every key that did parse, so later stages can
/// report their own errors about them in the same compilation.
pub fn parse_retry_args_partial(tokens: TokenStream) -> (RetryArgs, Option<syn::Error>) {
    let mut args = RetryArgs::default();
    let mut errors = Errors::default();
    let parser = |input: ParseStream| {
        parse_entries(input, &mut args, &mut errors);
        Ok(())
    };
    // `parse_entries` consumes everything and records its own errors; the parser's own
    // result can only be "unexpected trailing tokens", which cannot happen.
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
    (args, errors.0)
}

/// Collects errors so they can be reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

fn parse_entries(input: ParseStream, args: &mut RetryArgs, errors: &mut Errors) {
    while !input.is_empty() {
        let before = input.cursor();
        if let Err(error) = parse_entry(input, args, errors) {
            errors.push(error);
            skip_past_comma(input);
            // Recovery always consumes a token; should it ever not, stop with the errors so
            // far rather than loop on the same token.
            if input.cursor() == before {
                break;
            }
            continue;
        }
        if input.is_empty() {
            break;
        }
        if let Err(error) = input.parse::<Token![,]>() {
            errors.push(syn::Error::new(
                error.span(),
                "expected `,` between keys: `#[retry(max_tries = 3, max_time = 30)]`",
            ));
            skip_past_comma(input);
        }
    }
}

/// Error recovery: drop tokens up to and including the next top-level comma.
fn skip_past_comma(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            rest = next;
            if let TokenTree::Punct(punct) = &tree
                && punct.as_char() == ','
            {
                break;
            }
        }
        Ok(((), rest))
    });
}

fn parse_entry(input: ParseStream, args: &mut RetryArgs, errors: &mut Errors) -> syn::Result<()> {
    if !input.peek(Ident::peek_any) {
        return Err(input.error(format!(
            "expected a key such as `max_tries`; the keys are: {}",
            KEYS.join(", ")
        )));
    }
    let key = Ident::parse_any(input)?;
    if input.peek(Token![=]) && !input.peek(Token![==]) {
        input.parse::<Token![=]>()?;
    } else {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `=` after `{key}`: write `{key} = <value>`"),
        ));
    }
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` needs a value after `=`"),
        ));
    }
    let name = key.to_string();
    let key = match parse_table_key(&name, key.clone(), input, args, errors) {
        Some(parsed) => return parsed,
        None => key,
    };
    // Parse the value first so a misspelt key still consumes its value.
    let value = parse_expr(input)?;
    if let Some(known) = misspelt_key(&name) {
        return Err(syn::Error::new(
            key.span(),
            format!(
                "unknown key `{name}`; did you mean `{known}`?\n\
                 the keys are: {}; any other key is a parameter of the wait generator",
                KEYS.join(", ")
            ),
        ));
    }
    if let Some(previous) = args.wait_params.iter().find(|p| p.key == key) {
        errors.push(set_twice(&key, &previous.key));
    } else {
        args.wait_params.push(Keyed { key, value });
    }
    Ok(())
}

/// The key an unknown key was probably meant to be: a near miss or a well-known alias.
pub fn misspelt_key(name: &str) -> Option<&'static str> {
    if let Some((_, key)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
        return Some(key);
    }
    suggest::closest(name, KEYS.iter().copied())
}

fn set<T>(slot: &mut Option<Keyed<T>>, key: Ident, value: T, errors: &mut Errors) {
    match slot {
        Some(previous) => errors.push(set_twice(&key, &previous.key)),
        None => *slot = Some(Keyed { key, value }),
    }
}

fn set_twice(key: &Ident, first: &Ident) -> syn::Error {
    let mut error = syn::Error::new(
        key.span(),
        format!("`{key}` is set twice; keep one of the two"),
    );
    error.combine(syn::Error::new(
        first.span(),
        format!("`{key}` first set here"),
    ));
    error
}

fn parse_expr(input: ParseStream) -> syn::Result<Expr> {
    input.parse()
}

/// `A`, `(A)`, `(A, B, ...)`: error class types.
fn parse_exception(input: ParseStream) -> syn::Result<Vec<Type>> {
    let start = input.span();
    let wrong = |span: Span| {
        syn::Error::new(
            span,
            "expected an error class or a tuple of them, e.g. `exception = (Timeout, ServerError)`",
        )
    };
    let ty: Type = input.parse().map_err(|_| wrong(start))?;
    match ty {
        Type::Tuple(tuple) if tuple.elems.is_empty() => Err(syn::Error::new(
            tuple.span(),
            "`exception = ()` lists no error class; name at least one, or leave the key out to retry every error",
        )),
        Type::Tuple(tuple) => Ok(tuple.elems.into_iter().collect()),
        Type::Paren(paren) => Ok(vec![*paren.elem]),
        ty @ Type::Path(_) => Ok(vec![ty]),
        other => Err(wrong(other.span())),
    }
}

/// `f` or `[f, g, ...]`.
fn parse_hooks(input: ParseStream) -> syn::Result<HookList> {
    match input.parse::<Expr>()? {
        Expr::Array(array) => Ok(HookList {
            hooks: array.elems.into_iter().collect(),
            bracketed: true,
        }),
        hook => Ok(HookList {
            hooks: vec![hook],
            bracketed: false,
        }),
    }
}

/// `name` or `[name, ...]`: argument names.
fn parse_crate_path(input: ParseStream) -> syn::Result<Path> {
    input.call(Path::parse_mod_style).map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a path to the runtime crate, e.g. `crate = ::my_crate::retry_runtime`",
        )
    })
}

fn parse_names(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let wrong =
        |span: Span| syn::Error::new(span, "expected argument names, e.g. `[password, token]`");
    if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        let names = content
            .parse_terminated(Ident::parse, Token![,])
            .map_err(|error| wrong(error.span()))?;
        Ok(names.into_iter().collect())
    } else if input.peek(Ident) {
        Ok(vec![input.parse()?])
    } else {
        Err(wrong(input.span()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn error_of(tokens: TokenStream) -> String {
        parse_retry_args(tokens).unwrap_err().to_string()
    }

    #[test]
    fn parses_every_key_kind() {
        let args = parse_retry_args(quote!(
            max_tries = 5, max_time = 1.5, exception = (A, B<C, D>), wait_gen = adder,
            base = 1, value = 2, jitter = None, giveup = is_fatal,
            on_backoff = [log, |d| drop(d)], on_giveup = alert, raise_on_giveup = false,
            logger = false, sleeper = MySleeper, budget = &BUDGET, redact = [password], skip = token,
            no_clone = [body], crate = ::other::retry_runtime,
        ))
        .unwrap();
        assert_eq!(args.exception.unwrap().value.len(), 2);
        assert_eq!(args.wait_params.len(), 2);
        assert_eq!(args.on_backoff.unwrap().value.hooks.len(), 2);
        assert!(!args.on_giveup.unwrap().value.bracketed);
        assert_eq!(args.skip.unwrap().value[0], "token");
        assert!(args.krate.is_some());
        assert!(args.budget.is_some());
    }

    #[test]
    fn empty_is_all_defaults() {
        let args = parse_retry_args(TokenStream::new()).unwrap();
        assert!(args.max_tries.is_none() && args.wait_params.is_empty());
    }

    #[test]
    fn reports_every_error() {
        let message = error_of(quote!(max_trys = 1, jitter = None, jitter = None, "x" = 1));
        assert!(message.contains("did you mean `max_tries`"), "{message}");
        let error = parse_retry_args(quote!(max_trys = 1, jitter = None, jitter = None, "x" = 1))
            .unwrap_err();
        let count = error.into_iter().count();
        // misspelt key; set twice (+ "first set here"); not a key.
        assert_eq!(count, 4);
    }

    #[test]
    fn aliases_point_to_our_key() {
        assert!(error_of(quote!(retries = 3)).contains("did you mean `max_tries`"));
        assert!(error_of(quote!(timeout = 3)).contains("did you mean `max_time`"));
        assert!(error_of(quote!(retry_budget = b)).contains("did you mean `budget`"));
    }

    #[test]
    fn wrong_shapes() {
        assert!(error_of(quote!(max_tries 3)).contains("expected `=` after `max_tries`"));
        assert!(error_of(quote!(max_tries = )).contains("needs a value"));
        assert!(error_of(quote!(exception = "Io")).contains("expected an error class"));
        assert!(error_of(quote!(exception = ())).contains("lists no error class"));
        assert!(error_of(quote!(redact = "pw")).contains("expected argument names"));
        assert!(error_of(quote!(max_tries = 3 max_time = 4)).contains("expected `,`"));
    }

    #[test]
    fn recovery_resumes_at_the_next_key_after_a_bad_one() {
        // Each bad entry is one error, and the entries after it are still read.
        let error = parse_retry_args(quote!(1 = 2, max_trys = 1, jitter = None, jitter = None))
            .unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("expected a key"), "{messages:?}");
        assert!(
            messages[1].contains("did you mean `max_tries`"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("`jitter` is set twice"),
            "{messages:?}"
        );
        // Garbage inside an entry is skipped up to its comma, not into the next entry.
        let error = parse_retry_args(quote!(max_tries = 3 4 5, max_trys = 1)).unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[1].contains("did you mean `max_tries`"),
            "{messages:?}"
        );
    }

    #[test]
    fn value_exprs_are_every_expression_of_every_key() {
        let mut args = parse_retry_args(quote!(
            max_tries = self.tries,
            exception = (A, B),
            on_backoff = [self.log, note],
            wait_gen = expo,
            factor = 2,
            redact = [password]
        ))
        .unwrap();
        let mut shown: Vec<String> = args
            .value_exprs()
            .iter()
            .map(|e| quote!(#e).to_string())
            .collect();
        shown.sort();
        assert_eq!(shown, ["2", "expo", "note", "self . log", "self . tries"]);
        for expr in args.value_exprs_mut() {
            *expr = syn::parse_quote!(rewritten);
        }
        let rewritten: Vec<String> = args
            .value_exprs()
            .iter()
            .map(|e| quote!(#e).to_string())
            .collect();
        assert_eq!(rewritten, ["rewritten"; 5]);
    }

    #[test]
    fn never_panics_on_garbage() {
        for tokens in [
            quote!(,,,),
            quote!(= = =),
            quote!(a = b = c),
            quote!(crate = 1),
            quote!(exception = [A]),
        ] {
            let _ = parse_retry_args(tokens);
        }
    }
}
