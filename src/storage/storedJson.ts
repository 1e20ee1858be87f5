/**
 * How our stores (LevelStorage, RedisStorage) keep an item: its JSON with the eTag as the last member,
 * `{…,"eTag":"…"}`. Split there, the rest (the body) is what the item's owner serialised, so:
 *  - a writer that has serialised an item already hands that text over (SERIALIZED), and the store
 *    puts the new eTag after it instead of serialising the item again;
 *  - a read item carries the body it was stored as (STORED_BODY), so its owner can tell whether it
 *    changed by comparing texts, without serialising what it read;
 *  - a store finds the eTag of what it holds without parsing the whole item.
 * Items written before (eTag elsewhere in the text) are read as before and lose nothing: they are
 * only compared, checked and rewritten the slow way, once.
 */

/** On an item given to Storage.write: its JSON without the eTag, exactly JSON.stringify of its other members. */
export const SERIALIZED = Symbol('serialized');
/** On an item returned by Storage.read: the JSON of its members but the eTag, as stored (not enumerable). */
export const STORED_BODY = Symbol('storedBody');

type Item = Record<string | symbol, unknown>;

/** The stored text of an item with a new eTag: its SERIALIZED body when it has one, else JSON.stringify. */
export function storedText(item: unknown, eTag: string): string {
  const body = (item as Item | null | undefined)?.[SERIALIZED];
  if (typeof body === 'string') return withETag(body, eTag);
  const { eTag: _old, ...members } = (item ?? {}) as Item;
  return JSON.stringify({ ...members, eTag });
}

/** `{…}` and an eTag as `{…,"eTag":"…"}`. */
export function withETag(body: string, eTag: string): string {
  const member = `"eTag":${JSON.stringify(eTag)}}`;
  return body === '{}' ? `{${member}` : `${body.slice(0, -1)},${member}`;
}

/** A stored text split at its last member when that is the eTag; undefined otherwise (an older item). */
export function splitETag(text: string): { body: string; eTag: string } | undefined {
  const at = text.lastIndexOf('"eTag":"');
  // The eTag is the text's last member: preceded by "{" or "," at the top level, its string value
  // runs to the closing brace. A nested "eTag" would be followed by more closing brackets, and one
  // inside a string has its quotes escaped.
  if (at < 1 || !text.endsWith('"}') || (text[at - 1] !== ',' && text[at - 1] !== '{')) return undefined;
  const value = text.slice(at + 7, -1);
  let eTag: unknown;
  try {
    eTag = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof eTag !== 'string') return undefined;
  return { body: text[at - 1] === '{' ? '{}' : `${text.slice(0, at - 1)}}`, eTag };
}

/** An item read from `text`, carrying its STORED_BODY when the text is in the eTag-last form. */
export function parseStored(text: string): Item {
  const item = JSON.parse(text) as Item;
  const split = item && typeof item === 'object' && !Array.isArray(item) ? splitETag(text) : undefined;
  if (split && item.eTag === split.eTag) Object.defineProperty(item, STORED_BODY, { value: split.body });
  return item;
}

/** The eTag stored in `text`, read from its end when it is there (no parse of the whole item). */
export function storedETag(text: string): unknown {
  return splitETag(text)?.eTag ?? (JSON.parse(text) as { eTag?: unknown } | null)?.eTag;
}
