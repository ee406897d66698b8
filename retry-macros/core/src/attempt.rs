//! Stage 4a: one attempt of an async fn's body, written inline.
//!
//! `?` and `return` in the body must end only the current attempt. An `async { body }` block
//! does that, but it is a future of its own inside the fn's future: a state to set up and
//! poll on every attempt, which a hand-written loop calling the operation directly does not
//! pay. Instead the body becomes a labelled block in the fn's own future, with each `?` and
//! `return` that belongs to the body rewritten into a `break` out of that block. `?` is
//! rewritten exactly as the compiler desugars it (`branch`, then `from_residual` of the
//! residual), through stable stand-ins for the unstable `Try` traits in
//! `retry_runtime::__private`, so types infer and convert as they would in the fn itself.
//!
//! What cannot be seen cannot be rewritten: a macro other than the well-known ones below may
//! expand to `return` or `?` (`bail!`, `ensure!`, `ready!`), and so may any macro whose input
//! contains those tokens. Such a body keeps the `async` block.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident, Item, Lifetime, Macro, Stmt, Type};

use crate::expand::unraw;
use crate::item::ArgBinding;

/// The label of the block one attempt runs in (hygienic: the body cannot name it).
pub fn attempt_label() -> Lifetime {
    Lifetime::new("'__retry_attempt", Span::mixed_site())
}

/// `block` with every `?` and `return` that belongs to it turned into a `break` out of
/// `label`, or `None` when the block holds a macro that may hide either.
pub fn rewrite_exits(block: &Block, label: &Lifetime, krate: &TokenStream) -> Option<Block> {
    let mut rewriter = ExitRewriter {
        label,
        krate,
        opaque: false,
    };
    let mut block = block.clone();
    rewriter.visit_block_mut(&mut block);
    (!rewriter.opaque).then_some(block)
}

struct ExitRewriter<'a> {
    label: &'a Lifetime,
    krate: &'a TokenStream,
    /// A macro that may expand to `?` or `return` was seen.
    opaque: bool,
}

impl VisitMut for ExitRewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Their `?` and `return` are their own.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => {}
            Expr::Macro(mac) => self.check_macro(&mac.mac),
            Expr::Verbatim(_) => self.opaque = true,
            Expr::Try(try_expr) => {
                self.visit_expr_mut(&mut try_expr.expr);
                let operand = &try_expr.expr;
                let (label, krate) = (self.label, self.krate);
                let value = syn::Ident::new("__retry_value", Span::mixed_site());
                let residual = syn::Ident::new("__retry_residual", Span::mixed_site());
                let span = try_expr.question_token.span();
                let break_out = break_with(
                    label,
                    span,
                    quote_spanned!(span=> #krate::__private::FromResidual::from_residual(#residual)),
                );
                // Spanned at the `?`, where the compiler reports its own `?` errors.
                let rewritten = quote_spanned! {try_expr.question_token.span()=>
                    match #krate::__private::Branch::branch(#operand) {
                        ::core::ops::ControlFlow::Continue(#value) => #value,
                        ::core::ops::ControlFlow::Break(#residual) => {
                            #break_out
                        }
                    }
                };
                *expr = Expr::Verbatim(rewritten);
            }
            Expr::Return(ret) => {
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                }
                let value = ret.expr.as_ref().map(|value| quote!(#value));
                *expr = Expr::Verbatim(break_with(
                    self.label,
                    ret.return_token.span,
                    value.unwrap_or_default(),
                ));
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        match stmt {
            Stmt::Macro(mac) => self.check_macro(&mac.mac),
            _ => visit_mut::visit_stmt_mut(self, stmt),
        }
    }

    // A nested fn, impl or module has its own `return`s.
    fn visit_item_mut(&mut self, _item: &mut Item) {}
}

impl ExitRewriter<'_> {
    fn check_macro(&mut self, mac: &Macro) {
        if !is_well_known(mac) || has_exit_tokens(mac.tokens.clone()) {
            self.opaque = true;
        }
    }
}

