// The shell every page shares (after Bluesky's and Mastodon's web apps): a navigation rail on the
// left (a tab bar at the bottom on a phone), one centre column, and on wide screens a right
// column with search and whom to follow. Each page is its own chunk, loaded when first visited.

import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from 'preact-iso';
import { useSession } from './api/session';
import { Aside } from './components/aside';
import { Nav } from './components/nav';
import Home from './pages/home/home';
// Home shows trending to visitors: it ships with the first page.
import Trending from './pages/trending/trending';

const page = <T,>(load: () => Promise<{ default: T }>) => lazy(() => load().then((m) => m.default));

const SignIn = page(() => import('./pages/sign-in/sign-in'));
const SignUp = page(() => import('./pages/sign-up/sign-up'));
const Settings = page(() => import('./pages/settings/settings'));
const PostPage = page(() => import('./pages/post/post'));
const ProfilePage = page(() => import('./pages/profile/profile'));
const People = page(() => import('./pages/people/people'));
const Notifications = page(() => import('./pages/notifications/notifications'));
const Market = page(() => import('./pages/market/market'));
const Cart = page(() => import('./pages/cart/cart'));
const WalletPage = page(() => import('./pages/wallet/wallet'));
const Orders = page(() => import('./pages/orders/orders'));
const Events = page(() => import('./pages/events/events'));
const Architecture = page(() => import('./pages/architecture/architecture'));
const NotFound = page(() => import('./pages/not-found/not-found'));

/** "/" jumps to people search, "n" to the post composer, unless the reader is typing. */
function useShortcuts() {
  const { route } = useLocation();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select')) return;
      if (event.key === '/') {
        event.preventDefault();
        const search = document.getElementById('people-search');
        if (search) search.focus();
        else route('/people');
      } else if (event.key === 'n') {
        const composer = document.getElementById('field-content');
        if (composer) {
          event.preventDefault();
          composer.focus();
        }
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [route]);
}

/** Moves focus to the page's heading after a navigation, so a screen reader hears the new page. */
function onRouteChange() {
  requestAnimationFrame(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  });
}

function Shell() {
  const { loading } = useSession();
  useShortcuts();
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Nav />
      <main id="main" class="centre">
        {loading ? null : (
          <ErrorBoundary>
            <Router onRouteChange={onRouteChange}>
              <Route path="/" component={Home} />
              <Route path="/sign-in" component={SignIn} />
              <Route path="/sign-up" component={SignUp} />
              <Route path="/settings" component={Settings} />
              <Route path="/posts/:id" component={PostPage} />
              <Route path="/users/:id" component={ProfilePage} />
              <Route path="/users/:id/:list" component={ProfilePage} />
              <Route path="/people" component={People} />
              <Route path="/notifications" component={Notifications} />
              <Route path="/trending" component={Trending} />
              <Route path="/market" component={Market} />
              <Route path="/market/cart" component={Cart} />
              <Route path="/market/wallet" component={WalletPage} />
              <Route path="/market/orders" component={Orders} />
              <Route path="/market/events" component={Events} />
              <Route path="/market/events/:id" component={Events} />
              <Route path="/architecture" component={Architecture} />
              <Route default component={NotFound} />
            </Router>
          </ErrorBoundary>
        )}
      </main>
      <Aside />
    </div>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}
