#!/usr/bin/env bash
# Mutation testing of the retry decision code (issue 26), with cargo-mutants. Outside CI: one
# file of retry-runtime takes from a few minutes to an hour on the 2-core machine.
#
#   bash bench/mutants.sh [FILE...]       default: every file of retry-runtime/src
#   bash bench/mutants.sh --client        harbor-client's part of the scope (settings, errors,
#                                         Retry-After, pagination, redirects, the call plan)
#   IN_DIFF=change.diff bash bench/mutants.sh FILE...
#                                         only the mutants on lines a change touched
#                                         (`git diff BASE -- FILE... > change.diff`)
#
# Each file of retry-runtime or retry-macros runs in two passes, so that most mutants cost
# only that package's own build:
#   1. retry-runtime's own unit and integration tests (no doctests);
#   2. the mutants pass 1 did not catch, rerun (`--iterate`) against the behaviour tests of the
#      `tests` crate: trybuild (`ui`, `ui_wrong_value`), the lint check (`user_lints`), the
#      long `chaos` run, the parser and bad-input checks and the client's budget run against
#      the simulator (`retry_budget`, over a minute per mutant in debug; the runtime's budget
#      has its own tests) are left out: they test diagnostics, lints, the macro's parser and
#      the client, not the runtime's decisions.
#      (cargo-mutants 27 runs `cargo test --package=<mutated package>`; the behaviour tests'
#      package is added to that command, beside it.)
# A file of harbor-client runs in two passes too: 1. its unit tests only (`--lib`: each mutant
# rebuilds the client's 203 generated methods once, not every test binary); 2. what is left,
# with its integration tests, which run calls against a local server or the simulator.
# Mutants that make a test hang are cut by cargo-mutants' timeout (at least 20 s) and reported
# as `timeout`: a test that waits for what never comes should instead fail within seconds.
#
# The outcome of each file is in target/mutants/<file>/ (cargo-mutants' own layout:
# caught.txt, missed.txt, timeout.txt, unviable.txt) and its counts are printed as a Markdown
# row for MUTANTS.md. Mutants judged equivalent are excluded in .cargo/mutants.toml, each with
# its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
in_diff=()
[ -n "${IN_DIFF:-}" ] && in_diff=(--in-diff "$(realpath "$IN_DIFF")")
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants

if [ "${1:-}" = --client ]; then
  set -- harbor-client/src/error.rs harbor-client/src/settings.rs \
    harbor-client/src/client/plan.rs harbor-client/src/client/transport.rs \
    harbor-client/src/client/https_upgrade.rs harbor-client/src/pagination/mod.rs \
    harbor-client/src/pagination/window.rs harbor-client/src/pagination/listing.rs \
    harbor-client/src/pagination/identity.rs
elif [ "$#" -eq 0 ]; then
  set -- $(cargo mutants --list-files --package retry-runtime | sort)
fi

behaviour_tests=()
for test in tests/tests/*.rs; do
  name=$(basename "$test" .rs)
  case "$name" in ui | ui_wrong_value | user_lints | chaos | parser_props | bad_input | retry_budget) continue ;; esac
  behaviour_tests+=(--cargo-test-arg=--test="$name")
done

# Lines of an outcome file (0 when it is absent or empty).
count() { if [ -f "$1" ]; then grep -c . "$1" || true; else echo 0; fi; }

echo "| file | mutants | caught | missed | timeout | unviable |"
echo "|---|---|---|---|---|---|"
for file in "$@"; do
  package=$(echo "$file" | cut -d/ -f1)
  [ "$package" = retry-macros ] && package=retry-macros-core
  out="target/mutants/$(echo "$file" | tr / _)"
  mkdir -p "$out"
  if [ "$package" = harbor-client ]; then
    pass1=(--test-package "$package" --cargo-test-arg=--lib)
    pass2=(--test-package "$package" --cargo-test-arg=--tests)
  else
    pass1=(--test-package "$package" --cargo-test-arg=--lib --cargo-test-arg=--tests)
    pass2=(--cargo-test-arg=--package=retry-tests "${behaviour_tests[@]}")
  fi
  # Pass 1: the package's own (unit) tests.
  cargo mutants --package "$package" --file "$file" "${in_diff[@]}" "${pass1[@]}" \
    --minimum-test-timeout 20 --output "$out" >"$out/pass1.log" 2>&1 || true
  o="$out/mutants.out"
  caught=$(count "$o/caught.txt") unviable=$(count "$o/unviable.txt")
  missed=$(count "$o/missed.txt") timeout=$(count "$o/timeout.txt")
  # Pass 2: what is left, with the slower tests too. Its output holds only the mutants it
  # retested: the ones pass 1 caught or found unviable are added to its counts.
  if [ "$missed" -gt 0 ] || [ "$timeout" -gt 0 ]; then
    cargo mutants --package "$package" --file "$file" "${in_diff[@]}" --iterate "${pass2[@]}" \
      --minimum-test-timeout 20 --output "$out" >"$out/pass2.log" 2>&1 || true
    caught=$((caught + $(count "$o/caught.txt"))) unviable=$((unviable + $(count "$o/unviable.txt")))
    missed=$(count "$o/missed.txt") timeout=$(count "$o/timeout.txt")
  fi
  total=$(cargo mutants --list --package "$package" --file "$file" "${in_diff[@]}" | grep -c . || true)
  echo "| \`$file\` | $total | $caught | $missed | $timeout | $unviable |"
done
