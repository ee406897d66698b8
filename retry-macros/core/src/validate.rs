//! Stage 3: rules that need more than one key's syntax: literal ranges and kinds, keys that
//! conflict, and argument names that must exist in the fn.
//!
//! Everything checked here is a mistake the runtime would otherwise report at run time (or
//! not at all); catching it at compile time puts the error on the offending token.

use syn::{Expr, Ident, Lit, UnOp};

use crate::args::{Errors, HookList, Keyed, RetryArgs};
use crate::item::{BodyKind, RetryFn};
use crate::suggest;

/// The five log level names `backoff_log_level` / `giveup_log_level` accept as a literal.
pub const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error"];

/// Checks the parsed attribute against itself and against the fn it annotates.
pub fn validate(args: &RetryArgs, function: &RetryFn) -> Result<(), syn::Error> {
    let mut errors = Errors::default();
    check_literals(args, &mut errors);
    check_conflicts(args, &mut errors);
    check_names(args, function, &mut errors);
    check_timing(args, function, &mut errors);
    errors.finish()
}

/// A literal, seen through a leading `-` (so `-1` is recognised as a negative literal).
fn literal(expr: &Expr) -> Option<(bool, &Lit)> {
    match expr {
        Expr::Lit(lit) => Some((false, &lit.lit)),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) => Some((true, &lit.lit)),
            _ => None,
        },
        Expr::Paren(paren) => literal(&paren.expr),
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

fn check_literals(args: &RetryArgs, errors: &mut Errors) {
    check_number_literals(args, errors);
    check_flag_literals(args, errors);
    check_callable_literals(args, errors);
}

/// `max_tries`, `max_hedges`, `max_time` and the timeouts, where written as literals.
fn check_number_literals(args: &RetryArgs, errors: &mut Errors) {
    if let Some(Keyed { value, .. }) = &args.max_tries {
        check_max_tries(value, errors);
    }
    if let Some(Keyed { value, .. }) = &args.max_hedges {
        check_max_hedges(value, errors);
    }
    if let Some(Keyed { value, .. }) = &args.max_time {
        check_max_time(value, errors);
    }
    for keyed in [&args.attempt_timeout, &args.hedge_delay]
        .into_iter()
        .flatten()
    {
        check_positive_seconds(keyed, errors);
    }
}

/// `raise_on_giveup`, `logger` and the log levels: a literal must be of their kind.
fn check_flag_literals(args: &RetryArgs, errors: &mut Errors) {
    for (keyed, what) in [
        (
            &args.raise_on_giveup,
            "`true` or `false` (or a bool expression)",
        ),
        (
            &args.logger,
            "`true`, `false` or `None` (or a bool expression)",
        ),
    ] {
        if let Some(Keyed { key, value }) = keyed
            && let Some((negative, lit)) = literal(value)
            && (negative || !matches!(lit, Lit::Bool(_)))
        {
            errors.push(wrong_kind(value, key, what));
        }
    }
    for keyed in [&args.backoff_log_level, &args.giveup_log_level]
        .into_iter()
        .flatten()
    {
        check_level(keyed, errors);
    }
}

