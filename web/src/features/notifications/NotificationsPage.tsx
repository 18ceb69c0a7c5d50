// Notifications as the API groups them ("ada, bob and 12 others liked your tweet"), newest change first.
// Viewing the page marks what it shows as read (up to the newest one shown), and the unread marks stay on
// screen until one leaves, so a person still sees what was new. New notifications arrive over the
// WebSocket (live.ts) and are put on top, or replace the group they updated.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { LiveNotification, Notification, Page, Tweet } from "../../api/types";
import { formatDate, formatRelative } from "../../i18n";
import { onNotification, unreadCount } from "../../live";
import { Link } from "../../router";
import { Avatar } from "../../ui/Avatar";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { notificationSentence, t } from "./messages";

const ICONS: Record<Notification["kind"], string> = {
  like: "♥",
  retweet: "⟲",
  follow: "+",
  reply: "↩",
  quote: "❝",
  mention: "@",
};

type UnreadAnswer = { data: { unread_count: number } };

/** Tells the API everything up to `upToId` (or all, without it) is read; the badge takes its answer. */
export async function markRead(upToId?: string): Promise<void> {
  const answer = await api.post<UnreadAnswer>("/api/notifications/read", upToId ? { up_to_id: upToId } : {});
  unreadCount.value = answer?.data?.unread_count ?? 0;
}

/** A live message's notification in the page's shape (its tweet is read separately when new). */
export function fromLive(live: LiveNotification, known?: Notification): Notification {
  return {
    id: live.id,
    kind: live.kind,
    count: live.count,
    actors: live.actors,
    tweet: known?.tweet ?? null,
    updated_at: new Date(live.updated_at_ms).toISOString(),
    read: live.read,
  };
}

/** The list with `item` on top, replacing the notification of the same id (a group that grew). */
export function merged(items: Notification[], item: Notification): Notification[] {
  return [item, ...items.filter((other) => other.id !== item.id)];
}

export function NotificationsPage() {
  const [items, setItems] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<"loading" | "ready" | "more" | "failed">("loading");
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const markTimer = useRef<ReturnType<typeof setTimeout>>();
  const sentinel = useRef<HTMLDivElement>(null);

  // The first page; what it shows is read from now on.
  useEffect(() => {
    let live = true;
    setState("loading");
    api
      .get<Page<Notification>>("/api/notifications", { limit: 20 })
      .then((page) => {
        if (!live) return;
        setItems(page.data);
        setCursor(page.meta.next_cursor);
        setState("ready");
        const newest = page.data[0];
        if (newest && page.data.some((item) => !item.read)) markRead(newest.id).catch(() => undefined);
      })
      .catch((error: unknown) => {
        if (!live) return;
        setProblem(errorMessage(error));
        setState("failed");
      });
    return () => {
      live = false;
    };
  }, [attempt]);

  // Live: a new or grown group goes on top; it is read at once since the page is open (a second later, so
  // a burst of likes is one request).
  useEffect(() => {
    const stop = onNotification((notification) => {
      setItems((current) => merged(current, fromLive(notification, current.find((item) => item.id === notification.id))));
      const tweetId = notification.tweet_id;
      if (tweetId) {
        api
          .get<{ data: Tweet }>(`/api/tweets/${tweetId}`)
          .then((answer) =>
            setItems((current) => current.map((item) => (item.id === notification.id ? { ...item, tweet: answer.data } : item))),
          )
          .catch(() => undefined);
      }
      if (document.visibilityState !== "hidden") {
        clearTimeout(markTimer.current);
        markTimer.current = setTimeout(() => markRead(notification.id).catch(() => undefined), 1000);
      }
    });
    return () => {
      stop();
      clearTimeout(markTimer.current);
    };
  }, []);

  const loadMore = async () => {
    if (!cursor || state === "more") return;
    setState("more");
    try {
      const page = await api.get<Page<Notification>>("/api/notifications", { limit: 20, cursor });
      setItems((current) => [...current, ...page.data.filter((item) => !current.some((other) => other.id === item.id))]);
      setCursor(page.meta.next_cursor);
    } catch (error) {
      toast(errorMessage(error), "error");
    } finally {
      setState("ready");
    }
  };

  // Infinite scroll: the next page when the end of the list comes into view (the button stays, for keyboards).
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !cursor || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && void loadMore());
    observer.observe(element);
    return () => observer.disconnect();
  }, [cursor, state]);

  const markAll = async () => {
    try {
      await markRead();
      setItems((current) => current.map((item) => ({ ...item, read: true })));
      toast(t("allRead"));
    } catch (error) {
      toast(errorMessage(error), "error");
    }
  };

  return (
    <div class="notifications-page">
      <header class="page-header notifications-header">
        <h1>{t("title")}</h1>
        <button type="button" onClick={markAll}>
          {t("markAll")}
        </button>
      </header>
      {state === "loading" ? (
        <p class="notice" aria-busy="true">
          …
        </p>
      ) : state === "failed" ? (
        <div class="notice" role="alert">
          <p>{problem}</p>
          <button type="button" onClick={() => setAttempt(attempt + 1)}>
            {t("retry")}
          </button>
        </div>
      ) : items.length === 0 ? (
        <p class="notice">{t("empty")}</p>
      ) : (
        <div role="feed" aria-label={t("list")} aria-busy={state === "more"} class="notification-list">
          {items.map((item, index) => (
            <NotificationItem key={item.id} notification={item} position={index + 1} total={cursor ? -1 : items.length} />
          ))}
        </div>
      )}
      {cursor && state !== "loading" ? (
        <div ref={sentinel} class="more-row">
          <button type="button" onClick={loadMore} disabled={state === "more"}>
            {t("loadMore")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

export function NotificationItem({ notification, position, total }: { notification: Notification; position?: number; total?: number }) {
  const { tweet } = notification;
  const sentence = notificationSentence(notification);
  const href = tweet ? `/t/${tweet.id}` : notification.actors[0] ? `/u/${encodeURIComponent(notification.actors[0].username)}` : "/notifications";
  const headingId = `notification-${notification.id}`;
  return (
    <article
      data-testid="notification"
      data-kind={notification.kind}
      class={notification.read ? "notification" : "notification is-unread"}
      aria-labelledby={headingId}
      aria-posinset={position}
      aria-setsize={total}
    >
      <span class={`notification-icon notification-${notification.kind}`} aria-hidden="true">
        {ICONS[notification.kind]}
      </span>
      <div class="notification-body">
        <div class="notification-actors" aria-hidden="true">
          {notification.actors.slice(0, 3).map((actor) => (
            <Avatar key={actor.id} user={actor} size={32} />
          ))}
        </div>
        <p class="notification-sentence" id={headingId}>
          {notification.read ? null : <span class="visually-hidden">{t("unread")}: </span>}
          <Link href={href}>{sentence}</Link>{" "}
          <time class="muted" dateTime={notification.updated_at} title={formatDate(notification.updated_at)}>
            · {formatRelative(notification.updated_at)}
          </time>
        </p>
        {tweet ? (
          <p class="notification-tweet muted" dir="auto">
            {snippet(tweet.retweeted_tweet?.text ?? tweet.text)}
          </p>
        ) : null}
      </div>
    </article>
  );
}

function snippet(text: string, max = 140): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}
