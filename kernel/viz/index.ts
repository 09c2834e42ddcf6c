/** Figure payloads (types, MIME ids) and their builders and static fallbacks. */
export * from './types';