/// Keys that take a fn, a closure or a value of a trait: no literal is one.
fn check_callable_literals(args: &RetryArgs, errors: &mut Errors) {
    let callables = [
        (
            &args.wait_gen,
            "a wait generator: a path such as `expo`, or a call/builder expression such as `constant().interval(1)`",
        ),
        (
            &args.jitter,
            "a jitter function path, a closure `|wait| ..`, or `None`",
        ),
        (
            &args.giveup,
            "a predicate on the error: a fn path or a closure `|e| ..`",
        ),
        (
            &args.wait_floor,
            "a fn of the error giving an `Option<Duration>`: a fn path or a closure `|e| ..`",
        ),
        (
            &args.on_result,
            "a predicate on the value: a fn path or a closure `|v| ..`",
        ),
        (
            &args.sleeper,
            "a sleeper value (an expression implementing `Sleeper`)",
        ),
        (
            &args.settings,
            "a `RetrySettings`, a reference to one, an `Option` of one, or `None`",
        ),
        (
            &args.budget,
            "a `RetryBudget` (shared: clones share one bucket), a `&RetryBudget`, an `Option` of one, or `None`",
        ),
        (
            &args.breaker,
            "a `CircuitBreaker` (shared: clones share one state), a `&CircuitBreaker`, an `Option` of one, or `None`",
        ),
        (
            &args.limiter,
            "an `AdaptiveLimiter` (shared: clones share one state), a `&AdaptiveLimiter`, an `Option` of one, or `None`",
        ),
    ];
    for (keyed, what) in callables {
        if let Some(Keyed { key, value }) = keyed
            && literal(value).is_some()
        {
            errors.push(wrong_kind(value, key, what));
        }
    }
    for keyed in [&args.on_success, &args.on_backoff, &args.on_giveup]
        .into_iter()
        .flatten()
    {
        let Keyed {
            key,
            value: HookList { hooks, .. },
        } = keyed;
        for hook in hooks {
            if literal(hook).is_some() {
                errors.push(wrong_kind(
                    hook,
                    key,
                    "a hook taking `&Details`: a fn path, a closure, or a list `[a, b]` of them",
                ));
            }
        }
    }
}

fn wrong_kind(value: &Expr, key: &Ident, expected: &str) -> syn::Error {
    syn::Error::new_spanned(value, format!("`{key}` expects {expected}"))
}

fn check_max_tries(value: &Expr, errors: &mut Errors) {
    let Some((negative, lit)) = literal(value) else {
        return; // an expression: checked at run time
    };
    let Lit::Int(int) = lit else {
        errors.push(syn::Error::new_spanned(
            value,
            "`max_tries` expects a whole number of tries greater than 0 (or an expression of type u32)",
        ));
        return;
    };
    let parsed = int.base10_parse::<u32>();
    if negative || matches!(parsed, Ok(0)) {
        errors.push(syn::Error::new_spanned(
            value,
            "`max_tries` must be greater than 0: it counts every attempt, the first included (`max_tries = 1` means no retry)",
        ));
    } else if parsed.is_err() {
        errors.push(syn::Error::new_spanned(
            value,
            format!("`max_tries` must fit in a u32 (at most {})", u32::MAX),
        ));
    }
}

fn check_max_hedges(value: &Expr, errors: &mut Errors) {
    let Some((negative, lit)) = literal(value) else {
        return; // an expression: checked by its type (u32)
    };
    let parsed = match lit {
        Lit::Int(int) if !negative => int.base10_parse::<u32>(),
        _ => {
            errors.push(syn::Error::new_spanned(
                value,
                "`max_hedges` expects a whole number of hedges (0 or more, or an expression of type u32): \
                 the most attempts the hedge delay may start in one call",
            ));
            return;
        }
    };
    if parsed.is_err() {
        errors.push(syn::Error::new_spanned(
            value,
            format!("`max_hedges` must fit in a u32 (at most {})", u32::MAX),
        ));
    }
}

fn check_max_time(value: &Expr, errors: &mut Errors) {
    let Some((negative, lit)) = literal(value) else {
        return; // a Duration or number expression: checked at run time
    };
    let seconds = match lit {
        Lit::Int(int) => int.base10_parse::<u64>().map(|s| s as f64).ok(),
        Lit::Float(float) => float.base10_parse::<f64>().ok(),
        _ => {
            errors.push(syn::Error::new_spanned(
            value,
                "`max_time` expects seconds as a number (`max_time = 30`, `max_time = 0.5`) or a `Duration` expression (`Duration::from_millis(500)`)",
            ));
            return;
        }
    };
    match seconds {
        Some(seconds) if negative && seconds != 0.0 => errors.push(syn::Error::new_spanned(
            value,
            "`max_time` cannot be negative: it is the longest time the call may keep retrying",
        )),
        Some(seconds) if seconds.is_finite() && seconds <= u64::MAX as f64 => {}
        _ => errors.push(syn::Error::new_spanned(
            value,
            "`max_time` must be a finite number of seconds; leave the key out for no time limit",
        )),
    }
}

