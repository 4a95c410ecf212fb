#!/usr/bin/env bash
# The image of the Dockerfile, where a container engine runs (.ci/run calls this): build it, then
# run in it one pod of the Job `squall k8s` prints, as Kubernetes would (its shell script, index 0,
# the test where the ConfigMap puts it, a read-only root), against a server on this machine, and
# decode the shard document from its log with the printed collection step.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="$1"
IMAGE="squall:ci"

"$ENGINE" build -t "$IMAGE" .
"$ENGINE" run --rm "$IMAGE" --version

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The target: a server on 127.0.0.1 that answers every request (the container shares the host's network).
node -e "
  const s = require('node:http').createServer((q, r) => r.end('ok'));
  s.listen(0, '127.0.0.1', () => require('node:fs').writeFileSync('$tmp/port', String(s.address().port)));
" &
server_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port="$(cat "$tmp/port")"

mkdir -p "$tmp/test"
cat > "$tmp/api.yaml" <<YAML
target: http://127.0.0.1:1
scenarios:
  shared:
    executor: shared-iterations
    vus: 2
    iterations: 40
    users: [ { name: Reader, flow: [ { get: /items } ] } ]
YAML
node bin/squall.js k8s "$tmp/api.yaml" --shards 2 --start-at +5s --host "http://127.0.0.1:$port" \
  --image "$IMAGE" > "$tmp/job.yaml" 2> "$tmp/collect.txt"
# The ConfigMap's files and the container's script, from the manifest.
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  import { parseAllDocuments } from 'yaml';
  const [cm, job] = parseAllDocuments(readFileSync('$tmp/job.yaml', 'utf8')).map((d) => d.toJS());
  for (const [k, v] of Object.entries(cm.data)) writeFileSync('$tmp/test/' + k, v);
  writeFileSync('$tmp/script.sh', job.spec.template.spec.containers[0].args[0]);
"
chmod -R a+rX "$tmp/test"

# The pod of index 0, as the Job's container runs it.
"$ENGINE" run --rm --network host --read-only \
  --tmpfs /tmp:rw,mode=1777 --tmpfs /results:rw,mode=1777 \
  -v "$tmp/test:/test:ro" -e JOB_COMPLETION_INDEX=0 \
  --entrypoint /bin/sh "$IMAGE" -c "$(cat "$tmp/script.sh")" > "$tmp/pod.log" 2>&1 || {
  cat "$tmp/pod.log"
  exit 1
}

# The printed collection step's decoding, for index 0.
awk -v i=0 '$0 == "--- squall shard " i " end ---" { p = 0 } p; $0 == "--- squall shard " i " begin (gzip, base64) ---" { p = 1 }' \
  "$tmp/pod.log" | base64 -d | gunzip > "$tmp/shard-0.json"
node -e "
  const d = JSON.parse(require('node:fs').readFileSync('$tmp/shard-0.json', 'utf8'));
  if (d.shard?.index !== 0 || d.shard?.count !== 2) throw new Error('not shard 1/2: ' + JSON.stringify(d.shard));
  console.log('image: shard 1/2 ran in the container,', d.metrics.http_reqs.count, 'requests');
"
