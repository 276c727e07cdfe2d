#!/usr/bin/env bash
# Benchmarks cipherlint against ripgrep (and semgrep / ast-grep when installed)
# on the real-code corpus of ../shared/bench, and writes a Markdown report.
#
#   bench/run.sh [CORPUS_DIR] [REPORT.md]
#
# The corpus (~1 GB, never committed) is assembled from package caches by
# ../shared/bench/make_corpus.sh when CORPUS_DIR does not exist yet.
# Needs: hyperfine, ripgrep, GNU time (apt-get install hyperfine ripgrep time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
corpus=${1:-$root/bench/corpus}
report=${2:-$root/bench/report.md}
keywords=$shared/bench/crypto-keywords.txt

[ -d "$corpus" ] || bash "$shared/bench/make_corpus.sh" "$corpus"
(cd "$root" && cargo build --release --locked --quiet)
bin=$root/target/release/cipherlint
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

files=$(find "$corpus" -type f -not -path '*/.work/*' | wc -l)
bytes=$(find "$corpus" -type f -not -path '*/.work/*' -printf '%s\n' | awk '{s+=$1} END {print s}')

# Warm the page cache so every tool reads from memory.
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null

# BENCH_SECTIONS picks what to run (default: all of them).
sections=${BENCH_SECTIONS:-main threads staged scaling}
want() { case " $sections " in *" $1 "*) return 0 ;; *) echo "(not run)" > "$out/$1.md"; return 1 ;; esac; }

rg_cmd="rg --no-ignore --hidden -c -f $keywords $corpus > /dev/null || true"
cl_cmd="$bin scan $corpus --no-ignore --format sarif --output $out/all.sarif --fail-on none --quiet"
want main && hyperfine --warmup 1 --runs 2 --export-markdown "$out/main.md" \
  -n "rg (30 keyword regexes)" "$rg_cmd" \
  -n "cipherlint (all packs, SARIF)" "$cl_cmd"

# Threads: 1 and 2 (and more where the machine has them).
threads="1 2"
[ "$(nproc)" -ge 4 ] && threads="1 2 4"
[ "$(nproc)" -ge 8 ] && threads="1 2 4 8"
[ "$(nproc)" -ge 16 ] && threads="1 2 4 8 16"
args=()
for j in $threads; do
  args+=(-n "threads: $j" "$bin scan $corpus --no-ignore -j $j --format sarif --output $out/j$j.sarif --fail-on none --quiet")
done
want threads && hyperfine --warmup 0 --runs 1 --export-markdown "$out/threads.md" "${args[@]}"

# Pre-commit: `--staged` on a 10-file commit (process start included), in a
# scratch repository holding ten source files of the corpus, one per kind.
repo=$out/staged-repo
if want staged; then
mkdir -p "$repo"
git -C "$repo" init -q
for ext in py go java js ts c cpp rs cs py; do
  f=$(find "$corpus" -type f -name "*.$ext" -size +2k -size -40k | sort | awk 'NR == 40')
  [ -n "$f" ] && cp "$f" "$repo/$(basename "$f" ".$ext")_$RANDOM.$ext"
done
git -C "$repo" add -A
staged_files=$(git -C "$repo" diff --cached --name-only | wc -l)
hyperfine --warmup 3 --runs 20 --export-markdown "$out/staged.md" \
  -n "scan --staged ($staged_files files)" "cd $repo && $bin scan --staged --fail-on none --quiet"
fi

# Linearity: time and peak RSS on 1/8, 1/4, 1/2 and all of the files (shard 1 of N).
want scaling && {
  echo "| share | wall s | peak RSS MB |"
  echo "|---|---:|---:|"
  for n in 8 4 2 1; do
    shard=""
    [ "$n" -gt 1 ] && shard="--shard 1/$n"
    /usr/bin/time -f "%e %M" -o "$out/time" $bin scan "$corpus" --no-ignore $shard --format sarif --output "$out/s.sarif" --fail-on none --quiet
    read -r wall rss < "$out/time"
    echo "| 1/$n | $wall | $((rss / 1024)) |"
  done
} > "$out/scaling.md"

optional=""
if command -v semgrep >/dev/null 2>&1; then optional="$optional semgrep"; fi
if command -v ast-grep >/dev/null 2>&1; then optional="$optional ast-grep"; fi

{
  echo "# cipherlint benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%d)"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
  echo "- cipherlint: $($bin --version), rules: $($bin rules list | wc -l)"
  echo "- corpus: $files files, $((bytes / 1000000)) MB ($corpus)"
  echo "- peers installed:${optional:- none besides rg}"
  echo
  echo "## Full scan vs ripgrep"
  echo
  cat "$out/main.md"
  echo
  echo "## Threads"
  echo
  cat "$out/threads.md"
  echo
  echo "## Pre-commit (--staged)"
  echo
  cat "$out/staged.md"
  echo
  echo "## Linearity (shards of the file list)"
  echo
  cat "$out/scaling.md"
} > "$report"
cat "$report"
