// The navigation rail (a bottom tab bar on a phone): where each part of the platform is, the
// unread badge on Notifications, and who is signed in.
import { useLocation } from 'preact-iso';
import { useSession } from '../api/session';
import { Icon, type IconName } from './icons';
import { useUnread } from './unread';

interface Item {
  href: string;
  label: string;
  icon: IconName;
  signedIn?: boolean;
}

const ITEMS: Item[] = [
  { href: '/', label: 'Home', icon: 'home' },
  { href: '/notifications', label: 'Notifications', icon: 'bell', signedIn: true },
  { href: '/people', label: 'People', icon: 'search' },
  { href: '/trending', label: 'Trending', icon: 'trending' },
  { href: '/market', label: 'Marketplace', icon: 'bag' },
  { href: '/architecture', label: 'Architecture', icon: 'grid' },
];

export function Nav() {
  const { me } = useSession();
  const { path } = useLocation();
  const unread = useUnread(me !== null);
  const current = (href: string) => (href === '/' ? path === '/' : path.startsWith(href));
  const items = [
    ...ITEMS.filter((item) => !item.signedIn || me),
    ...(me
      ? [
          { href: `/users/${me.id}`, label: 'Profile', icon: 'user' as const },
          { href: '/settings', label: 'Settings', icon: 'gear' as const },
        ]
      : [{ href: '/sign-in', label: 'Sign in', icon: 'signIn' as const }]),
  ];
  return (
    <header class="rail">
      <a href="/" class="brand" aria-label="Polyglot Social, home">
        <span aria-hidden="true">P</span>
        <span class="brand-name">Polyglot Social</span>
      </a>
      <nav aria-label="Main">
        <ul>
          {items.map((item) => (
            <li key={item.href}>
              <a href={item.href} aria-current={current(item.href) ? 'page' : undefined}>
                <Icon name={item.icon} />
                <span class="label">{item.label}</span>
                {item.href === '/notifications' && unread > 0 && (
                  <span class="badge">
                    <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                    <span class="visually-hidden">{unread} unread</span>
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {me && (
        <p class="signed-in">
          Signed in as <span class="handle">@{me.handle}</span>
        </p>
      )}
    </header>
  );
}
