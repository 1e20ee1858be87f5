import { timingSafeEqual } from 'node:crypto';

/** Secrets compared in constant time; different lengths are simply different. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when an Authorization header is `Bearer <token>`, compared in constant time. */
export function bearerIs(header: string | undefined, token: string): boolean {
  return sameSecret(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '', token);
}
