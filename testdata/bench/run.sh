#!/usr/bin/env bash
# Benchmark: heroku-deploy next to the shell tools it replaces, in one run.
#
#   testdata/bench/run.sh [SIZE_MB[:FILES] ...]   (default: 10 200 1024)
#
# FILES sets the number of small source files in a tree, e.g. 2048:100000
# for the 100 000-file / 2 GB tree of docs/performance.md.
# Generates trees (small source files, large compressible and incompressible
# files) under testdata/bench/trees, then prints a Markdown table:
#   - packaging: heroku-deploy's archive step vs tar -czf (GNU tar + gzip -6)
#   - peak RSS of a whole deploy against the simulator, per tree size
#   - a 50 MB app, process start to build created, vs tar czf + curl doing
#     the same three requests (the floor)
#   - a redeploy of an already built commit (released again: no upload, no
#     build) vs a full rebuild of the same 50 MB tree, start to release
#   - heroku-deploy --version start-up time
#   - a 200 MB, 8-layer OCI image copied between two loopback registries
#     (a GitLab-like source, Heroku's registry) by heroku-deploy's image
#     library and by `skopeo copy --format v2s2`, in turn; `run.sh image`
#     runs this part alone
set -euo pipefail
cd "$(dirname "$0")/../.."
only_image=false
if [ "${1:-}" = image ]; then only_image=true; shift; fi
sizes=("${@:-10 200 1024}")
[ $# -gt 0 ] || sizes=(10 200 1024)
work=testdata/bench/trees
mkdir -p "$work/bin"
go build -o "$work/bin/" ./cmd/heroku-deploy ./cmd/herokusim
go build -o "$work/bin/pack" testdata/bench/pack.go
go build -o "$work/bin/imagecopy" testdata/bench/imagecopy.go
go build -o "$work/bin/registries" testdata/bench/registries.go
bin=$(cd "$work/bin" && pwd)

# image_bench: the image copy, ours and skopeo's in turn, 3 times each;
# best seconds, peak RSS and blocks written to disk of each side.
image_bench() {
  local key=HRKU-bench-0f1e2d3c-SECRET job=glcbt-bench-SECRET reg
  "$bin/registries" 127.0.0.1:5078 127.0.0.1:5079 "$key" "$job" 200 8 >"$work/registries.out" 2>&1 &
  reg=$!
  for _ in $(seq 50); do grep -q ready "$work/registries.out" 2>/dev/null && break; sleep 0.2; done
  export CI_REGISTRY=127.0.0.1:5078 CI_REGISTRY_USER=gitlab-ci-token CI_REGISTRY_PASSWORD=$job HEROKU_API_KEY=$key
  local src=127.0.0.1:5078/bench/app:latest ours=999 theirs=999 rss_o=0 rss_t=0 out_o=0 out_t=0 r
  for i in 1 2 3; do
    # A fresh app each run: nothing to skip, and the registry does no mounts.
    /usr/bin/time -f '%e %M %O' -o "$work/time.out" "$bin/imagecopy" "$src" http://127.0.0.1:5079 "hd-$i-$$" >/dev/null
    read -r s m o <"$work/time.out"
    ours=$(awk -v a="$ours" -v b="$s" 'BEGIN{print (b<a)?b:a}'); rss_o=$(( m > rss_o ? m : rss_o )); out_o=$(( o > out_o ? o : out_o ))
    /usr/bin/time -f '%e %M %O' -o "$work/time.out" skopeo copy --format v2s2 --src-tls-verify=false --dest-tls-verify=false \
      --src-creds "gitlab-ci-token:$job" --dest-creds "_:$key" "docker://$src" "docker://127.0.0.1:5079/sk-$i-$$/web:latest" >/dev/null
    read -r s m o <"$work/time.out"
    theirs=$(awk -v a="$theirs" -v b="$s" 'BEGIN{print (b<a)?b:a}'); rss_t=$(( m > rss_t ? m : rss_t )); out_t=$(( o > out_t ? o : out_t ))
  done
  kill $reg 2>/dev/null
  echo
  echo "| 200 MB, 8-layer OCI image to Heroku's registry (loopback) | seconds (best of 3) | peak RSS | disk written |"
  echo "|---|---|---|---|"
  awk -v a="$ours" -v b="$theirs" -v ra="$rss_o" -v rb="$rss_t" -v oa="$out_o" -v ob="$out_t" 'BEGIN{
    printf "| heroku-deploy (internal/image) | %.2f | %.0f MB | %d KB |\n| skopeo copy --format v2s2 | %.2f | %.0f MB | %d KB |\n| ratio | %.2fx | | |\n", a, ra/1024, oa/2, b, rb/1024, ob/2, a/b }'
}
if $only_image; then
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go env GOOS)/$(go env GOARCH), $(skopeo --version)"
  image_bench
  exit 0
fi

