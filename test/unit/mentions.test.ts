import { describe, expect, it } from 'vitest';
import { inTextOrder, MAX_MENTIONS, mentionedHandles } from '../../src/posts/mentions.ts';

describe('mentions', () => {
  it('finds @handles, lowercase, once each, in order of appearance', () => {
    expect(mentionedHandles('@Ann and @bob_2, then @ann again (@carol).')).toEqual(['ann', 'bob_2', 'carol']);
    expect(mentionedHandles('hi @dave!\n@erin_: yes')).toEqual(['dave', 'erin_']);
  });

  it('names nobody in an email address, a too short or too long handle, or a handle run into other text', () => {
    expect(mentionedHandles('mail ann@example.com or @@bob')).toEqual([]);
    expect(mentionedHandles(`@ab and @${'x'.repeat(31)}`)).toEqual([]);
    expect(mentionedHandles('@ann-marie and @ann.marie')).toEqual(['ann']);
    expect(mentionedHandles('café@bob ü@carol')).toEqual([]);
  });

  it(`names at most ${MAX_MENTIONS} accounts`, () => {
    const text = Array.from({ length: 30 }, (_, i) => `@user_${i}`).join(' ');
    expect(mentionedHandles(text)).toHaveLength(MAX_MENTIONS);
  });

  it('keeps the accounts found in the order of the text, dropping handles of nobody', () => {
    const found = [
      { id: 2, handle: 'bob', name: 'Bob', avatar_url: null },
      { id: 1, handle: 'ann', name: 'Ann', avatar_url: null },
    ];
    expect(inTextOrder(['ann', 'ghost', 'bob'], found)).toEqual([
      { id: 1, handle: 'ann' },
      { id: 2, handle: 'bob' },
    ]);
  });
});
