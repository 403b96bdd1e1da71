// Request and reply schemas of the accounts and sessions routes.
import { Type } from 'typebox';
import { HttpUrl, SafeText, Timestamp, UserId, VisibleText, WellFormedText } from '../http/schemas.ts';

const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] });
const Password = WellFormedText({ minLength: 10, maxLength: 1024, description: '10 to 1,024 characters' });
/**
 * Zero-width characters and bidirectional overrides, isolates and marks: invisible, they
 * make one name or handle pass for another. Refused in names (handles allow ASCII only).
 * Besides the zero-width space, joiners and BOM: the soft hyphen, the combining grapheme
 * joiner, the Mongolian vowel separator, the invisible operators (U+2061-U+2064) and the
 * deprecated format characters after them, the Hangul fillers (blank letters), interlinear
 * annotation marks and tag characters, all of which print as nothing. Variation selectors
 * stay allowed: emoji need them.
 */
const INVISIBLE_CHARACTERS = [
  '\\u200B-\\u200D\\u2060\\uFEFF\\u200E\\u200F\\u061C\\u202A-\\u202E\\u2066-\\u2069',
  '\\u00AD\\u034F\\u180E\\u2061-\\u2064\\u206A-\\u206F\\u115F\\u1160\\u3164\\uFFA0\\uFFF9-\\uFFFB\\u{E0000}-\\u{E007F}',
].join('');
const Name = Type.Intersect([
  VisibleText({ maxLength: 100 }),
  Type.String({
    pattern: `^[^${INVISIBLE_CHARACTERS}]*$`,
    description: 'no zero-width or text-direction characters',
  }),
]);
/** A device token as a log-in reply gave it: 43 base64url characters. */
const DeviceToken = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description:
    'the device_token of an earlier successful log-in from this device: exempts it from the per-email lockout',
});
const Bio = SafeText({ maxLength: 500 });
const Handle = Type.String({
  pattern: '^[A-Za-z0-9_]{3,30}$',
  description: '3-30 letters, digits or _; stored lower-case, unique whatever the case',
});
const AvatarUrl = Type.Union([HttpUrl(), Type.Null()]);

export const SignUpBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Name,
    birthdate: Type.String({ format: 'date', description: 'YYYY-MM-DD; you must be 18 or over' }),
    handle: Type.Optional(Handle),
    bio: Type.Optional(Bio),
  },
  { additionalProperties: false },
);

export const LogInBody = Type.Object(
  // Log-in checks no email format: any string simply fails to match an account.
  {
    email: SafeText({ minLength: 1, maxLength: 254 }),
    password: WellFormedText({ minLength: 1, maxLength: 1024 }),
    device_token: Type.Optional(DeviceToken),
  },
  { additionalProperties: false },
);

export const ProfileChangesBody = Type.Object(
  { name: Type.Optional(Name), bio: Type.Optional(Bio), avatar_url: Type.Optional(AvatarUrl) },
  { additionalProperties: false, minProperties: 1 },
);

export const PasswordChangeBody = Type.Object(
  { current_password: WellFormedText({ minLength: 1, maxLength: 1024 }), new_password: Password },
  { additionalProperties: false },
);

export const AccountDeletionBody = Type.Object(
  { password: WellFormedText({ minLength: 1, maxLength: 1024, description: 'your current password' }) },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  {
    q: VisibleText({ maxLength: 100, description: 'a handle or name, or the start of one' }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

export const AccountReply = Type.Object(
  {
    id: UserId,
    handle: Type.String(),
    email: Type.String(),
    name: Type.String(),
    bio: Type.String(),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
    birthdate: Type.String({ format: 'date' }),
    created_at: Timestamp,
  },
  { title: 'Account' },
);

/** `GET /me`: the account and, for its owner only, how many orders they placed. */
export const MeReply = Type.Object(
  { ...AccountReply.properties, order_count: Type.Integer({ minimum: 0, description: 'orders you placed' }) },
  { title: 'Me' },
);

export const ProfileSummaryReply = Type.Object(
  {
    id: UserId,
    handle: Type.String(),
    name: Type.String(),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'ProfileSummary' },
);

export const PublicProfileReply = Type.Object(
  {
    id: UserId,
    handle: Type.String(),
    name: Type.String(),
    bio: Type.String(),
    avatar_url: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    counts: Type.Object({ followers: Type.Integer(), following: Type.Integer(), posts: Type.Integer() }),
  },
  { title: 'PublicProfile' },
);

export const SessionReply = Type.Object(
  {
    token: Type.String({ description: 'the bearer token for the Authorization header' }),
    expires_at: Timestamp,
    device_token: Type.String({
      description: 'keep it on this device and send it with later log-ins (device_token)',
    }),
    device_token_expires_at: Timestamp,
  },
  { title: 'Session' },
);
