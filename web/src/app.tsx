// The app's shell: a skip link, the main navigation, the page the URL names, a sidebar (search and
// trends), and the toasts. Pages other than the home timeline load on demand (ui/lazy.tsx).
import { effect } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { AuthPage } from "./features/auth/AuthPage";
import { HomePage } from "./features/timeline/HomePage";
import { startLive, stopLive, unreadCount } from "./live";
import { Link, matchPath, navigate, path } from "./router";
import { currentUser, logOut } from "./session";
import { icon, NAV_ICONS } from "./ui/icons";
import { lazyComponent } from "./ui/lazy";
import { t } from "./ui/messages";
import { Toasts } from "./ui/toast";

const ProfilePage = lazyComponent(() => import("./features/profile/ProfilePage").then((m) => m.ProfilePage));
const ConversationPage = lazyComponent(() =>
  import("./features/timeline/ConversationPage").then((m) => m.ConversationPage),
);
const SearchPage = lazyComponent(() => import("./features/search/SearchPage").then((m) => m.SearchPage));
const NotificationsPage = lazyComponent(() =>
  import("./features/notifications/NotificationsPage").then((m) => m.NotificationsPage),
);
const SettingsPage = lazyComponent(() => import("./features/settings/SettingsPage").then((m) => m.SettingsPage));
const SearchBox = lazyComponent(() => import("./features/search/SearchBox").then((m) => m.SearchBox));
const TrendsPanel = lazyComponent(() => import("./features/search/TrendsPanel").then((m) => m.TrendsPanel));

effect(() => {
  if (currentUser.value) startLive();
  else if (currentUser.value === null) stopLive();
});

export function App() {
  const user = currentUser.value;
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const current = path.value;
  useEffect(() => {
    // After an in-app navigation, focus moves to the new page, as a page load would put it.
    if (first.current) first.current = false;
    else mainRef.current?.focus();
  }, [current]);
  if (user === undefined) {
    return (
      <main id="main" class="boot" aria-busy="true">
        <p>{t("loading")}</p>
      </main>
    );
  }
  return (
    <>
      <a class="skip-link" href="#main">
        {t("skip")}
      </a>
      <div class={user ? "layout" : "layout layout-signed-out"}>
        <header class="masthead">
          <Link href="/" class="brand" aria-label="Chirp">
            <span aria-hidden="true">🐦</span>
          </Link>
          {user && <MainNav username={user.username} />}
        </header>
        <main id="main" ref={mainRef} tabIndex={-1}>
          <Page />
        </main>
        <aside class="sidebar">
          <SearchBox />
          <TrendsPanel />
        </aside>
      </div>
      <Toasts />
    </>
  );
}

function MainNav({ username }: { username: string }) {
  const unread = unreadCount.value;
  const here = path.value;
  // A link's accessible name starts with its visible label (WCAG 2.5.3): the unread count is read as ", N unread"
  // after "Notifications" from visually hidden text, and the badge's bare number is hidden from screen readers.
  const item = (href: string, iconPath: string, label: string, extra?: preact.ComponentChildren) => (
    <li>
      <Link href={href} aria-current={here === href ? "page" : undefined}>
        <span class="nav-icon" aria-hidden="true">
          {icon(iconPath, { size: 24 })}
        </span>
        <span class="nav-label">{label}</span>
        {extra}
      </Link>
    </li>
  );
  return (
    <nav aria-label={t("mainNav")} class="main-nav">
      <ul>
        {item("/", NAV_ICONS.home, t("home"))}
        {item("/search", NAV_ICONS.search, t("search"))}
        {item(
          "/notifications",
          NAV_ICONS.notifications,
          t("notifications"),
          unread > 0 ? (
            <>
              <span class="badge" data-testid="unread-badge" aria-hidden="true">
                {unread > 99 ? "99+" : unread}
              </span>
              <span class="visually-hidden">{t("unreadSuffix", { count: unread > 99 ? "99+" : unread })}</span>
            </>
          ) : null,
        )}
        {item(`/u/${username}`, NAV_ICONS.profile, t("profile"))}
        {item("/settings", NAV_ICONS.settings, t("settings"))}
        <li>
          <button type="button" class="nav-button" onClick={() => void logOut().then(() => navigate("/"))}>
            <span class="nav-icon" aria-hidden="true">
              {icon(NAV_ICONS.logOut, { size: 24 })}
            </span>
            <span class="nav-label">{t("logOut")}</span>
          </button>
        </li>
      </ul>
    </nav>
  );
}

function Page() {
  const user = currentUser.value;
  const current = path.value;
  let params: Record<string, string> | null;
  if (current === "/") return user ? <HomePage /> : <AuthPage mode="signup" />;
  if (current === "/login" || current === "/signup") {
    if (user) {
      queueMicrotask(() => navigate("/", { replace: true }));
      return null;
    }
    return <AuthPage mode={current === "/login" ? "login" : "signup"} />;
  }
  if ((params = matchPath("/u/:username", current))) return <ProfilePage username={params.username} tab="tweets" />;
  if ((params = matchPath("/u/:username/likes", current))) return <ProfilePage username={params.username} tab="likes" />;
  if ((params = matchPath("/t/:id", current))) return <ConversationPage id={params.id} />;
  if (current === "/search") return <SearchPage />;
  if (current === "/notifications" || current === "/settings") {
    if (!user) return <AuthPage mode="login" />;
    return current === "/notifications" ? <NotificationsPage /> : <SettingsPage />;
  }
  return (
    <section class="notice">
      <h1>{t("notFoundPage")}</h1>
      <Link href="/">{t("goHome")}</Link>
    </section>
  );
}
