import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, extname } from 'node:path';
import { parsePositiveInt } from '../config/parse-flags.js';
import { parseStartAt } from '../config/shard.js';
import { badFlag, SquallError } from '../errors/index.js';
import { VERSION } from '../result/version.js';
import { redactText } from '../util/redact.js';
import type { SessionIO } from './io.js';
import { collectScript, type K8sPlan, k8sYaml } from './k8s-manifest.js';

/** `squall k8s`'s flags as the CLI hands them over (strings). */
export interface K8sFlags {
  shards?: string;
  image?: string;
  namespace?: string;
  name?: string;
  parallelism?: string;
  startAt?: string;
  envSecret?: string;
  host?: string;
}

/** The most `--shard I/N` takes (src/config/shard.ts); Kubernetes allows 100,000 completions. */
const MAX_SHARDS = 10_000;
/** A DNS-1123 label: names of Jobs, ConfigMaps and namespaces. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: a Secret's name (labels joined by dots). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A ConfigMap's limit, less room for its metadata. */
const MAX_TEST_BYTES = 1024 * 1024 - 4096;
/** The Job's pods are named NAME-INDEX-XXXXX and their hostname NAME-INDEX: room for both in 63. */
const MAX_NAME = 52;
/** Time for the pods to be scheduled and the image pulled before the shards start together. */
const DEFAULT_START_DELAY = '+1m';

function dnsName(flag: string, value: string, max: number, pattern = DNS_LABEL): string {
  if (value.length > max || !pattern.test(value)) {
    throw badFlag(
      flag,
      `${flag} "${value}" is not a Kubernetes name: lower-case letters, digits and '-'${pattern === DNS_SUBDOMAIN ? " (and '.')" : ''}, starting and ending with a letter or digit, at most ${max} characters`,
    );
  }
  return value;
}

/** The default Job name: squall-FILE, made a DNS label (`Checkout_API.yaml` → squall-checkout-api). */
export function defaultJobName(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `squall-${stem || 'test'}`.slice(0, MAX_NAME).replace(/-+$/, '');
}

/** A ConfigMap key (and the file's name under /test): letters, digits, '-', '_', '.'. */
function configMapKey(file: string): string {
  return basename(file).replace(/[^-._a-zA-Z0-9]/g, '-');
}

/**
 * `--start-at` (read as `squall run` reads it: an ISO time, or `+D` from now) made absolute here,
 * so that every pod, whenever it is scheduled, waits for the same instant.
 */
export function resolveStartAt(text: string, now: number): string {
  const at = parseStartAt(text, now).getTime();
  // A delay, up to a whole second: the time reads plainly in the manifest and the pods' logs.
  return new Date(text.trim().startsWith('+') ? Math.ceil(at / 1000) * 1000 : at).toISOString();
}

/** `--host`: an http(s) URL, as squall run takes it. */
function checkHost(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw badFlag('--host', `--host "${text}" is not an http:// or https:// URL (http://api.perf.svc:8080)`);
  return text;
}

/**
 * What the pods would not have: the test's feeder files and a module's local imports are not in
 * the ConfigMap, nor packages other than squall in the image, and the pod would fail on them
 * after the Job started. Refused here instead.
 */
function checkSelfContained(file: string, text: string, loaded: { format: string; data: unknown }): void {
  const data = loaded.data;
  if (data !== null && typeof data === 'object' && 'feeders' in data) {
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `${file} reads feeder files (feeders:), and the ConfigMap squall k8s prints holds the test file alone`,
      {
        where: { file },
        hint: 'build an image FROM the squall image that copies the data files beside the test, or inline the data',
      },
    );
  }
  if (loaded.format !== 'module') return;
  // What the image has: squall itself and Node's built-in modules; a local file or another package is not there.
  // Type-only imports are erased: blanked, lines kept.
  const code = text.replace(/\bimport\s+type\b[^;]*?\bfrom\s*['"][^'"]+['"]/g, (m) =>
    m.replace(/[^\n]/g, ' '),
  );
  for (const m of code.matchAll(/\b(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1]!;
    if (spec === 'squall' || isBuiltin(spec)) continue;
    const line = code.slice(0, m.index).split('\n').length;
    const local = spec.startsWith('.') || spec.startsWith('/');
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `${file} imports ${spec} (line ${line}), which the pods would not have: the ConfigMap squall k8s prints holds the test file alone, and the image only squall and Node's own modules`,
      {
        where: { file, line },
        hint: local
          ? 'bundle the test into one file, or build an image FROM the squall image with its helpers'
          : `build an image FROM the squall image with ${spec} installed, and give it to --image`,
      },
    );
  }
}

