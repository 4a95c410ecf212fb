import { stringify } from 'yaml';

/**
 * `squall k8s`'s manifest, built from plain values (no I/O): a ConfigMap holding the test file and
 * a batch/v1 Indexed Job whose pod of index i runs `squall run --shard i+1/N` and prints its
 * result document to its log between two marker lines, from where `kubectl logs` and
 * `squall merge` collect it (docs/scale.md, "Kubernetes and GitHub Actions").
 */

export interface K8sPlan {
  /** The Job's name; the ConfigMap is NAME-test. A DNS-1123 label (checked by the caller). */
  name: string;
  /** Omitted: kubectl's current namespace. */
  namespace?: string;
  image: string;
  shards: number;
  /** Pods running at once; the shards start together only when it equals `shards`. */
  parallelism: number;
  /** ISO time every shard starts at (`--start-at`). */
  startAt: string;
  /** `--host` for every shard: the target as the pods reach it (a Service's name, say). */
  host?: string;
  /** The file's name in the ConfigMap and under /test. */
  fileName: string;
  fileText: string;
  /** A Secret whose keys become environment variables (`${env.NAME}` in the test). */
  envSecret?: string;
  version: string;
}

/** Where the pod finds the test and writes its document (the e2e test replaces both). */
export const TEST_DIR = '/test';
export const RESULTS_DIR = '/results';

/** The lines around a shard's document in its log: gzip then base64, so no line is long. */
export function shardMarkers(index: number | string): { begin: string; end: string } {
  return {
    begin: `--- squall shard ${index} begin (gzip, base64) ---`,
    end: `--- squall shard ${index} end ---`,
  };
}

/** One word for sh, whatever it holds. */
export function shellQuote(text: string): string {
  return /^[-\w./:@=+,]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The container's shell script: the index Kubernetes gives (0-based, JOB_COMPLETION_INDEX) is
 * `--shard` (1-based); the document goes to the log, where it outlives the pod until the Job is
 * deleted. Exit 99 (a threshold failed on this shard alone) is not the verdict: `squall merge`
 * judges the merged run, so the pod still succeeds and the Job completes.
 */
export function shardScript(plan: Pick<K8sPlan, 'fileName' | 'shards' | 'startAt' | 'host'>): string {
  const { begin, end } = shardMarkers('$i');
  const host = plan.host === undefined ? '' : ` --host ${shellQuote(plan.host)}`;
  return [
    'i="$JOB_COMPLETION_INDEX"',
    `out="${RESULTS_DIR}/shard-$i.json"`,
    `squall run ${TEST_DIR}/${plan.fileName} --shard "$((i + 1))/${plan.shards}" --start-at ${plan.startAt}${host} -o "json=$out"`,
    'code=$?',
    'if [ -f "$out" ]; then',
    `  echo "${begin}"`,
    '  gzip -c "$out" | base64',
    `  echo "${end}"`,
    'fi',
    '# A threshold that fails on one shard is judged by squall merge on the merged run.',
    'if [ "$code" -eq 99 ]; then code=0; fi',
    'exit "$code"',
    '',
  ].join('\n');
}

/**
 * The documented collection step: every pod's log once (kubectl prints pods one after another
 * when it does not follow them), each shard's block decoded to shard-I.json, then the merge.
 * awk, base64 and gunzip as found on Linux and macOS.
 */
export function collectScript(plan: Pick<K8sPlan, 'name' | 'namespace' | 'shards'>): string {
  const ns = plan.namespace === undefined ? '' : ` -n ${plan.namespace}`;
  const { begin, end } = shardMarkers('" i "');
  return [
    `kubectl wait${ns} --for=condition=complete job/${plan.name} --timeout=24h`,
    `kubectl logs${ns} -l job-name=${plan.name} --tail=-1 > ${plan.name}.log`,
    `for i in $(seq 0 ${plan.shards - 1}); do`,
    `  awk -v i="$i" '$0 == "${end}" { p = 0 } p; $0 == "${begin}" { p = 1 }' ${plan.name}.log | base64 -d | gunzip > shard-$i.json`,
    'done',
    'squall merge shard-*.json -o md=summary.md',
  ].join('\n');
}

const LABEL_NAME = 'app.kubernetes.io/name';
const LABEL_INSTANCE = 'app.kubernetes.io/instance';

export interface K8sObjects {
  configMap: Record<string, unknown>;
  job: Record<string, unknown>;
}

export function k8sObjects(plan: K8sPlan): K8sObjects {
  const labels = {
    [LABEL_NAME]: 'squall',
    [LABEL_INSTANCE]: plan.name,
    'app.kubernetes.io/version': plan.version,
  };
  const metadata = (name: string) => ({
    name,
    ...(plan.namespace === undefined ? {} : { namespace: plan.namespace }),
    labels,
  });
  const configMapName = `${plan.name}-test`;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(configMapName),
    data: { [plan.fileName]: plan.fileText },
  };
  const container = {
    name: 'squall',
    image: plan.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c'],
    args: [shardScript(plan)],
    ...(plan.envSecret === undefined ? {} : { envFrom: [{ secretRef: { name: plan.envSecret } }] }),
    // A core each, and no CPU limit: a throttled generator measures its own stalls.
    resources: { requests: { cpu: '1', memory: '256Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'test', mountPath: TEST_DIR, readOnly: true },
      { name: 'results', mountPath: RESULTS_DIR },
      // A TypeScript test is compiled into the temporary folder.
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(plan.name),
    spec: {
      completionMode: 'Indexed',
      completions: plan.shards,
      parallelism: plan.parallelism,
      // A shard run again would start after --start-at, alone: the merged run would not be the test.
      backoffLimit: 0,
      template: {
        metadata: { labels: { [LABEL_NAME]: 'squall', [LABEL_INSTANCE]: plan.name } },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          // Shards on different nodes where there are enough: each one's NIC and cores are its own.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { [LABEL_INSTANCE]: plan.name } },
                  },
                },
              ],
            },
          },
          containers: [container],
          volumes: [
            { name: 'test', configMap: { name: configMapName } },
            { name: 'results', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return { configMap, job };
}

/** The manifest as `kubectl apply -f -` reads it: a comment that says how to collect, then two documents. */
export function k8sYaml(plan: K8sPlan): string {
  const { configMap, job } = k8sObjects(plan);
  const header = [
    `# squall ${plan.version}: ${plan.shards} shards of ${plan.fileName}, starting together at ${plan.startAt}.`,
    "# Apply it (kubectl apply -f FILE), then collect the shards from the pods' logs and merge them:",
    ...collectScript(plan)
      .split('\n')
      .map((line) => `#   ${line}`),
  ].join('\n');
  const doc = (o: unknown) => stringify(o, { lineWidth: 0 });
  return `${header}\n---\n${doc(configMap)}---\n${doc(job)}`;
}
