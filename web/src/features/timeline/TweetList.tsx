// A list of tweets read page by page: an ARIA feed that loads the next page as its end scrolls near (an
// IntersectionObserver on a sentinel), with a "Load more" button for when that does not fire (no observer,
// keyboard users, a short page). An original shows once: the home timeline may show it again on a later
// page through another entry (a retweet of it, say), and the API leaves that to the client.
import { batch, signal, type Signal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { Media, Page, Tweet } from "../../api/types";
import { errorMessage } from "../../ui/errors";
import { deletedTweets, seedEngagement } from "./engagement";
import { t } from "./messages";
import { TweetCard } from "./TweetCard";

export type Loader = (cursor?: string) => Promise<Page<Tweet>>;

/** The original a list entry shows: a retweet's original, else the tweet itself. */
function originalId(tweet: Tweet): string {
  return tweet.retweeted_tweet?.id ?? tweet.id;
}

/** A list's state, outside the component so a page (the home timeline) can put tweets on top of it. */
export class Feed {
  readonly tweets: Signal<Tweet[]> = signal([]);
  readonly media: Signal<ReadonlyMap<string, Media>> = signal(new Map());
  readonly cursor = signal<string | null>(null);
  readonly loading = signal(false);
  readonly started = signal(false);
  readonly error = signal<unknown>(null);
  private shown = new Set<string>();
  private generation = 0;

  constructor(public load: Loader) {}

  /** The entries of `tweets` not shown yet (by entry and by original), each original once. */
  fresh(tweets: Tweet[]): Tweet[] {
    const seen = new Set(this.shown);
    const kept: Tweet[] = [];
    for (const tweet of tweets) {
      const original = originalId(tweet);
      if (seen.has(tweet.id) || seen.has(original)) continue;
      seen.add(tweet.id);
      seen.add(original);
      kept.push(tweet);
    }
    return kept;
  }

  private remember(tweets: Tweet[], media: Media[] | undefined): void {
    for (const tweet of tweets) {
      this.shown.add(tweet.id);
      this.shown.add(originalId(tweet));
    }
    if (media?.length) {
      const merged = new Map(this.media.value);
      for (const item of media) merged.set(item.media_key, item);
      this.media.value = merged;
    }
    seedEngagement(tweets);
  }

  /** Reads the next page (the first when nothing is shown yet). */
  async more(): Promise<void> {
    if (this.loading.value || (this.started.value && !this.cursor.value)) return;
    const generation = this.generation;
    this.loading.value = true;
    this.error.value = null;
    try {
      const page = await this.load(this.cursor.value ?? undefined);
      if (generation !== this.generation) return;
      const added = this.fresh(page.data);
      batch(() => {
        this.remember(added, page.includes?.media);
        this.tweets.value = [...this.tweets.value, ...added];
        this.cursor.value = page.meta.next_cursor;
        this.started.value = true;
      });
    } catch (error) {
      if (generation === this.generation) this.error.value = error;
    } finally {
      if (generation === this.generation) this.loading.value = false;
    }
  }

  /** Puts tweets on top (newest first), those not shown yet; answers how many were added. */
  prepend(tweets: Tweet[], media?: Media[]): number {
    const added = this.fresh(tweets);
    if (!added.length) return 0;
    batch(() => {
      this.remember(added, media);
      this.tweets.value = [...added, ...this.tweets.value];
    });
    return added.length;
  }

  /** Whether this entry (or its original) is on the list. */
  has(id: string): boolean {
    return this.shown.has(id);
  }

  remove(id: string): void {
    this.tweets.value = this.tweets.value.filter((tweet) => tweet.id !== id && originalId(tweet) !== id);
  }

  reset(load?: Loader): void {
    if (load) this.load = load;
    this.generation += 1;
    this.shown = new Set();
    batch(() => {
      this.tweets.value = [];
      this.media.value = new Map();
      this.cursor.value = null;
      this.loading.value = false;
      this.started.value = false;
      this.error.value = null;
    });
  }
}

export interface TweetListProps {
  load: Loader;
  /** The feed's accessible name ("Home timeline", "Tweets", "Likes", "Search results"). */
  label: string;
  /** Shown when the list has no tweets at all. */
  empty?: string;
  /** A feed the page holds (to put tweets on top of it); else the list keeps its own. */
  feed?: Feed;
}

export function TweetList({ load, label, empty, feed: given }: TweetListProps) {
  const feed = useMemo(() => given ?? new Feed(load), [given]);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!feed.started.value && !feed.loading.value) void feed.more();
  }, [feed]);

  // Observed again after each page: a page too short to push the sentinel out of view reads the next.
  const count = feed.tweets.value.length;
  useEffect(() => {
    const element = sentinel.current;
    if (!element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting) && !feed.error.value) void feed.more();
      },
      { rootMargin: "800px 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [feed, count]);

  const deleted = deletedTweets.value;
  const tweets = feed.tweets.value.filter((tweet) => !deleted.has(tweet.id) && !deleted.has(originalId(tweet)));
  const media = feed.media.value;
  const loading = feed.loading.value;
  const error = feed.error.value;
  const more = !!feed.cursor.value;
  const total = more ? -1 : tweets.length;
  return (
    <div class="tweet-list">
      <div role="feed" aria-label={label} aria-busy={loading}>
        {tweets.map((tweet, index) => (
          <TweetCard
            key={tweet.id}
            tweet={tweet}
            media={media}
            onDeleted={(id) => feed.remove(id)}
            position={index + 1}
            setSize={total}
          />
        ))}
      </div>
      {error !== null && (
        <div class="list-error" role="alert">
          <p>
            {t("loadFailed")} {errorMessage(error)}
          </p>
          <button type="button" onClick={() => void feed.more()}>
            {t("retry")}
          </button>
        </div>
      )}
      {!error && feed.started.value && !tweets.length && !more && <p class="list-empty">{empty ?? t("empty")}</p>}
      {loading && (
        <p class="list-loading" aria-hidden="true">
          <span class="tl-spinner" />
        </p>
      )}
      <div ref={sentinel} class="list-sentinel" />
      {!loading && !error && more && (
        <button type="button" class="load-more" onClick={() => void feed.more()}>
          {t("loadMore")}
        </button>
      )}
    </div>
  );
}
