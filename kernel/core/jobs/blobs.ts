/**
 * Where the BullMQ backend keeps blobs (the bytes of every typed array in job arguments and results, named by their
 * SHA-256): in Redis (`<prefix>:jobs:blob:<sha256>`, the default), or, above `maxBytes` (default 8 MiB), in a place the
 * user gives that every host can reach:
 *
 *   dir   a folder every host mounts at the same path (NFS, SMB): the file <dir>/<sha256>
 *   url   an object store spoken to with plain HTTP: PUT / GET / HEAD <url>/<sha256> (MinIO or S3 buckets whose policy
 *         allows it for the prefix, an nginx WebDAV location, any store behind a signing proxy); `headers` go with every
 *         request (e.g. { authorization: 'Bearer …' }; EDGELAB_BLOB_TOKEN sets that one)
 *
 * Blobs are written once (content-addressed: a blob already there is not sent again). Whatever the place, a blob whose
 * bytes do not hash to its name is refused with a FormatError naming it, so a corrupted or tampered copy never reaches a
 * job; an unreachable or refusing store is a BackendError naming the status.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { BackendError, FormatError, InvalidInput } from '../errors';
import { sha256 } from './codec';

export interface BlobPlace {
  /** A folder every host mounts at the same path. */
  dir?: string;
  /** An object-store base URL (http:// or https://): blobs are <url>/<sha256>. */
  url?: string;
  /** Headers for every object-store request (authorization, …). Default: a bearer token from EDGELAB_BLOB_TOKEN, if set. */
  headers?: Record<string, string>;
  /** Blobs larger than this go to dir / url (default 8 MiB); smaller ones stay in Redis. */
  maxBytes?: number;
}

/** Check a place (both dir and url is ambiguous; the url must be http(s) without credentials in it). */
export function checkPlace(p: BlobPlace): BlobPlace {
  if (p.dir && p.url)
    throw new InvalidInput(`jobs blobs: both a folder (${p.dir}) and a URL were given; expected one place for large blobs`);
  if (p.url !== undefined) {
    let u: URL;
    try {
      u = new URL(p.url);
    } catch {
      throw new InvalidInput(`jobs blobs: URL ${JSON.stringify(p.url)} does not parse; expected http(s)://host[:port]/path`);
    }
    if (!/^https?:$/.test(u.protocol)) throw new InvalidInput(`jobs blobs: URL scheme ${u.protocol}; expected http: or https:`);
    if (u.username || u.password)
      throw new InvalidInput('jobs blobs: credentials in the URL; pass them as headers (or EDGELAB_BLOB_TOKEN for a bearer token)');
  }
  return p;
}

const base = (url: string): string => url.replace(/\/+$/, '');
function headersOf(p: BlobPlace): Record<string, string> {
  if (p.headers) return p.headers;
  const t = process.env.EDGELAB_BLOB_TOKEN;
  return t ? { authorization: `Bearer ${t}` } : {};
}

async function http(p: BlobPlace, method: 'GET' | 'PUT' | 'HEAD', h: string, body?: Uint8Array): Promise<Response> {
  const where = `${base(p.url!)}/${h}`;
  let res: Response;
  try {
    res = await fetch(where, {
      method,
      headers: { ...headersOf(p), ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      body,
    });
  } catch (e) {
    throw new BackendError(
      `blob store ${base(p.url!)}: ${method} ${h.slice(0, 12)}… failed (${(e as Error).message}); expected the store to answer`,
      {
        cause: e,
      },
    );
  }
  if (res.ok || (method !== 'PUT' && res.status === 404)) return res;
  await res.body?.cancel();
  throw new BackendError(
    `blob store ${base(p.url!)}: ${method} ${h.slice(0, 12)}… answered ${res.status} ${res.statusText}; expected 2xx` +
      (res.status === 401 || res.status === 403 ? ' (check the token or headers, and the bucket policy for PUT/GET)' : ''),
  );
}

/** Store blobs (each once): the large ones in the place, the rest in Redis. */
export async function putBlobs(r: Redis, prefix: string, blobs: Iterable<[string, Uint8Array]>, place: BlobPlace): Promise<void> {
  const pipe = r.pipeline();
  const uploads: Promise<void>[] = [];
  let n = 0;
  for (const [h, b] of blobs) {
    if ((place.dir || place.url) && b.byteLength > (place.maxBytes ?? 8 * 2 ** 20)) {
      if (place.dir) {
        const f = join(place.dir, h);
        if (!existsSync(f)) {
          writeFileSync(`${f}.${process.pid}.tmp`, b);
          renameSync(`${f}.${process.pid}.tmp`, f);
        }
      } else
        uploads.push(
          (async () => {
            const head = await http(place, 'HEAD', h);
            if (head.status !== 404) return; // already stored (content-addressed)
            (await http(place, 'PUT', h, b)).body?.cancel();
          })(),
        );
    } else {
      pipe.set(`${prefix}:jobs:blob:${h}`, Buffer.from(b.buffer, b.byteOffset, b.byteLength), 'NX');
      n++;
    }
  }
  await Promise.all([...uploads, ...(n ? [pipe.exec()] : [])]);
}

/** The blobs with these hashes (Redis first, then the place), each verified against its hash; a missing one is left out. */
export async function getBlobs(r: Redis, prefix: string, hashes: string[], place: BlobPlace): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (!hashes.length) return out;
  const bufs = await r.mgetBuffer(...hashes.map((h) => `${prefix}:jobs:blob:${h}`));
  await Promise.all(
    hashes.map(async (h, i) => {
      let b: Uint8Array | null = bufs[i] ? new Uint8Array(bufs[i]!) : null;
      if (!b && place.dir && existsSync(join(place.dir, h))) b = new Uint8Array(readFileSync(join(place.dir, h)));
      if (!b && place.url) {
        const res = await http(place, 'GET', h);
        if (res.status === 404) await res.body?.cancel();
        else b = new Uint8Array(await res.arrayBuffer());
      }
      if (!b) return; // the decoder names the missing blob
      const got = sha256(b);
      if (got !== h)
        throw new FormatError(
          `blob ${h.slice(0, 12)}…: its ${b.byteLength} bytes hash to ${got.slice(0, 12)}…; expected the bytes it was stored with`,
        );
      out.set(h, Uint8Array.from(b));
    }),
  );
  return out;
}
