#!/usr/bin/env bash
# The build cost of harbor-client counted, not timed (issue 21, item 3): the instructions
# rustc executes to compile the crate alone (its dependencies already built), debug and
# release, under valgrind's cachegrind (instruction counts only, no cache simulation).
# Like bench/client_cost.sh for the client's CPU: a count is the same from one run to the next
# (to 0.1%), where the build's wall time on this shared 2-core VM moves by 10% and more
# between consecutive runs of the same tree (BENCHMARKS.md, section 4).
#
# Each argument is a checkout (a worktree of another commit, say) measured the same way; the
# first is the reference the others are compared with. Each keeps its own target directory.
#
#   bash bench/build_instructions.sh                      # this checkout
#   git worktree add /tmp/start 56f2095
#   bash bench/build_instructions.sh /tmp/start .         # the start of issue 21, then this tree
#   PROFILES=dev bash bench/build_instructions.sh         # one profile only (dev or release)
#
# About 2.5 min per checkout and profile (cachegrind slows rustc about 15x); rustc's own
# threads (codegen) are counted too.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
[ $# -gt 0 ] || set -- .
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# cargo runs rustc through this wrapper: harbor-client's compilation under cachegrind, every
# other crate as it is.
cat > "$out/wrapper" <<'EOF'
#!/usr/bin/env bash
if [[ " $* " == *" --crate-name harbor_client "* ]]; then
  exec valgrind -q --log-file="$BUILD_INSTRUCTIONS_OUT.log" --tool=cachegrind --cache-sim=no --branch-sim=no \
    --cachegrind-out-file="$BUILD_INSTRUCTIONS_OUT" "$@"
fi
exec "$@"
EOF
chmod +x "$out/wrapper"
echo "rustc: $(rustc --version)"
declare -A reference
for checkout in "$@"; do
  name=$(cd "$checkout" && echo "$(basename "$(pwd)")@$(git rev-parse --short HEAD)")
  for profile in ${PROFILES:-dev release}; do
    flag=""; [ "$profile" = release ] && flag="--release"
    # One build: the dependencies, where any need building, go through the wrapper untouched
    # (and are not counted); harbor-client, made stale by the touch, compiles last, counted.
    touch "$checkout/harbor-client/src/lib.rs"
    (cd "$checkout" && CARGO_INCREMENTAL=0 RUSTC_WRAPPER="$out/wrapper" \
      BUILD_INSTRUCTIONS_OUT="$out/cg.$profile" cargo build -q -p harbor-client $flag)
    count=$(awk '/^summary:/ {print $2}' "$out/cg.$profile")
    line=$(printf '%-28s %-8s %6.2f G instructions' "$name" "$profile" "$(echo "$count / 1000000000" | bc -l)")
    if [ -z "${reference[$profile]:-}" ]; then
      reference[$profile]=$count
    else
      line+=$(printf '  (%.3fx the first)' "$(echo "$count / ${reference[$profile]}" | bc -l)")
    fi
    echo "$line"
  done
done