# tree SIZE_MB[:FILES]: the directory of that generated tree (made once).
tree() {
  local d=$work/tree${1/:/-}
  [ -d "$d" ] || go run testdata/bench/gentree.go "$d" ${1/:/ } >/dev/null
  echo "$d"
}
# secs_rss CMD...: best elapsed seconds of 3 runs, and the peak RSS (KiB) seen.
secs_rss() {
  local best=999999 rss=0 out
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >/dev/null 2>&1 || true
    out=$(tail -n1 "$work/time.out")
    best=$(awk -v a="$best" -v b="${out% *}" 'BEGIN{print (b<a)?b:a}')
    rss=$(( ${out#* } > rss ? ${out#* } : rss ))
  done
  echo "$best $rss"
}

# best_ms CMD...: best wall-clock milliseconds of 3 runs (finer than time's
# 10 ms).
best_ms() {
  local best=999999999 s e
  for _ in 1 2 3; do
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    e=$(( ($(date +%s%N) - s) / 1000 ))
    best=$(( e < best ? e : best ))
  done
  awk -v us="$best" 'BEGIN{printf "%.1f", us/1000}'
}

"$bin/herokusim" -addr 127.0.0.1:5077 -app bench-app >/dev/null 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT
sleep 0.5
export HEROKU_API_URL=http://127.0.0.1:5077 HEROKU_API_KEY=HRKU-sim-0f1e2d3c-SECRET-4b5a6978 HEROKU_DEPLOY_POLL_INTERVAL=10ms

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go env GOOS)/$(go env GOARCH)"
echo
echo "| tree | files | heroku-deploy packaging | tar -czf | speed-up | deploy peak RSS |"
echo "|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  t=$(tree "$size")
  mb=${size%%:*}
  files=$(find "$t" -type f | wc -l)
  read -r ours _ < <(secs_rss "$bin/pack" "$t")
  read -r theirs _ < <(secs_rss tar -czf - --exclude=.git -C "$t" .)
  read -r _ rss < <(secs_rss "$bin/heroku-deploy" deploy --app bench-app --dir "$t" --rebuild)
  awk -v mb="$mb" -v n="$files" -v a="$ours" -v b="$theirs" -v r="$rss" 'BEGIN{
    printf "| %d MB | %d | %.2f s (%.0f MB/s) | %.2f s (%.0f MB/s) | %.1fx | %.0f MB |\n", mb, n, a, mb/a, b, mb/b, b/a, r/1024 }'
done

t=$(tree 50)
floor() {
  local tgz=$work/floor.tgz src put get
  tar -czf "$tgz" --exclude=.git -C "$t" .
  src=$(curl -sf -X POST -H "Authorization: Bearer $HEROKU_API_KEY" -H 'Accept: application/vnd.heroku+json; version=3' "$HEROKU_API_URL/sources")
  put=$(printf '%s' "$src" | sed 's/.*"put_url":"\([^"]*\)".*/\1/')
  get=$(printf '%s' "$src" | sed 's/.*"get_url":"\([^"]*\)".*/\1/')
  curl -sf -X PUT -H 'Content-Type:' --data-binary "@$tgz" "$put" >/dev/null
  curl -sf -X POST -H "Authorization: Bearer $HEROKU_API_KEY" -H 'Accept: application/vnd.heroku+json; version=3' \
    -H 'Content-Type: application/json' -d "{\"source_blob\":{\"url\":\"$get\"}}" "$HEROKU_API_URL/apps/bench-app/builds" >/dev/null
}
export -f floor; export t work
read -r f _ < <(secs_rss bash -c floor)
read -r d _ < <(secs_rss "$bin/heroku-deploy" deploy --app bench-app --dir "$t" --rebuild)
echo
echo "| 50 MB app, start to build created | seconds |"
echo "|---|---|"
awk -v d="$d" -v f="$f" 'BEGIN{printf "| heroku-deploy (whole deploy, build finishes at once) | %.2f |\n| tar czf + curl (floor) | %.2f |\n| ratio | %.2fx |\n", d, f, d/f}'

# The same tree and commit: built once, then rebuilt (--rebuild) and
# redeployed (the build released again), each best of 3, in this run. The
# deploys above pass --rebuild: the trees lie in this repository, whose
# HEAD would otherwise name them all.
export CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567
"$bin/heroku-deploy" deploy --app bench-app --dir "$t" >/dev/null 2>&1
case $("$bin/heroku-deploy" deploy --app bench-app --dir "$t" 2>&1) in
*"==> Reusing build "*) ;;
*) echo "bench: the redeploy did not reuse the build" >&2; exit 1 ;;
esac
full=$(best_ms "$bin/heroku-deploy" deploy --app bench-app --dir "$t" --rebuild)
again=$(best_ms "$bin/heroku-deploy" deploy --app bench-app --dir "$t")
unset CI_COMMIT_SHA
echo
echo "| 50 MB app, process start to release live | ms |"
echo "|---|---|"
awk -v f="$full" -v a="$again" 'BEGIN{printf "| full rebuild (--rebuild; the simulator builds at once) | %.1f |\n| redeploy of an already built commit | %.1f |\n| ratio | %.3fx |\n", f, a, a/f}'

start=$(date +%s%N)
for _ in $(seq 200); do "$bin/heroku-deploy" --version >/dev/null; done
awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN{printf "\nheroku-deploy --version: %.1f ms per run (mean of 200)\n", ns/200/1e6}'

image_bench