/// `attempt_timeout` and `hedge_delay`: a literal must be a positive, finite number of seconds
/// (an expression, `None` included, is checked at run time).
fn check_positive_seconds(keyed: &Keyed<Expr>, errors: &mut Errors) {
    let Keyed { key, value } = keyed;
    let Some((negative, lit)) = literal(value) else {
        return;
    };
    let seconds = match lit {
        Lit::Int(int) => int.base10_parse::<u64>().map(|s| s as f64).ok(),
        Lit::Float(float) => float.base10_parse::<f64>().ok(),
        _ => {
            errors.push(wrong_kind(
                value,
                key,
                "seconds as a number (`2`, `0.25`), a `Duration` expression, or an `Option` of either (`None`: off)",
            ));
            return;
        }
    };
    match seconds {
        Some(seconds) if !negative && seconds > 0.0 && seconds.is_finite() && seconds <= u64::MAX as f64 => {}
        _ => errors.push(syn::Error::new_spanned(
            value,
            format!("`{key}` must be a finite number of seconds greater than 0; leave the key out (or write `None`) for none"),
        )),
    }
}

/// `attempt_timeout` and `hedge_delay` need an async fn (a blocking call can be neither
/// cancelled nor run beside itself); `hedge_delay` also needs a body that can run twice at
/// once: no `&mut self`, no `&mut` argument, no `mut` argument shared instead of cloned.
fn check_timing(args: &RetryArgs, function: &RetryFn, errors: &mut Errors) {
    if let Some(max_hedges) = &args.max_hedges
        && args.hedge_delay.is_none()
    {
        errors.push(syn::Error::new(
            max_hedges.key.span(),
            "`max_hedges` bounds hedging, which is off without `hedge_delay`: add `hedge_delay = <seconds>` \
             (or `hedge_delay = None` to let the settings' delay apply), or remove `max_hedges`",
        ));
    }
    if matches!(function.kind, BodyKind::Blocking) {
        check_async_only(args, function, errors);
        return;
    }
    let Some(hedge) = &args.hedge_delay else {
        return;
    };
    check_hedged_arguments(hedge, function, errors);
    if let Some(no_clone) = &args.no_clone {
        check_hedged_no_clone(hedge, no_clone, function, errors);
    }
}

/// `attempt_timeout` and `hedge_delay` on a blocking fn.
fn check_async_only(args: &RetryArgs, function: &RetryFn, errors: &mut Errors) {
    if let Some(timeout) = &args.attempt_timeout {
        errors.push(syn::Error::new(
            timeout.key.span(),
            format!(
                "`attempt_timeout` needs an async fn: `{}` is blocking, and a blocking call cannot be cancelled \
                 once started; make the fn async, or give the blocking call its own timeout",
                function.sig.ident
            ),
        ));
    }
    if let Some(hedge) = &args.hedge_delay {
        errors.push(syn::Error::new(
            hedge.key.span(),
            format!(
                "`hedge_delay` needs an async fn: `{}` is blocking, so a second attempt could not run \
                 beside the first without a thread of its own; make the fn async",
                function.sig.ident
            ),
        ));
    }
}

