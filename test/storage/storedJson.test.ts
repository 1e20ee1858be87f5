import { describe, expect, it } from 'vitest';
import { parseStored, SERIALIZED, splitETag, STORED_BODY, storedETag, storedText, withETag } from '../../src/storage/storedJson';

describe('storedJson: items kept with the eTag last', () => {
  it('a body and an eTag join and split again', () => {
    expect(withETag('{}', 'e.1')).toBe('{"eTag":"e.1"}');
    expect(withETag('{"a":1}', 'e.1')).toBe('{"a":1,"eTag":"e.1"}');
    expect(splitETag('{"a":1,"eTag":"e.1"}')).toEqual({ body: '{"a":1}', eTag: 'e.1' });
    expect(splitETag('{"eTag":"e.1"}')).toEqual({ body: '{}', eTag: 'e.1' });
  });

  it('only the top-level last member counts as the eTag', () => {
    expect(splitETag('{"eTag":"e.1","a":1}')).toBeUndefined();
    expect(splitETag('{"a":{"eTag":"inner"}}')).toBeUndefined();
    expect(splitETag('{"a":"\\",\\"eTag\\":\\"x"}')).toBeUndefined();
    expect(splitETag('{"a\\"eTag":"x"}')).toBeUndefined();
    expect(splitETag('{"a":1,"eTag":"e\\"1"}')).toEqual({ body: '{"a":1}', eTag: 'e"1' });
    expect(storedETag('{"eTag":"e.1","a":1}')).toBe('e.1');
    expect(storedETag('{"a":{"eTag":"inner"}}')).toBeUndefined();
  });

  it('an item written with its JSON already made is stored as that JSON; others are serialised with the eTag last', () => {
    expect(storedText({ a: 1, eTag: '*', [SERIALIZED]: '{"a":1}' }, 'e.2')).toBe('{"a":1,"eTag":"e.2"}');
    expect(storedText({ eTag: '*', a: 1 }, 'e.2')).toBe('{"a":1,"eTag":"e.2"}');
    const item = parseStored('{"a":[1],"eTag":"e.2"}');
    expect(item).toEqual({ a: [1], eTag: 'e.2' });
    expect((item as Record<symbol, unknown>)[STORED_BODY]).toBe('{"a":[1]}');
    expect(Object.getOwnPropertySymbols({ ...item })).toEqual([]);
    expect((parseStored('{"eTag":"e.2","a":[1]}') as Record<symbol, unknown>)[STORED_BODY]).toBeUndefined();
  });
});