/// `break 'label value`. A value that starts with `::` is bound first: the compiler reads
/// `break 'a ::path` correctly, but `syn` (and so any attribute macro applied after this one)
/// takes `'a:` for the label of a loop.
fn break_with(label: &Lifetime, span: Span, value: TokenStream) -> TokenStream {
    let starts_with_colon =
        matches!(value.clone().into_iter().next(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    if starts_with_colon {
        let exit = syn::Ident::new("__retry_exit", Span::mixed_site());
        quote_spanned!(span=> { let #exit = #value; break #label #exit })
    } else {
        quote_spanned!(span=> break #label #value)
    }
}

/// Macros of `std` and of the logging crates, none of which expands to `?` or `return` of its
/// own (their arguments are checked separately).
fn is_well_known(mac: &Macro) -> bool {
    const STD: &[&str] = &[
        "assert",
        "assert_eq",
        "assert_ne",
        "cfg",
        "column",
        "concat",
        "dbg",
        "debug_assert",
        "debug_assert_eq",
        "debug_assert_ne",
        "env",
        "eprint",
        "eprintln",
        "file",
        "format",
        "format_args",
        "include_bytes",
        "include_str",
        "line",
        "matches",
        "module_path",
        "option_env",
        "panic",
        "print",
        "println",
        "stringify",
        "todo",
        "unimplemented",
        "unreachable",
        "vec",
        "write",
        "writeln",
    ];
    const LOGGING: &[&str] = &[
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "event",
        "span",
        "trace_span",
        "debug_span",
        "info_span",
        "warn_span",
        "error_span",
    ];
    let segments: Vec<String> = mac
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match segments.as_slice() {
        [name] => STD.contains(&name.as_str()) || LOGGING.contains(&name.as_str()),
        [krate, name] if matches!(krate.as_str(), "std" | "core" | "alloc") => {
            STD.contains(&name.as_str())
        }
        [krate, name] if matches!(krate.as_str(), "tracing" | "log") => {
            LOGGING.contains(&name.as_str())
        }
        _ => false,
    }
}

/// Whether a macro's input holds a `?` or `return` that could end up in the body.
fn has_exit_tokens(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Punct(punct) => punct.as_char() == '?',
        TokenTree::Ident(ident) => ident == "return",
        TokenTree::Group(group) => has_exit_tokens(group.stream()),
        TokenTree::Literal(_) => false,
    })
}

/// One attempt of an async body: inline in the fn's future as a labelled block when every
/// `?` and `return` of the body can be rewritten (see above), else an `async` block.
pub(crate) fn async_attempt(
    block: &Block,
    shadows: &[TokenStream],
    cloned: &[ArgBinding],
    output: &Type,
    krate: &TokenStream,
) -> TokenStream {
    let label = attempt_label();
    match rewrite_exits(block, &label, krate) {
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
pub(crate) fn attempt_future(
    block: &Block,
    cloned: &[ArgBinding],
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

/// A hedged attempt: the factory closure the driver calls with `&` the tuple of by-value
/// arguments it owns. Each is cloned first, in the closure, from `&tuple.i` spanned at the
/// argument (so a missing `Clone` reads as in the sequential form, `clone_for_attempt(&x)`),
/// and the clones move as one `OwnedArg` into a non-`move` `async` block that borrows `self`
/// and the shared arguments and owns its clones: it holds no reference to a by-value argument.
pub(crate) fn hedged_attempt(
    block: &Block,
    cloned: &[ArgBinding],
    rt: &TokenStream,
) -> TokenStream {
    if cloned.is_empty() {
        return quote!(|_| async #block);
    }
    // Named with the call site's hygiene, not `mixed_site`: each clone's expression is then
    // wholly the user's (spanned at the argument), and its error carries no "in this macro
    // expansion" note, as `clone_for_attempt(&x)` does in the sequential form.
    let args = Ident::new("__retry_args", Span::call_site());
    let owned = Ident::new("__retry_owned", Span::mixed_site());
    let clones = cloned.iter().enumerate().map(|(index, binding)| {
        let ident = &binding.ident;
        let args = Ident::new("__retry_args", ident.span());
        let index = syn::Index {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            span: ident.span(),
        };
        quote_spanned! {ident.span()=> #rt::ByValueArgument::clone_for_attempt(&#args.#index)}
    });
    let bindings = cloned.iter().map(|binding| {
        let ident = &binding.ident;
        let mutability = binding.mutable.then(|| quote!(mut));
        quote!(#mutability #ident)
    });
    quote! {
        |#args| {
            let #owned = #rt::owned_arg((#(#clones,)*));
            async {
                let (#(#bindings,)*) = #owned.take();
                #block
            }
        }
    }
}

/// `let [mut] x = ByValueArgument::clone_for_attempt(&x);` for each argument taken by value.
pub(crate) fn clone_shadows(cloned: &[ArgBinding], krate: &TokenStream) -> Vec<TokenStream> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(body: TokenStream) -> Option<String> {
        let block: Block = syn::parse2(body).unwrap();
        rewrite_exits(&block, &attempt_label(), &quote!(::retry_runtime))
            .map(|block| quote!(#block).to_string())
    }

    #[test]
    fn question_marks_and_returns_of_the_body_break_out_of_the_attempt() {
        let text = rewrite(quote!({
            let a = first()?;
            if a {
                return Ok(1);
            }
            for x in xs {
                x.check().await?;
            }
            Ok(2)
        }))
        .unwrap();
        assert_eq!(text.matches("break '__retry_attempt").count(), 3, "{text}");
        assert!(!text.contains('?'), "{text}");
        assert!(!text.contains("return"), "{text}");
    }

    #[test]
    fn closures_async_blocks_and_items_keep_their_own_exits() {
        let text = rewrite(quote!({
            let f = |x: Option<u8>| {
                let y = x?;
                return Some(y);
            };
            let g = async {
                thing().await?;
                Ok::<_, E>(())
            };
            fn inner() -> Option<u8> {
                None?;
                return None;
            }
            Ok(f(None))
        }))
        .unwrap();
        assert!(!text.contains("break"), "{text}");
        assert_eq!(text.matches('?').count(), 3, "{text}");
    }

    #[test]
    fn well_known_macros_are_inlined_and_others_are_not() {
        assert!(
            rewrite(quote!({
                println!("{}", 1);
                tracing::info!(a = 1);
                Ok(vec![1])
            }))
            .is_some()
        );
        assert!(rewrite(quote!({ anyhow::bail!("no") })).is_none());
        assert!(
            rewrite(quote!({
                ensure!(x > 1);
                Ok(())
            }))
            .is_none()
        );
        assert!(
            rewrite(quote!({
                println!("{}", x?);
                Ok(())
            }))
            .is_none()
        );
        assert!(
            rewrite(quote!({
                format!("{}", { return Err(e) });
                Ok(())
            }))
            .is_none()
        );
        // A macro inside a closure cannot end the attempt.
        assert!(
            rewrite(quote!({
                let f = || bail!("no");
                Ok(f)
            }))
            .is_some()
        );
    }
}
