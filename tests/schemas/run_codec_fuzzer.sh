#!/usr/bin/env bash
# Builds tests/schemas/codec/event_codec_fuzzer.cc with clang's libFuzzer,
# ASan and UBSan (the project builds with g++, which has no libFuzzer), seeds
# a corpus from tests/schemas/samples and fuzzes for a fixed time. Fails on any
# crash, sanitizer report, leak or round-trip failure; the failing input is
# left in <work-dir>/artifacts with the command that reproduces it.
#
# usage: run_codec_fuzzer.sh --source-dir DIR --work-dir DIR [--max-total-time SECONDS]
# env:   HOSO_FUZZ_CXX (default /usr/bin/clang++)
set -euo pipefail

source_dir=""
work_dir=""
max_total_time=20
while [ $# -gt 0 ]; do
  case "$1" in
    --source-dir) source_dir="$2"; shift 2 ;;
    --work-dir) work_dir="$2"; shift 2 ;;
    --max-total-time) max_total_time="$2"; shift 2 ;;
    *) echo "run_codec_fuzzer: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$source_dir" ] || [ -z "$work_dir" ]; then
  echo "usage: run_codec_fuzzer.sh --source-dir DIR --work-dir DIR [--max-total-time SECONDS]" >&2
  exit 2
fi

cxx="${HOSO_FUZZ_CXX:-/usr/bin/clang++}"
if ! command -v "$cxx" >/dev/null; then
  echo "run_codec_fuzzer: $cxx not found (tools/install-deps installs clang)" >&2
  exit 1
fi
runtime_dir="$("$cxx" -print-runtime-dir)"
if [ ! -f "$runtime_dir/libclang_rt.fuzzer-x86_64.a" ]; then
  echo "run_codec_fuzzer: no libFuzzer runtime in $runtime_dir" \
       "(package libclang-rt-14-dev; tools/install-deps installs it)" >&2
  exit 1
fi

mkdir -p "$work_dir/corpus" "$work_dir/artifacts"
fuzzer="$work_dir/event_codec_fuzzer"
# The codec and the parts of engine/core it uses; nothing else is linked.
sources=(
  "$source_dir/tests/schemas/codec/event_codec_fuzzer.cc"
  "$source_dir/schemas/codec/event_codec.cc"
  "$source_dir/engine/core/event.cc"
  "$source_dir/engine/core/instant.cc"
  "$source_dir/engine/core/rejection.cc"
)
echo "run_codec_fuzzer: building $fuzzer"
# shellcheck disable=SC2046  # pkg-config output is a list of flags
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -I"$source_dir" $(pkg-config --cflags simdjson) \
  "${sources[@]}" $(pkg-config --libs simdjson) -o "$fuzzer"

# Seed: every sample, valid and invalid (what a producer sends, and each way
# it can be wrong). Inputs found in earlier runs stay in the corpus.
cp "$source_dir"/tests/schemas/samples/valid/*.json "$source_dir"/tests/schemas/samples/invalid/*.json \
  "$work_dir/corpus/"

echo "run_codec_fuzzer: fuzzing for ${max_total_time}s"
status=0
"$fuzzer" "$work_dir/corpus" \
  -dict="$source_dir/tests/schemas/codec/event_codec_fuzzer.dict" \
  -max_total_time="$max_total_time" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work_dir/artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "run_codec_fuzzer: FAILED (exit $status); reproduce with:" >&2
  for artifact in "$work_dir"/artifacts/*; do
    [ -e "$artifact" ] && echo "  $fuzzer $artifact" >&2
  done
  exit 1
fi
echo "run_codec_fuzzer: no crash in ${max_total_time}s"