/** Lines that look like a literal credential (not a `${env.NAME}` reference): a ConfigMap is not secret. */
export function secretLookingLines(text: string): number[] {
  return text
    .split('\n')
    .flatMap((line, i) => (!line.includes('${env.') && redactText(line) !== line ? [i + 1] : []));
}

/** `${env.NAME}` references, given a placeholder when unset: the Secret supplies them in the pod. */
function envPlaceholders(text: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const names = new Set([...text.matchAll(/\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!));
  return [...names].filter((n) => env[n] === undefined).map((n) => `${n}=placeholder`);
}

/**
 * `squall k8s FILE --shards N`: checks the test as `squall run` would (exit 2 for a file that is
 * missing or not a valid test), then prints the ConfigMap and the Indexed Job on stdout, and on
 * stderr the commands that collect and merge the shards.
 */
export async function k8sCommand(
  file: string,
  flags: K8sFlags,
  io: Pick<SessionIO, 'stdout' | 'stderr' | 'env'>,
  now: number = Date.now(),
): Promise<void> {
  if (flags.shards === undefined)
    throw badFlag('--shards', 'squall k8s needs --shards N: how many pods share the test');
  const shards = parsePositiveInt('--shards', flags.shards, MAX_SHARDS);
  const parallelism =
    flags.parallelism === undefined ? shards : parsePositiveInt('--parallelism', flags.parallelism, shards);
  const name = dnsName('--name', flags.name ?? defaultJobName(file), MAX_NAME);
  const namespace = flags.namespace === undefined ? undefined : dnsName('--namespace', flags.namespace, 63);
  const envSecret =
    flags.envSecret === undefined ? undefined : dnsName('--env-secret', flags.envSecret, 253, DNS_SUBDOMAIN);
  const image = flags.image ?? `squall:${VERSION}`;
  if (image === '' || /\s/.test(image))
    throw badFlag('--image', `--image "${image}" is not an image reference (registry/name:tag)`);
  const host = flags.host === undefined ? undefined : checkHost(flags.host);
  const startAt = resolveStartAt(flags.startAt ?? DEFAULT_START_DELAY, now);

  const [{ loadTestFile }, { resolveTest }] = await Promise.all([
    import('../config/load-test-file.js'),
    import('../config/resolve-test.js'),
  ]);
  const loaded = await loadTestFile(file);
  const fileText = readFileSync(loaded.absPath, 'utf8');
  if (Buffer.byteLength(fileText) > MAX_TEST_BYTES) {
    throw new SquallError(
      'SQ_CONFIG_INVALID',
      `${file} is ${Buffer.byteLength(fileText)} bytes, and a ConfigMap holds at most 1 MiB`,
      {
        where: { file },
        hint: 'build an image FROM the squall image with the test in it, and give it to --image',
      },
    );
  }
  checkSelfContained(file, fileText, loaded);
  // As `squall run` checks it (every problem at once, exit 2); variables the Secret will give the
  // pod need not be set here.
  const placeholders = envSecret === undefined ? [] : envPlaceholders(fileText, io.env);
  await resolveTest(file, { env: placeholders, host }, io.env, { loaded });

  const plan: K8sPlan = {
    name,
    namespace,
    image,
    shards,
    parallelism,
    startAt,
    host,
    fileName: configMapKey(file),
    fileText,
    envSecret,
    version: VERSION,
  };
  io.stdout.write(k8sYaml(plan));
  const secretLines = secretLookingLines(fileText);
  if (secretLines.length > 0) {
    io.stderr.write(
      `warning: ${file} line ${secretLines.join(', ')} looks like a credential, and the ConfigMap is readable by anyone who can read the namespace: use \${env.NAME} and --env-secret SECRET\n`,
    );
  }
  if (parallelism < shards) {
    io.stderr.write(
      `warning: --parallelism ${parallelism} runs ${parallelism} of the ${shards} shards at once: the others start late, and the merged run is not the test's load\n`,
    );
  }
  io.stderr.write(
    `squall k8s: ${shards} shards starting at ${startAt} (pods need the image ${image}).\n` +
      `Apply, then collect and merge:\n${collectScript(plan)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
  );
}