/// A hedged fn may not hold `self` or an argument mutably: its attempts run side by side.
fn check_hedged_arguments(hedge: &Keyed<Expr>, function: &RetryFn, errors: &mut Errors) {
    let why = "hedged attempts run side by side, each borrowing the fn's arguments and `self` at the same time";
    for input in &function.sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => {
                let by_mut_ref = receiver.reference.is_some() && receiver.mutability.is_some()
                    || matches!(&*receiver.ty, syn::Type::Reference(r) if r.mutability.is_some());
                let by_mut_value = receiver.reference.is_none() && receiver.mutability.is_some();
                if by_mut_ref || by_mut_value {
                    let mut error = syn::Error::new(
                        hedge.key.span(),
                        format!(
                            "`hedge_delay` cannot hedge `{}`: it takes `{}`, and {why}, so none may hold `self` mutably; \
                             take `&self` (with interior mutability where needed), or remove `hedge_delay`",
                            function.sig.ident,
                            if by_mut_ref { "&mut self" } else { "mut self" },
                        ),
                    );
                    error.combine(syn::Error::new_spanned(
                        receiver,
                        "`self` is taken mutably here",
                    ));
                    errors.push(error);
                }
            }
            syn::FnArg::Typed(typed) => {
                if let syn::Type::Reference(reference) = &*typed.ty
                    && reference.mutability.is_some()
                {
                    let mut error = syn::Error::new_spanned(
                        typed,
                        format!(
                            "`hedge_delay` cannot share this `&mut` argument: {why}, and a `&mut` can be lent to one at a time; \
                             take it by shared reference or by value (cloned per attempt), or remove `hedge_delay`"
                        ),
                    );
                    error.combine(syn::Error::new(
                        hedge.key.span(),
                        "`hedge_delay` is set here",
                    ));
                    errors.push(error);
                }
            }
        }
    }
}

/// A `mut` argument listed in `no_clone` would be one value mutated by every attempt at once.
fn check_hedged_no_clone(
    hedge: &Keyed<Expr>,
    no_clone: &Keyed<Vec<Ident>>,
    function: &RetryFn,
    errors: &mut Errors,
) {
    for name in &no_clone.value {
        if function
            .bindings
            .iter()
            .any(|binding| binding.ident == *name && binding.mutable)
        {
            let mut error = syn::Error::new(
                name.span(),
                format!(
                    "`hedge_delay` cannot share `mut {name}`: it is not cloned (`no_clone`), so side-by-side attempts \
                     would all mutate the one value; let it be cloned per attempt, or drop `mut`"
                ),
            );
            error.combine(syn::Error::new(
                hedge.key.span(),
                "`hedge_delay` is set here",
            ));
            errors.push(error);
        }
    }
}

fn check_level(keyed: &Keyed<Expr>, errors: &mut Errors) {
    let Keyed { key, value } = keyed;
    let Some((_, lit)) = literal(value) else {
        return;
    };
    let fine = match lit {
        Lit::Str(text) => LEVELS.contains(&text.value().to_ascii_lowercase().as_str()),
        _ => false,
    };
    if !fine {
        errors.push(wrong_kind(
            value,
            key,
            "a log level: \"trace\", \"debug\", \"info\", \"warn\", \"error\", or a `tracing::Level` expression",
        ));
    }
}

