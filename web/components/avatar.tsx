// A person's picture, or their initial when they have none (or it fails to load).
import { useState } from 'preact/hooks';
import type { ProfileSummary } from '../api/types';

export function Avatar({ person, size = 40 }: { person: ProfileSummary; size?: number }) {
  const [broken, setBroken] = useState(false);
  const initial = [...(person.name.trim() || person.handle)][0]?.toUpperCase() ?? '?';
  const style = { width: `${size}px`, height: `${size}px` };
  if (person.avatar_url && !broken) {
    return (
      <img
        class="avatar"
        src={person.avatar_url}
        alt=""
        style={style}
        loading="lazy"
        referrerpolicy="no-referrer"
        onError={() => setBroken(true)}
      />
    );
  }
  return (
    <span class="avatar avatar-initial" style={style} aria-hidden="true">
      {initial}
    </span>
  );
}

/** Avatar, name and @handle, linking to the profile. */
export function PersonLine({
  person,
  children,
}: {
  person: ProfileSummary;
  children?: preact.ComponentChildren;
}) {
  return (
    <div class="person-line">
      <a href={`/users/${person.id}`} class="person-link">
        <Avatar person={person} />
        <span class="person-names">
          <span class="person-name">{person.name}</span>
          <span class="handle">@{person.handle}</span>
        </span>
      </a>
      {children}
    </div>
  );
}
