// Request and reply schemas of the social-graph routes.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { Limit, Page, PageQuery } from '../http/schemas.ts';

/** Followers and following pages: the shared keyset page query. */
export const ListQuery = PageQuery;

export const TopQuery = Type.Object({ limit: Limit }, { additionalProperties: false });

export const ProfilePageReply = Page(ProfileSummaryReply);

export const RelationshipReply = Type.Object(
  {
    following: Type.Boolean({ description: 'you follow this user' }),
    followed_by: Type.Boolean({ description: 'this user follows you' }),
    blocking: Type.Boolean({ description: 'you blocked this user' }),
    blocked_by: Type.Boolean({ description: 'this user blocked you' }),
    muting: Type.Boolean({ description: 'you muted this user (whether they muted you is never told)' }),
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
