#!/usr/bin/env bash
# make fuzz: builds the X12 fuzz target with AFL++ and ASan, seeds it with
# fuzz/corpus and ../shared/conformance/x12 (when present), fuzzes for
# FUZZ_SECONDS (default 60), and fails if AFL++ found a crash or a hang.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$root/build-fuzz}
export AFL_USE_ASAN=1
CXX=afl-clang-fast++ cmake -S "$root" -B "$build" -G Ninja -DORDERD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target x12_fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
cp "$here"/corpus/* "$work/in/"
conf="$root/../shared/conformance/x12"
if [ -d "$conf" ]; then
  i=0
  for f in "$conf"/*/*; do
    i=$((i + 1))
    # A leading byte picks the reader's chunk size.
    { printf '\x40'; head -c 65536 "$f"; } > "$work/in/conf_$i"
  done
fi
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
afl-fuzz -V "$seconds" -m none -t 2000 -i "$work/in" -o "$work/out" -- "$build/bin/x12_fuzz" > "$work/afl.log" 2>&1 || {
  tail -30 "$work/afl.log"
  exit 1
}
stats="$work/out/default/fuzzer_stats"
grep -E "^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|edges_found|total_edges)" "$stats" || true
crashes=$(find "$work/out/default/crashes" -type f ! -name README.txt | wc -l)
hangs=$(find "$work/out/default/hangs" -type f | wc -l)
if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
  echo "fuzz: $crashes crashes, $hangs hangs; inputs kept in $root/fuzz/findings"
  mkdir -p "$root/fuzz/findings"
  cp -r "$work/out/default/crashes" "$work/out/default/hangs" "$root/fuzz/findings/"
  exit 1
fi
echo "fuzz: no crash, no hang in ${seconds}s"
