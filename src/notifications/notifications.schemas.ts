// Request and reply schemas of the notifications routes.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { Page, Timestamp, Uuid } from '../http/schemas.ts';
import { NOTIFICATION_KINDS } from './notifications.port.ts';

export const NotificationReply = Type.Object(
  {
    id: Uuid(),
    kind: Type.Enum(NOTIFICATION_KINDS),
    actor: ProfileSummaryReply,
    post: Type.Union([
      Type.Object({
        id: Uuid(),
        excerpt: Type.String({ description: 'the beginning of the post as it was at the event' }),
      }),
      Type.Null(),
    ]),
    created_at: Timestamp,
    read: Type.Boolean(),
  },
  { title: 'Notification' },
);

export const NotificationPageReply = Page(NotificationReply);

export const MarkReadBody = Type.Object(
  { up_to_id: Uuid('a notification of yours: it and every older one are marked read') },
  { additionalProperties: false },
);

export const UnreadCountReply = Type.Object({ count: Type.Integer({ minimum: 0 }) });