fn check_conflicts(args: &RetryArgs, errors: &mut Errors) {
    // With `on_result`, giving up on a value returns that value, whatever `raise_on_giveup`
    // says; the key would only reach errors, which reads as if it applied to both.
    if let (Some(on_result), Some(raise)) = (&args.on_result, &args.raise_on_giveup) {
        let mut error = syn::Error::new(
            raise.key.span(),
            "`raise_on_giveup` cannot be combined with `on_result`: giving up on a value returns the last value, \
             so `raise_on_giveup` would apply to errors only; handle that case in the fn or in a `giveup` predicate",
        );
        error.combine(syn::Error::new(
            on_result.key.span(),
            "`on_result` is set here",
        ));
        errors.push(error);
    }
    // A disabled logger has no levels.
    if let Some(logger) = &args.logger
        && let Some((_, lit)) = literal(&logger.value)
        && matches!(lit, Lit::Bool(b) if !b.value)
    {
        for level in [&args.backoff_log_level, &args.giveup_log_level]
            .into_iter()
            .flatten()
        {
            errors.push(syn::Error::new(
                level.key.span(),
                format!(
                    "`{}` has no effect with `logger = false`; remove one of the two",
                    level.key
                ),
            ));
        }
    }
    if let Some(logger) = &args.logger
        && is_none(&logger.value)
    {
        for level in [&args.backoff_log_level, &args.giveup_log_level]
            .into_iter()
            .flatten()
        {
            errors.push(syn::Error::new(
                level.key.span(),
                format!(
                    "`{}` has no effect with `logger = None`; remove one of the two",
                    level.key
                ),
            ));
        }
    }
    // Settings replace every other value; a budget or breaker beside them would be silently
    // ignored.
    if let Some(settings) = &args.settings {
        for (keyed, what) in [
            (&args.budget, "budget"),
            (&args.breaker, "breaker"),
            (&args.limiter, "limiter"),
        ] {
            let Some(keyed) = keyed else { continue };
            let mut error = syn::Error::new(
                keyed.key.span(),
                format!(
                    "`{what}` has no effect with `settings`: run-time settings carry their own \
                     {what}; set it with `RetrySettings::builder().{what}(..)`, or remove `settings`"
                ),
            );
            error.combine(syn::Error::new(
                settings.key.span(),
                "`settings` is set here",
            ));
            errors.push(error);
        }
    }
    if let (Some(redact), Some(skip)) = (&args.redact, &args.skip) {
        for name in &skip.value {
            if redact.value.contains(name) {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("`{name}` is both skipped and redacted; skipping already hides it"),
                ));
            }
        }
    }
}

/// Whether an expression is the bare path `None`.
pub fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(path) if path.qself.is_none() && path.path.is_ident("None"))
}

