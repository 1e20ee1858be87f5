import { timingSafeEqual } from 'node:crypto';

/** True when an Authorization header is `Bearer <token>`, compared in constant time. */
export function bearerIs(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
