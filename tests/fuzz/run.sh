#!/usr/bin/env bash
# Runs every fuzz target of a QUIKEDGE_FUZZ build: first replays its saved
# reproducers, then fuzzes for SECONDS over a working copy of its seed corpus.
# Exits non-zero if any target crashed, broke an invariant, timed out or leaked.
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS   (FUZZ_FLAGS: extra libFuzzer flags)
set -uo pipefail

build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS}
src=$(cd "$(dirname "$0")" && pwd)
list=$build/fuzz_targets.txt
if [ ! -f "$list" ]; then
  echo "fuzz: $list is missing; configure $build with -DQUIKEDGE_FUZZ=ON" >&2
  exit 2
fi

work=$build/corpus-work
artifacts=$build/fuzz-artifacts
logs=$build/fuzz-logs
mkdir -p "$work" "$artifacts" "$logs"
# Any report is fatal; libFuzzer saves the input that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failures=0
summary=()
while read -r name dict; do
  [ -n "$name" ] || continue
  bin=$build/bin/$name
  log=$logs/$name.log
  # Inputs found by earlier runs stay; new or changed seeds are added.
  mkdir -p "$work/$name" "$artifacts/$name"
  if [ -d "$src/corpus/$name" ]; then
    cp -r "$src/corpus/$name/." "$work/$name/"
  fi
  problems=()

  # Every reproducer of a past bug must pass before new inputs are looked for.
  regressions=()
  if [ -d "$src/regressions/$name" ]; then
    mapfile -t regressions < <(find "$src/regressions/$name" -type f ! -name '*.md' | sort)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$bin" -runs=1 -timeout=10 "${regressions[@]}" >"$logs/$name.regressions.log" 2>&1; then
      failures=$((failures + 1))
      problems+=("a saved reproducer fails (log $logs/$name.regressions.log)")
      grep -E '^Running:|ERROR|invariant failed|threw' "$logs/$name.regressions.log" | tail -n 4
    fi
  fi

  # -timeout: a unit slower than 10 s under ASan is a hang worth a reproducer.
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/$name/")
  # shellcheck disable=SC2206 # FUZZ_FLAGS is a list of flags
  args+=(${FUZZ_FLAGS:-})
  if [ "$dict" != - ]; then
    args+=(-dict="$dict")
  fi
  echo "fuzz: $name for ${seconds}s"
  "$bin" "${args[@]}" "$work/$name" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
  if [ -z "$runs" ]; then
    runs="$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -n 1) runs"
  fi
  if [ $rc -ne 0 ]; then
    failures=$((failures + 1))
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    problems+=("FAILED rc=$rc ${artifact:+reproducer $artifact }(log $log)")
    grep -E 'ERROR|invariant failed|SUMMARY|threw|#[0-9]+ 0x' "$log" | head -n 20
  fi
  corpus=$(find "$work/$name" -type f | wc -l)
  status=ok
  if [ ${#problems[@]} -gt 0 ]; then
    status=$(printf '%s; ' "${problems[@]}")
  fi
  line="$name: $runs, corpus $corpus files: ${status%; }"
  echo "fuzz: $line"
  summary+=("$line")
done <"$list"

echo "fuzz: summary (${seconds}s per target)"
for line in "${summary[@]}"; do
  echo "  $line"
done
if [ $failures -ne 0 ]; then
  echo "fuzz: $failures failure(s)" >&2
  exit 1
fi
