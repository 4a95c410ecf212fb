import type { Command } from 'commander';
import type { K8sFlags } from '../../api/k8s.js';

const EXAMPLES = `
Examples:
  $ squall k8s load-test.yaml --shards 8 | kubectl apply -f -
  $ squall k8s load-test.yaml --shards 8 --host http://api.shop.svc.cluster.local:8080 > job.yaml
  $ squall k8s load-test.yaml --shards 4 --image registry.example.com/squall:0.1.0 --namespace perf > job.yaml
  $ squall k8s api.ts --shards 4 --start-at 2026-12-05T09:00:00Z --env-secret api-token
  $ squall k8s api.yaml --shards 16 --parallelism 8 --name checkout-load

It checks the test as squall run does, then prints a ConfigMap holding the test file and a
batch/v1 Job with completionMode: Indexed: the pod of index i runs squall run --shard i+1/N,
all of them starting at --start-at (default: one minute after printing), and prints its result
document to its log. stderr gives the commands that collect the documents from the logs and
merge them with squall merge (docs/scale.md, "Kubernetes and GitHub Actions"). The image is
built from the repository's Dockerfile: docker build -t squall:VERSION .
Exit codes: 0 printed, 2 bad input (a missing or invalid test file, a bad flag).`;

export function registerK8s(program: Command, _setExit: (code: number) => void): void {
  program
    .command('k8s')
    .description('print a Kubernetes Indexed Job that runs a test as N shards, and how to merge them')
    .argument('<test-file>', 'the test to run (.ts .js .mjs .yaml .yml .json), carried in a ConfigMap')
    .option('--shards <n>', 'how many shards (pods) share the load: --shard 1/N … N/N')
    .option('--image <image>', 'the squall image the pods run (default squall:VERSION)')
    .option('--namespace <ns>', "the objects' namespace (default: kubectl's current one)")
    .option('--name <name>', "the Job's name (default squall-FILE); the ConfigMap is NAME-test")
    .option('--parallelism <p>', 'pods running at once (default: all of them, so the shards run together)')
    .option(
      '--host <url>',
      'the base URL the pods load, as they reach it (a Service, say): squall run --host',
    )
    .option('--start-at <time>', 'when every shard starts: an ISO time, or +D from now (default +1m)')
    .option(
      '--env-secret <secret>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: squall's own ${env.NAME} syntax
      "a Secret whose keys the pods get as environment variables (the test's ${env.NAME})",
    )
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: K8sFlags) => {
      // Imported when it runs: `squall k8s --help` stays cheap (main.ts).
      const [{ k8sCommand }, { processIO }] = await Promise.all([
        import('../../api/k8s.js'),
        import('../../api/io.js'),
      ]);
      await k8sCommand(file, opts, processIO());
    });
}
