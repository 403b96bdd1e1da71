// Replies of routes the server adds in its next version (reposts, notifications, comment
// editing), typed by hand until schema.d.ts is regenerated from a server that has them;
// calls go through client.request.
import type { ProfileSummary } from './types';

/** What a post in a list carries once reposts exist. */
export interface RepostFields {
  reposted_by?: ProfileSummary | null;
  user_has_reposted?: boolean;
}

export interface Notification {
  id: string | number;
  kind: string;
  actor: ProfileSummary;
  /** The post it is about, with the beginning of its text; null for a follow. */
  post: { id: string; excerpt?: string } | null;
  created_at: string;
  read: boolean;
}

export interface NotificationPage {
  items: Notification[];
  next_cursor: string | null;
}
