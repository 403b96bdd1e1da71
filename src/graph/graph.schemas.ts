// Request and reply schemas of the social-graph routes.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { Limit, Page } from '../http/schemas.ts';

/** Opaque: only a next_cursor this server returned for the same list is accepted. */
const Cursor = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'the next_cursor of the previous page',
});

export const ListQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

export const TopQuery = Type.Object({ limit: Limit }, { additionalProperties: false });

export const ProfilePageReply = Page(ProfileSummaryReply);

export const RelationshipReply = Type.Object(
  {
    following: Type.Boolean({ description: 'you follow this user' }),
    followed_by: Type.Boolean({ description: 'this user follows you' }),
  },
  { title: 'Relationship' },
);

export const SuggestionReply = Type.Object(
  {
    user: ProfileSummaryReply,
    strength: Type.Integer({
      minimum: 0,
      description: 'distinct two-step paths from you; 0 for the most-followed accounts offered to newcomers',
    }),
  },
  { title: 'Suggestion' },
);

export const SuggestionsPageReply = Page(SuggestionReply);
