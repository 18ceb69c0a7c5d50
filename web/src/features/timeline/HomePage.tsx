// The home timeline: the composer on top, then the reader's timeline. New entries are announced over the
// WebSocket (live.ts's newTweets: the API's home_timeline message) as a "Show N new tweets" bar; clicking
// it reads the first page again (pages are newest first) and puts the entries not shown yet on top,
// without moving what the reader is looking at: when the page is scrolled, the window scrolls down by the
// height that was inserted above, and a live region says how many were added.
import { useSignalEffect } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { Page, Tweet } from "../../api/types";
import { clearNewTweets, newTweets } from "../../live";
import { sessionToken } from "../../session";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { Composer, justPosted } from "./Composer";
import { t } from "./messages";
import { Feed, TweetList } from "./TweetList";

const readHome = (cursor?: string) => api.get<Page<Tweet>>("/api/timeline", { cursor });

// A reload on the home page asks for the timeline's first page as soon as the session has its token, beside
// /users/me rather than after it: one round trip less before the first tweet shows (main.tsx calls
// prefetchHome). Used once, by the first read of the first page; a failed early read is simply made again.
let early: Promise<Page<Tweet>> | null = null;

export function prefetchHome(): void {
  early = sessionToken.then((restored) => (restored ? readHome() : Promise.reject(new Error("signed out"))));
  early.catch(() => undefined);
}

function loadHome(cursor?: string): Promise<Page<Tweet>> {
  if (cursor || !early) return readHome(cursor);
  const prefetched = early;
  early = null;
  return prefetched.catch(() => readHome());
}

/** Keeps the reader's viewport still while content is inserted above it: measures an anchor (the first
 * tweet below the top of the viewport) before the change and scrolls by how far it moved after. */
function useScrollAnchor(list: { current: HTMLElement | null }) {
  const pending = useRef<{ element: Element; top: number } | null>(null);
  const [tick, setTick] = useState(0);
  useLayoutEffect(() => {
    const anchor = pending.current;
    pending.current = null;
    if (!anchor) return;
    const moved = anchor.element.getBoundingClientRect().top - anchor.top;
    if (moved) window.scrollBy(0, moved);
  }, [tick]);
  return {
    /** Call right before inserting: remembers where the first visible tweet is. */
    hold() {
      if (window.scrollY <= 0) return; // at the top: show the new tweets where the reader is looking
      const articles = list.current?.querySelectorAll('[data-testid="tweet"]') ?? [];
      for (const element of Array.from(articles)) {
        const top = element.getBoundingClientRect().top;
        if (top >= 0) {
          pending.current = { element, top };
          return;
        }
      }
    },
    /** Call once the insertion has been made: the layout effect corrects the scroll after rendering. */
    release() {
      setTick((value) => value + 1);
    },
  };
}

export function HomePage() {
  const feed = useMemo(() => new Feed(loadHome), []);
  const list = useRef<HTMLDivElement>(null);
  const anchor = useScrollAnchor(list);
  const [loadingNew, setLoadingNew] = useState(false);
  const [announcement, setAnnouncement] = useState("");

  // The page reads the newest entries now: what was announced before is in them.
  const seenPost = useRef(justPosted.peek());
  useEffect(() => clearNewTweets(), []);

  // The reader's own post shows at once on top (the timeline has it too, deduplicated when read).
  useSignalEffect(() => {
    const posted = justPosted.value;
    if (posted && posted !== seenPost.current && !posted.tweet.referenced_tweets.some((item) => item.type === "retweeted")) {
      feed.prepend([posted.tweet], posted.media);
    }
  });

  const pendingNew = newTweets.value;
  // An announced entry already on the list (the reader's own tweet, shown at once) needs no bar.
  const showBar = pendingNew.count > 0 && !(pendingNew.newestId && feed.has(pendingNew.newestId));

  const showNew = async () => {
    setLoadingNew(true);
    try {
      const page = await readHome();
      anchor.hold();
      const added = feed.prepend(page.data, page.includes?.media);
      anchor.release();
      clearNewTweets();
      setAnnouncement(added ? t("newTweetsShown", { count: added }) : t("noNewTweets"));
    } catch (error) {
      toast(errorMessage(error), "error");
    } finally {
      setLoadingNew(false);
    }
  };

  return (
    <section class="home" aria-labelledby="home-title">
      <h1 id="home-title" class="page-title">
        {t("homeTitle")}
      </h1>
      <Composer />
      <div class="new-tweets-slot">
        {showBar && (
          <button
            type="button"
            class="new-tweets-bar"
            data-testid="new-tweets-bar"
            disabled={loadingNew}
            onClick={() => void showNew()}
          >
            {t("newTweets", { count: pendingNew.count })}
          </button>
        )}
      </div>
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div ref={list}>
        <TweetList load={loadHome} feed={feed} label={t("homeTimeline")} empty={t("homeEmpty")} />
      </div>
    </section>
  );
}
