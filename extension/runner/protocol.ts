/**
 * Jupyter wire protocol codec (messaging spec 5.3): frames are
 *   [...routing ids, '<IDS|MSG>', hmac-sha256 hex, header, parent_header, metadata, content, ...buffers]
 * The signature covers header|parent_header|metadata|content (the four JSON frames, concatenated).
 * vscode-free: used by the VS Code controller, the tour and the tests.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const DELIMITER = '<IDS|MSG>';
export const PROTOCOL_VERSION = '5.3';

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers?: Buffer[];
  /** Routing identities found before the delimiter (kept for replies on Router sockets). */
  identities?: Buffer[];
}

/** A message whose signature does not match the connection key (or that is malformed). */
export class SignatureError extends Error {
  override name = 'SignatureError';
}
/** A frame sequence that is not a Jupyter message (no delimiter, missing frames, bad JSON). */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

export function newMsgId(): string {
  return randomUUID();
}
export function newSession(): string {
  return randomUUID();
}

/** HMAC-SHA256 hex digest of the given frames; '' when the key is empty (signing disabled, per spec). */
export function sign(key: string, frames: (string | Buffer)[]): string {
  if (!key) return '';
  const h = createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

export function makeMessage<C>(
  msgType: string,
  content: C,
  opts: { session: string; username?: string; parent?: Partial<MessageHeader>; metadata?: Record<string, unknown> },
): JupyterMessage<C> {
  return {
    header: {
      msg_id: newMsgId(),
      msg_type: msgType,
      session: opts.session,
      username: opts.username ?? 'edgelab',
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: opts.parent ?? {},
    metadata: opts.metadata ?? {},
    content,
  };
}

/** Serialises and signs a message into zeromq frames. */
export function encode(msg: JupyterMessage<unknown>, key: string): Buffer[] {
  const bodies = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) => Buffer.from(JSON.stringify(x ?? {}), 'utf8'));
  const ids = msg.identities ?? [];
  return [...ids, Buffer.from(DELIMITER), Buffer.from(sign(key, bodies)), ...bodies, ...(msg.buffers ?? [])];
}

/** Parses frames and verifies the signature; throws SignatureError on a bad signature, WireFormatError on a malformed message. */
export function decode(frames: Buffer[], key: string): JupyterMessage {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
  if (at < 0) throw new WireFormatError(`message has no ${DELIMITER} delimiter among ${frames.length} frames`);
  if (frames.length < at + 6)
    throw new WireFormatError(
      `message has ${frames.length - at - 1} frames after the delimiter; expected at least 5 (signature, header, parent_header, metadata, content)`,
    );
  const got = frames[at + 1]!.toString();
  const bodies = frames.slice(at + 2, at + 6);
  if (key) {
    const want = sign(key, bodies);
    const ok = got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
    if (!ok)
      throw new SignatureError(
        `invalid message signature ${JSON.stringify(got.slice(0, 16))}…; expected the HMAC-SHA256 of header|parent_header|metadata|content under the connection key`,
      );
  }
  const parse = (b: Buffer, what: string): Record<string, unknown> => {
    try {
      return JSON.parse(b.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new WireFormatError(`${what} is not JSON: ${(e as Error).message}`);
    }
  };
  return {
    identities: frames.slice(0, at),
    header: parse(bodies[0]!, 'header') as unknown as MessageHeader,
    parent_header: parse(bodies[1]!, 'parent_header') as Partial<MessageHeader>,
    metadata: parse(bodies[2]!, 'metadata'),
    content: parse(bodies[3]!, 'content'),
    buffers: frames.slice(at + 6),
  };
}