fn check_names(args: &RetryArgs, function: &RetryFn, errors: &mut Errors) {
    let names: Vec<String> = function
        .bindings
        .iter()
        .map(|binding| binding.ident.to_string())
        .collect();
    for keyed in [&args.redact, &args.skip, &args.no_clone]
        .into_iter()
        .flatten()
    {
        let mut seen: Vec<&Ident> = Vec::new();
        for name in &keyed.value {
            if seen.contains(&name) {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("`{name}` is listed twice in `{}`", keyed.key),
                ));
                continue;
            }
            seen.push(name);
            let text = name.to_string();
            if text == "self" {
                errors.push(syn::Error::new(
                    name.span(),
                    "`self` is never listed in `Details.args` nor cloned; list argument names only",
                ));
                continue;
            }
            let Some(binding) = function.bindings.iter().find(|b| b.ident == text) else {
                let hint = suggest::closest(&text, names.iter().map(String::as_str))
                    .map(|close| format!("; did you mean `{close}`?"))
                    .unwrap_or_else(|| {
                        if names.is_empty() {
                            "; the fn takes no named arguments".to_owned()
                        } else {
                            format!("; its arguments are: {}", names.join(", "))
                        }
                    });
                errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{}` names no argument of `{}`{hint}",
                        text, function.sig.ident
                    ),
                ));
                continue;
            };
            if keyed.key == "no_clone" && !binding.by_value {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("`{name}` is borrowed, never cloned; `no_clone` lists arguments taken by value"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse_retry_args;
    use crate::item::parse_retry_fn;
    use quote::quote;

    fn check(args: proc_macro2::TokenStream) -> Result<(), String> {
        let function = parse_retry_fn(quote!(
            fn f(password: &str, body: String) -> Result<(), E> {}
        ))
        .unwrap();
        validate(&parse_retry_args(args).unwrap(), &function).map_err(|e| e.to_string())
    }

    #[test]
    fn max_hedges_needs_hedge_delay_and_a_whole_number() {
        let check_async = |args: proc_macro2::TokenStream| {
            let function = parse_retry_fn(quote!(
                async fn f(id: u32) -> Result<(), E> {}
            ))
            .unwrap();
            validate(&parse_retry_args(args).unwrap(), &function).map_err(|e| e.to_string())
        };
        assert!(check_async(quote!(hedge_delay = 0.1, max_hedges = 2)).is_ok());
        assert!(check_async(quote!(hedge_delay = None, max_hedges = 0)).is_ok());
        assert!(check_async(quote!(hedge_delay = 0.1, max_hedges = self.hedges)).is_ok());
        assert!(
            check_async(quote!(max_hedges = 2))
                .unwrap_err()
                .contains("off without `hedge_delay`")
        );
        for bad in [quote!(-1), quote!(1.5), quote!("2")] {
            assert!(
                check_async(quote!(hedge_delay = 0.1, max_hedges = #bad))
                    .unwrap_err()
                    .contains("whole number of hedges"),
                "{bad}"
            );
        }
        assert!(
            check_async(quote!(hedge_delay = 0.1, max_hedges = 5_000_000_000))
                .unwrap_err()
                .contains("fit in a u32")
        );
    }

    #[test]
    fn literals() {
        assert!(check(quote!(max_tries = 3, max_time = 2.5)).is_ok());
        assert!(
            check(quote!(max_tries = 0))
                .unwrap_err()
                .contains("greater than 0")
        );
        assert!(
            check(quote!(max_tries = -2))
                .unwrap_err()
                .contains("greater than 0")
        );
        assert!(
            check(quote!(max_tries = 1.5))
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            check(quote!(max_tries = 5_000_000_000))
                .unwrap_err()
                .contains("u32")
        );
        assert!(
            check(quote!(max_time = -1))
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            check(quote!(max_time = 1e999))
                .unwrap_err()
                .contains("finite")
        );
        assert!(
            check(quote!(max_time = "30s"))
                .unwrap_err()
                .contains("Duration")
        );
        assert!(
            check(quote!(raise_on_giveup = 0))
                .unwrap_err()
                .contains("`true` or `false`")
        );
        assert!(
            check(quote!(jitter = 1))
                .unwrap_err()
                .contains("jitter function")
        );
        assert!(
            check(quote!(backoff_log_level = "loud"))
                .unwrap_err()
                .contains("log level")
        );
        assert!(check(quote!(backoff_log_level = "debug")).is_ok());
    }

    #[test]
    fn literals_are_seen_through_parentheses_groups_and_a_minus_only() {
        assert!(
            check(quote!(max_tries = (0)))
                .unwrap_err()
                .contains("greater than 0")
        );
        // A group without delimiters, as a `macro_rules!` expansion hands a fragment over.
        let zero = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!(0));
        assert!(
            check(quote!(max_tries = #zero))
                .unwrap_err()
                .contains("greater than 0")
        );
        // `!3` is an expression (checked by the compiler), not a negative literal.
        assert!(check(quote!(max_tries = !3)).is_ok());
        assert!(
            check(quote!(max_time = 1e300))
                .unwrap_err()
                .contains("finite")
        );
    }

    fn check_fn(
        args: proc_macro2::TokenStream,
        function: proc_macro2::TokenStream,
    ) -> Result<(), String> {
        let function = parse_retry_fn(function).unwrap();
        validate(&parse_retry_args(args).unwrap(), &function).map_err(|e| e.to_string())
    }

    #[test]
    fn attempt_timeout_and_hedge_delay_need_positive_finite_seconds() {
        let async_fn = quote!(
            async fn f() -> Result<(), E> {}
        );
        for key in [quote!(attempt_timeout), quote!(hedge_delay)] {
            for good in [quote!(2), quote!(0.25), quote!(None), quote!(self.delay)] {
                assert!(
                    check_fn(quote!(#key = #good), async_fn.clone()).is_ok(),
                    "{key} = {good}"
                );
            }
            for bad in [
                quote!(0),
                quote!(0.0),
                quote!(-1),
                quote!(-0.5),
                quote!(1e999),
            ] {
                assert!(
                    check_fn(quote!(#key = #bad), async_fn.clone())
                        .unwrap_err()
                        .contains("finite number of seconds greater than 0"),
                    "{key} = {bad}"
                );
            }
            assert!(
                check_fn(quote!(#key = "2s"), async_fn.clone())
                    .unwrap_err()
                    .contains("seconds as a number"),
                "{key}"
            );
        }
    }

    #[test]
    fn timing_needs_an_async_fn_and_hedging_a_body_that_can_run_twice() {
        let blocking = quote!(
            fn f() -> Result<(), E> {}
        );
        assert!(
            check_fn(quote!(attempt_timeout = 1), blocking.clone())
                .unwrap_err()
                .contains("`attempt_timeout` needs an async fn")
        );
        assert!(
            check_fn(quote!(hedge_delay = 1), blocking)
                .unwrap_err()
                .contains("`hedge_delay` needs an async fn")
        );
        let hedged = |function| check_fn(quote!(hedge_delay = 0.1), function);
        for shared in [
            quote!(
                async fn f(&self) -> Result<(), E> {}
            ),
            quote!(
                async fn f(self) -> Result<(), E> {}
            ),
            quote!(
                async fn f(self: &Self, id: &str, n: u32) -> Result<(), E> {}
            ),
        ] {
            assert!(hedged(shared.clone()).is_ok(), "{shared}");
        }
        assert!(
            hedged(quote!(
                async fn f(&mut self) -> Result<(), E> {}
            ))
            .unwrap_err()
            .contains("it takes `&mut self`")
        );
        assert!(
            hedged(quote!(
                async fn f(self: &mut Self) -> Result<(), E> {}
            ))
            .unwrap_err()
            .contains("it takes `&mut self`")
        );
        assert!(
            hedged(quote!(
                async fn f(mut self) -> Result<(), E> {}
            ))
            .unwrap_err()
            .contains("it takes `mut self`")
        );
        assert!(
            hedged(quote!(
                async fn f(buffer: &mut Vec<u8>) -> Result<(), E> {}
            ))
            .unwrap_err()
            .contains("cannot share this `&mut` argument")
        );
        let no_clone = |function| check_fn(quote!(hedge_delay = 0.1, no_clone = [body]), function);
        assert!(
            no_clone(quote!(
                async fn f(mut body: String) -> Result<(), E> {}
            ))
            .unwrap_err()
            .contains("cannot share `mut body`")
        );
        assert!(
            no_clone(quote!(
                async fn f(body: String) -> Result<(), E> {}
            ))
            .is_ok()
        );
        // Another argument being `mut` (and cloned per attempt) is no reason to refuse.
        assert!(
            no_clone(quote!(
                async fn f(mut count: u32, body: String) -> Result<(), E> {}
            ))
            .is_ok()
        );
    }

    #[test]
    fn conflicts_and_names() {
        assert!(
            check(quote!(on_result = f, raise_on_giveup = false))
                .unwrap_err()
                .contains("on_result")
        );
        assert!(check(quote!(on_result = f, exception = E)).is_ok());
        assert!(check(quote!(logger = false, giveup_log_level = "warn")).is_err());
        assert!(
            check(quote!(redact = [pasword]))
                .unwrap_err()
                .contains("did you mean `password`")
        );
        assert!(
            check(quote!(no_clone = [password]))
                .unwrap_err()
                .contains("borrowed")
        );
        assert!(check(quote!(no_clone = [body], redact = password)).is_ok());
        assert!(check(quote!(skip = [body], redact = [body])).is_err());
        assert!(
            check(quote!(settings = s, budget = b))
                .unwrap_err()
                .contains("`budget` has no effect with `settings`")
        );
        assert!(
            check(quote!(budget = 0.2))
                .unwrap_err()
                .contains("`budget` expects a `RetryBudget`")
        );
        assert!(check(quote!(budget = &BUDGET, max_tries = 3)).is_ok());
    }
}
