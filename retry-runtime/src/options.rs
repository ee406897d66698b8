//! The run-time options: the one description of what [`Policy`](crate::Policy) and
//! [`RetrySettings`](crate::RetrySettings) let a caller set, which setters set each on either
//! side, why an option lives on one side only, and the test showing that
//! `#[retry(settings = ..)]` honours it.
//!
//! Adding a setter to either builder without a row here fails `options::tests` (the setters are
//! read from the sources); a row naming a setter that does not exist fails to compile (each
//! row's setters are called in `options::tests::every_setter_in_the_table_exists`).

/// The table, handed to `$each!`: one row per option, with the setters of each side as they
/// are called (with an example argument), an empty side followed by the reason, and the test
/// (file and fn) proving that settings given to the attribute honour the option.
macro_rules! run_time_options {
    ($each:ident) => {
        $each! {
            enabled:
                policy {}
                settings { .enabled(false) }
                why "a policy is always on: `Policy::settings(None)` is the switch, and settings with `enabled(false)` reach it"
                honoured "tests/tests/sync_and_settings.rs" disabled_settings_disable_retries;
            exception:
                policy { .exception(|e: &Fail| e.0 >= 500) }
                settings { .exception::<Server>() .exceptions::<(Server, Server)>() .exception_if(|e: &Fail| e.0 >= 500) }
                honoured "tests/tests/settings_options.rs" settings_exception_selects_the_retried_errors;
            max_tries:
                policy { .max_tries(3) }
                settings { .max_tries(3) }
                honoured "tests/tests/sync_and_settings.rs" settings_replace_the_attribute;
            max_time:
                policy { .max_time(1) }
                settings { .max_time(1) .no_max_time() }
                honoured "tests/tests/settings_options.rs" settings_max_time_ends_the_call;
            wait_gen:
                policy { .wait_gen(crate::wait::constant()) }
                settings { .wait_gen(crate::wait::constant()) }
                honoured "tests/tests/settings_options.rs" settings_wait_gen_and_jitter_set_the_waits;
            jitter:
                policy { .jitter(crate::jitter::no_jitter) }
                settings { .jitter(crate::jitter::no_jitter) .no_jitter() }
                honoured "tests/tests/settings_options.rs" settings_wait_gen_and_jitter_set_the_waits;
            giveup:
                policy { .giveup(|e: &Fail| e.0 == 404) }
                settings { .giveup(|e: &Fail| e.0 == 404) .also_giveup(|e: &Fail| e.0 == 409) }
                honoured "tests/tests/settings_options.rs" settings_giveup_stops_at_once;
            wait_floor:
                policy { .wait_floor(|_: &Fail| None) }
                settings { .wait_floor(|_: &Fail| None) .no_wait_floor() }
                honoured "tests/tests/settings_options.rs" settings_wait_floor_lengthens_the_wait;
            attempt_timeout:
                policy { .attempt_timeout(1) }
                settings { .attempt_timeout(1) .no_attempt_timeout() }
                honoured "tests/tests/attempt_timeout.rs" settings_attempt_timeout_applies_to_fns_naming_the_key;
            hedge_delay:
                policy { .hedge_delay(1) }
                settings { .hedge_delay(1) .no_hedge_delay() }
                honoured "tests/tests/hedging.rs" settings_hedge_delay_applies_to_hedge_capable_fns;
            max_hedges:
                policy { .max_hedges(1) }
                settings { .max_hedges(1) .no_max_hedges() }
                honoured "tests/tests/hedging.rs" settings_max_hedges_bounds_the_hedges;
            on_result:
                policy { .on_result(|v: &u32| *v == 0) }
                settings {}
                why "a predicate on the `Ok` value: settings are typed by the error only and shared by fns returning different values; the attribute's `on_result` stays in force under `settings =`"
                honoured "tests/tests/settings_options.rs" on_result_stays_in_force_under_settings;
            on_success:
                policy { .on_success(|_: &crate::Details<'_, Fail>| ()) }
                settings { .on_success(|_: &crate::Details<'_, Fail>| ()) }
                honoured "tests/tests/settings_options.rs" settings_hooks_run;
            on_backoff:
                policy { .on_backoff(|_: &crate::Details<'_, Fail>| ()) }
                settings { .on_backoff(|_: &crate::Details<'_, Fail>| ()) }
                honoured "tests/tests/settings_options.rs" settings_hooks_run;
            on_giveup:
                policy { .on_giveup(|_: &crate::Details<'_, Fail>| ()) }
                settings { .on_giveup(|_: &crate::Details<'_, Fail>| ()) }
                honoured "tests/tests/settings_options.rs" settings_hooks_run;
            logger:
                policy { .logger(false) }
                settings { .logger(false) }
                honoured "tests/tests/logging.rs" settings_logger_and_levels_shape_the_default_handler;
            backoff_log_level:
                policy { .backoff_log_level(tracing::Level::WARN) }
                settings { .backoff_log_level(tracing::Level::WARN) }
                honoured "tests/tests/logging.rs" settings_logger_and_levels_shape_the_default_handler;
            giveup_log_level:
                policy { .giveup_log_level(tracing::Level::WARN) }
                settings { .giveup_log_level(tracing::Level::WARN) }
                honoured "tests/tests/logging.rs" settings_logger_and_levels_shape_the_default_handler;
            budget:
                policy { .budget(crate::RetryBudget::default()) }
                settings { .budget(crate::RetryBudget::default()) .no_budget() }
                honoured "tests/tests/settings_options.rs" settings_budget_refuses_retries;
            raise_on_giveup:
                policy { .raise_on_giveup(false) }
                settings { .raise_on_giveup(false) }
                honoured "tests/tests/sync_and_settings.rs" settings_raise_on_giveup_applies_without_the_key;
            sleeper:
                policy { .sleeper(crate::sleep::BlockingSleeper) }
                settings {}
                why "a type parameter that decides the future's type: settings are type-erased values, so the policy's (or the attribute's) sleeper runs under `settings =`"
                honoured "tests/tests/sync_and_settings.rs" sync_method_with_blocking_sleeper;
        }
    };
}

/// One row of the table.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct RunTimeOption {
    /// The option's name.
    pub(crate) name: &'static str,
    /// The `Policy` setters that set it.
    pub(crate) policy: &'static [&'static str],
    /// The `RetrySettingsBuilder` setters that set it.
    pub(crate) settings: &'static [&'static str],
    /// Why one side has no setter (`None` when both have one).
    pub(crate) why_one_side: Option<&'static str>,
    /// The file (from the workspace root) and the test fn showing `settings =` honours it.
    pub(crate) honoured_by: (&'static str, &'static str),
}

/// `Some` of the literal, or `None` without one.
macro_rules! optional {
    () => {
        None
    };
    ($value:literal) => {
        Some($value)
    };
}

macro_rules! option_rows {
    ($(
        $name:ident:
            policy { $(.$pm:ident $(::<$pt:ty>)? ($($pa:expr),*))* }
            settings { $(.$sm:ident $(::<$st:ty>)? ($($sa:expr),*))* }
            $(why $why:literal)?
            honoured $file:literal $test:ident;
    )*) => {
        /// Every run-time option, in the table's order.
        #[cfg_attr(not(test), allow(dead_code))]
        pub(crate) const OPTIONS: &[RunTimeOption] = &[$(
            RunTimeOption {
                name: stringify!($name),
                policy: &[$(stringify!($pm)),*],
                settings: &[$(stringify!($sm)),*],
                why_one_side: optional!($($why)?),
                honoured_by: ($file, stringify!($test)),
            }
        ),*];
    };
}

run_time_options!(option_rows);

#[cfg(test)]
mod tests {
    use super::OPTIONS;
    use crate::{ErrorClass, Policy, RetrySettings};

    #[derive(Debug)]
    struct Fail(u16);
    impl From<crate::AttemptTimedOut> for Fail {
        fn from(_: crate::AttemptTimedOut) -> Self {
            Fail(504)
        }
    }
    struct Server;
    impl ErrorClass<Fail> for Server {
        fn is_instance(error: &Fail) -> bool {
            error.0 >= 500
        }
    }

    macro_rules! call_every_setter {
        ($(
            $name:ident:
                policy { $(.$pm:ident $(::<$pt:ty>)? ($($pa:expr),*))* }
                settings { $(.$sm:ident $(::<$st:ty>)? ($($sa:expr),*))* }
                $(why $why:literal)?
                honoured $file:literal $test:ident;
        )*) => {$(
            let _ = Policy::<u32, Fail>::new() $(.$pm $(::<$pt>)? ($($pa),*))*;
            let _ = RetrySettings::<Fail>::builder() $(.$sm $(::<$st>)? ($($sa),*))*;
        )*};
    }

    #[test]
    fn every_setter_in_the_table_exists() {
        // Compiling this is the check; running it builds each row's policy and settings.
        run_time_options!(call_every_setter);
        assert!(!OPTIONS.is_empty());
    }

    /// The `pub fn` names between `start` (a line of the source) and the next line `}`.
    fn setters(source: &str, start: &str) -> Vec<String> {
        let block = source
            .split_once(start)
            .map(|(_, rest)| rest.split("\n}\n").next().unwrap_or(rest))
            .unwrap_or_else(|| panic!("`{start}` not found"));
        block
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("pub fn "))
            .filter_map(|rest| rest.split(['(', '<']).next())
            .map(str::to_owned)
            .collect()
    }

    fn table_side(side: fn(&super::RunTimeOption) -> &'static [&'static str]) -> Vec<String> {
        let mut names: Vec<String> = OPTIONS
            .iter()
            .flat_map(|o| side(o).iter().map(|s| (*s).to_owned()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_table_names_every_setter_of_both_builders() {
        let policy_source = include_str!("policy.rs");
        // The typestate setters and the ones changing the mode, sleeper or settings; `settings`
        // is the entry of run-time settings, not an option.
        let mut policy: Vec<String> = setters(policy_source, "\n    Policy<T, E, StaticRules<")
            .into_iter()
            .chain(setters(
                policy_source,
                "\nimpl<T, E, Rl, M, S, ST> Policy<T, E, Rl, M, S, ST> {",
            ))
            .filter(|name| name != "settings")
            .collect();
        policy.sort();
        assert_eq!(
            policy,
            table_side(|o| o.policy),
            "Policy's setters vs options.rs"
        );

        let mut settings: Vec<String> = setters(
            include_str!("settings.rs"),
            "\nimpl<E: 'static> RetrySettingsBuilder<E> {",
        )
        .into_iter()
        .filter(|name| name != "build")
        .collect();
        settings.sort();
        assert_eq!(
            settings,
            table_side(|o| o.settings),
            "RetrySettingsBuilder's setters vs options.rs"
        );
    }

    #[test]
    fn an_option_on_one_side_only_says_why() {
        for option in OPTIONS {
            let one_side = option.policy.is_empty() || option.settings.is_empty();
            assert_eq!(
                one_side,
                option.why_one_side.is_some(),
                "{}: a reason is given exactly when one side has no setter",
                option.name
            );
            assert!(
                !(option.policy.is_empty() && option.settings.is_empty()),
                "{}: no setter at all",
                option.name
            );
        }
    }

    #[test]
    fn every_option_names_a_test_of_settings_given_to_the_attribute() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if !root.join("tests/tests").is_dir() {
            // A packaged crate has no workspace around it.
            println!("skipped: no workspace tests at {}", root.display());
            return;
        }
        for option in OPTIONS {
            let (file, test) = option.honoured_by;
            let path = root.join(file);
            let Ok(source) = std::fs::read_to_string(&path) else {
                panic!("{}: {} is missing", option.name, path.display());
            };
            assert!(
                source.contains(&format!("fn {test}(")),
                "{}: {file} has no fn {test}",
                option.name
            );
        }
    }
}
