// Likes and retweets change on screen at once (optimistic) and are rolled back, with a message, when the
// API refuses them. The state lives in one signal per tweet, shared by every card that shows that tweet
// (a tweet in the home timeline and again as someone's retweet, or in a conversation), so they agree.
// A retweet's likes and retweets are its original's (the API acts on the original), so the state is keyed
// by the original's id.
import { effect, signal, type Signal } from "@preact/signals";
import { api } from "../../api/client";
import type { EmbeddedTweet, Tweet } from "../../api/types";
import { currentUser } from "../../session";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { t } from "./messages";

export interface Engagement {
  liked: boolean;
  retweeted: boolean;
  likeCount: number;
  retweetCount: number;
  replyCount: number;
  /** A like or retweet request is on its way: a second click waits for it. */
  pending: boolean;
}

interface Entry {
  state: Signal<Engagement>;
  /** The reader acted on it in this session: the counts the server sends may trail (they settle in about
   * a second), so a later page's copy does not overwrite what the reader did. */
  touched: boolean;
}

const entries = new Map<string, Entry>();

/** Tweets deleted in this session: every list drops them at once. */
export const deletedTweets = signal<ReadonlySet<string>>(new Set());

export function markDeleted(id: string): void {
  deletedTweets.value = new Set([...deletedTweets.value, id]);
}

/** The tweet whose likes and retweets a card acts on: a retweet's original, else the tweet itself. */
export function targetOf(tweet: Tweet | EmbeddedTweet): Tweet | EmbeddedTweet {
  return "retweeted_tweet" in tweet && tweet.retweeted_tweet ? tweet.retweeted_tweet : tweet;
}

function fromServer(tweet: Tweet | EmbeddedTweet, viewer: Tweet["viewer"]): Engagement {
  return {
    liked: viewer?.liked ?? false,
    retweeted: viewer?.retweeted ?? false,
    likeCount: tweet.public_metrics.like_count,
    retweetCount: tweet.public_metrics.retweet_count,
    replyCount: tweet.public_metrics.reply_count,
    pending: false,
  };
}

function viewerOf(tweet: Tweet | EmbeddedTweet): Tweet["viewer"] {
  // A retweet carries the viewer's state of its original on itself; its embedded original may not.
  const target = targetOf(tweet);
  return target !== tweet ? tweet.viewer : target.viewer;
}

/** The shared state of the tweet a card shows (a retweet: its original's, with the viewer's state of it).
 * Safe to call while rendering: it only creates a missing state, never changes one. */
export function engagementOf(tweet: Tweet | EmbeddedTweet): Signal<Engagement> {
  const target = targetOf(tweet);
  const known = entries.get(target.id);
  if (known) return known.state;
  const entry: Entry = { state: signal(fromServer(target, viewerOf(tweet))), touched: false };
  entries.set(target.id, entry);
  return entry.state;
}

/** A page arrived: the tweets the reader has not acted on take the server's newer state. Called when
 * the page arrives (never while rendering, where changing a signal others read would re-render them). */
export function seedEngagement(tweets: Iterable<Tweet | EmbeddedTweet>): void {
  for (const tweet of tweets) {
    const target = targetOf(tweet);
    const known = entries.get(target.id);
    const viewer = viewerOf(tweet);
    if (!known) {
      entries.set(target.id, { state: signal(fromServer(target, viewer)), touched: false });
      continue;
    }
    if (known.touched || known.state.value.pending || !viewer) continue;
    const fresh = fromServer(target, viewer);
    const now = known.state.value;
    if (
      fresh.liked !== now.liked ||
      fresh.retweeted !== now.retweeted ||
      fresh.likeCount !== now.likeCount ||
      fresh.retweetCount !== now.retweetCount ||
      fresh.replyCount !== now.replyCount
    )
      known.state.value = fresh;
  }
}

/** A reply was posted to this tweet: its reply count goes up at once. */
export function countReply(tweetId: string): void {
  const entry = entries.get(tweetId);
  if (entry) {
    entry.touched = true;
    entry.state.value = { ...entry.state.value, replyCount: entry.state.value.replyCount + 1 };
  }
}

async function optimistic(
  tweetId: string,
  change: (state: Engagement) => Partial<Engagement>,
  request: () => Promise<unknown>,
  failure: string,
): Promise<boolean> {
  const entry = entries.get(tweetId);
  if (!entry || entry.state.value.pending) return false;
  entry.touched = true;
  const before = entry.state.value;
  entry.state.value = { ...before, ...change(before), pending: true };
  try {
    await request();
    entry.state.value = { ...entry.state.value, pending: false };
    return true;
  } catch (error) {
    // Back to what it was before this click (counts included), and say why.
    entry.state.value = { ...before, pending: false };
    toast(`${failure} ${errorMessage(error)}`, "error");
    return false;
  }
}

/** Likes or unlikes the tweet (a retweet: its original); resolves false when it was rolled back. */
export function toggleLike(tweet: Tweet | EmbeddedTweet): Promise<boolean> {
  const target = targetOf(tweet);
  const state = engagementOf(tweet).value;
  const like = !state.liked;
  const path = `/api/tweets/${encodeURIComponent(target.id)}/like`;
  return optimistic(
    target.id,
    (now) => ({ liked: like, likeCount: Math.max(0, now.likeCount + (like ? 1 : -1)) }),
    () => (like ? api.post(path) : api.del(path)),
    like ? t("likeFailed") : t("unlikeFailed"),
  );
}

/** Retweets or undoes the retweet; resolves false when it was rolled back. */
export function toggleRetweet(tweet: Tweet | EmbeddedTweet): Promise<boolean> {
  const target = targetOf(tweet);
  const state = engagementOf(tweet).value;
  const retweet = !state.retweeted;
  const path = `/api/tweets/${encodeURIComponent(target.id)}/retweet`;
  return optimistic(
    target.id,
    (now) => ({ retweeted: retweet, retweetCount: Math.max(0, now.retweetCount + (retweet ? 1 : -1)) }),
    () => (retweet ? api.post(path) : api.del(path)),
    retweet ? t("retweetFailed") : t("unretweetFailed"),
  );
}

/** Forgets every tweet's state (signing out, tests). */
export function resetEngagement(): void {
  entries.clear();
  deletedTweets.value = new Set();
}

// Another reader signing in must not see the previous one's likes and retweets.
let reader: string | null | undefined;
effect(() => {
  const id = currentUser.value?.id ?? null;
  if (reader !== undefined && id !== reader) resetEngagement();
  reader = id;
});
