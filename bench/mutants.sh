#!/usr/bin/env bash
# Mutation testing of the retry decision code (issue 26), with cargo-mutants. Outside CI: one
# file of retry-runtime takes from a few minutes to an hour on the 2-core machine.
#
#   bash bench/mutants.sh [FILE...]       default: every file of retry-runtime/src
#
# Each file runs in two passes, so that most mutants cost only retry-runtime's own build:
#   1. retry-runtime's own unit and integration tests (no doctests);
#   2. the mutants pass 1 did not catch, rerun (`--iterate`) against the behaviour tests of the
#      `tests` crate: trybuild (`ui`, `ui_wrong_value`), the lint check (`user_lints`), the
#      long `chaos` run, the parser and bad-input checks and the client's budget run against
#      the simulator (`retry_budget`, over a minute per mutant in debug; the runtime's budget
#      has its own tests) are left out: they test diagnostics, lints, the macro's parser and
#      the client, not the runtime's decisions.
#      (cargo-mutants 27 runs `cargo test --package=<mutated package>`; the behaviour tests'
#      package is added to that command, beside it.)
# Mutants that make a test hang are cut by cargo-mutants' timeout (at least 20 s) and reported
# as `timeout`: a test that waits for what never comes should instead fail within seconds.
#
# The outcome of each file is in target/mutants/<file>/ (cargo-mutants' own layout:
# caught.txt, missed.txt, timeout.txt, unviable.txt) and its counts are printed as a Markdown
# row for MUTANTS.md. Mutants judged equivalent are excluded in .cargo/mutants.toml, each with
# its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants

if [ "$#" -eq 0 ]; then
  set -- $(cargo mutants --list-files --package retry-runtime | sort)
fi

behaviour_tests=()
for test in tests/tests/*.rs; do
  name=$(basename "$test" .rs)
  case "$name" in ui | ui_wrong_value | user_lints | chaos | parser_props | bad_input | retry_budget) continue ;; esac
  behaviour_tests+=(--cargo-test-arg=--test="$name")
done

count() { [ -f "$1" ] && grep -c . "$1" || echo 0; }

echo "| file | mutants | caught | missed | timeout | unviable |"
echo "|---|---|---|---|---|---|"
for file in "$@"; do
  package=$(echo "$file" | cut -d/ -f1)
  [ "$package" = retry-macros ] && package=retry-macros-core
  out="target/mutants/$(echo "$file" | tr / _)"
  mkdir -p "$out"
  # Pass 1: the package's own tests.
  cargo mutants --package "$package" --file "$file" --test-package "$package" \
    --cargo-test-arg=--lib --cargo-test-arg=--tests \
    --minimum-test-timeout 20 --output "$out" >"$out/pass1.log" 2>&1 || true
  # Pass 2: what is left, with the behaviour tests too.
  if [ -s "$out/mutants.out/missed.txt" ] || [ -s "$out/mutants.out/timeout.txt" ]; then
    cargo mutants --package "$package" --file "$file" --iterate \
      --cargo-test-arg=--package=retry-tests "${behaviour_tests[@]}" \
      --minimum-test-timeout 20 --output "$out" >"$out/pass2.log" 2>&1 || true
  fi
  o="$out/mutants.out"
  total=$(cargo mutants --list --package "$package" --file "$file" | grep -c . || true)
  echo "| \`$file\` | $total | $(count "$o/caught.txt") | $(count "$o/missed.txt") | $(count "$o/timeout.txt") | $(count "$o/unviable.txt") |"
done
