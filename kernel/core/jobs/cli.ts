/**
 * `npx edgelab worker --redis <url> [--concurrency N] [--queues a,b] [--prefix p] [--blob-dir d | --blob-url u] [--max-blob-bytes n]`:
 * serve EdgeLab jobs from Redis on this host until SIGINT/SIGTERM. The URL may also come from EDGELAB_REDIS_URL; an object
 * store's bearer token from EDGELAB_BLOB_TOKEN (not the command line, which other users of the host can read).
 * Exit code 2: bad usage or Redis refused.
 */
import { runWorker, maskUrl, RedisRefused, type RunningWorker } from './bullmq';
import { InvalidInput } from '../errors';

function usage(msg: string): never {
  process.stderr.write(
    `edgelab: ${msg}\nusage: edgelab worker --redis redis://[user:password@]host:port [--concurrency N] [--queues q1,q2] [--prefix p] [--blob-dir /shared/folder | --blob-url https://store/bucket] [--max-blob-bytes n]\n`,
  );
  process.exit(2);
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'worker') usage(cmd ? `unknown command ${JSON.stringify(cmd)}` : 'no command');
  const opt: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(rest[i]!);
    if (!m) usage(`unexpected argument ${JSON.stringify(rest[i])}`);
    opt[m[1]!] = m[2] ?? rest[++i] ?? usage(`--${m[1]} needs a value`);
  }
  for (const k of Object.keys(opt))
    if (!['redis', 'concurrency', 'queues', 'prefix', 'blob-dir', 'blob-url', 'max-blob-bytes'].includes(k)) usage(`unknown option --${k}`);
  const url = opt.redis ?? process.env.EDGELAB_REDIS_URL ?? usage('--redis <url> (or EDGELAB_REDIS_URL) is required');
  const concurrency = Number(opt.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    usage(`--concurrency ${opt.concurrency}; expected an integer 1–256`);
  const maxBlobBytes = opt['max-blob-bytes'] === undefined ? undefined : Number(opt['max-blob-bytes']);
  if (maxBlobBytes !== undefined && !(Number.isInteger(maxBlobBytes) && maxBlobBytes >= 0))
    usage(`--max-blob-bytes ${opt['max-blob-bytes']}; expected a whole number of bytes`);
  const log = (l: string): void => void process.stderr.write(`edgelab worker ${process.pid}: ${l}\n`);
  let w: RunningWorker;
  try {
    w = await runWorker({
      url,
      concurrency,
      queues: opt.queues?.split(',').filter(Boolean),
      prefix: opt.prefix,
      blobDir: opt['blob-dir'],
      blobUrl: opt['blob-url'],
      maxBlobBytes,
      log,
    });
  } catch (e) {
    process.stderr.write(`edgelab worker: ${(e as Error).name}: ${(e as Error).message}\n`);
    process.exit(e instanceof RedisRefused || e instanceof InvalidInput ? 2 : 1);
  }
  process.stdout.write(`edgelab worker ${w.id} ready on ${maskUrl(url)} (concurrency ${concurrency})\n`);
  const stop = (): void => {
    void w.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) void main(process.argv.slice(2));
