#!/usr/bin/env bash
# make fuzz: builds every reader's fuzz target with AFL++ and ASan, seeds each
# with fuzz/corpus/<target>/ (and, for X12 and the channel exports, the files
# in ../shared/conformance when it is present), fuzzes each for FUZZ_SECONDS
# (default 60), and fails if AFL++ found a crash or a hang in any of them.
#   FUZZ_TARGETS="x12 shopify"  only these (default: all six)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$root/build-fuzz}
targets=${FUZZ_TARGETS:-"x12 shopify amazon json tracking_csv config"}
export AFL_USE_ASAN=1
CXX=afl-clang-fast++ cmake -S "$root" -B "$build" -G Ninja -DORDERD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target $(for t in $targets; do printf '%s_fuzz ' "$t"; done)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
conf="$root/../shared/conformance"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
failed=0
for t in $targets; do
  in="$work/$t/in"
  mkdir -p "$in"
  cp "$here/corpus/$t"/* "$in/"
  case "$t" in
    x12)
      if [ -d "$conf/x12" ]; then
        i=0
        for f in "$conf"/x12/*/*; do
          i=$((i + 1))
          # A leading byte picks the reader's chunk size.
          { printf '\x40'; head -c 65536 "$f"; } > "$in/conf_$i"
        done
      fi ;;
    shopify|amazon)
      if [ -d "$conf/channels/$t" ]; then cp "$conf/channels/$t"/* "$in/"; fi ;;
  esac
  out="$work/$t/out"
  if ! afl-fuzz -V "$seconds" -m none -t 2000 -i "$in" -o "$out" -- "$build/bin/${t}_fuzz" > "$work/$t/afl.log" 2>&1; then
    echo "fuzz $t: afl-fuzz failed"
    tail -30 "$work/$t/afl.log"
    failed=1
    continue
  fi
  stats="$out/default/fuzzer_stats"
  execs=$(grep -E "^execs_done" "$stats" | awk '{print $3}')
  edges=$(grep -E "^edges_found" "$stats" | awk '{print $3}')
  crashes=$(find "$out/default/crashes" -type f ! -name README.txt | wc -l)
  hangs=$(find "$out/default/hangs" -type f | wc -l)
  echo "fuzz $t: ${seconds}s, $execs executions, $edges edges, $crashes crashes, $hangs hangs"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    mkdir -p "$root/fuzz/findings/$t"
    cp -r "$out/default/crashes" "$out/default/hangs" "$root/fuzz/findings/$t/"
    echo "fuzz $t: inputs kept in $root/fuzz/findings/$t"
    failed=1
  fi
done
[ "$failed" -eq 0 ] && echo "fuzz: no crash, no hang in any target"
exit "$failed"
