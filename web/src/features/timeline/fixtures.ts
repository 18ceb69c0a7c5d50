// Tweets as the API sends them, for the timeline's tests.
import type { Tweet } from "../../api/types";

const noEntities = () => ({ hashtags: [], mentions: [], urls: [], cashtags: [] });

export function tweet(id: string, change: Partial<Tweet> = {}): Tweet {
  return {
    id,
    text: `tweet ${id}`,
    author_id: "10",
    created_at: "2026-11-28T12:00:00.000Z",
    conversation_id: id,
    in_reply_to_user_id: null,
    referenced_tweets: [],
    entities: noEntities(),
    public_metrics: { like_count: 3, retweet_count: 1, reply_count: 0, quote_count: 0 },
    author: { id: "10", username: "ada", name: "Ada" },
    viewer: { liked: false, retweeted: false },
    retweeted_tweet: null,
    quoted_tweet: null,
    ...change,
  };
}

/** `retweeter`'s retweet of `original` (the API puts the original's counts on the retweet). */
export function retweetOf(id: string, original: Tweet): Tweet {
  const { retweeted_tweet: _r, quoted_tweet: _q, ...embedded } = original;
  return tweet(id, {
    text: "",
    author_id: "20",
    author: { id: "20", username: "bob", name: "Bob" },
    referenced_tweets: [{ type: "retweeted", id: original.id }],
    public_metrics: original.public_metrics,
    viewer: original.viewer,
    retweeted_tweet: { ...embedded, viewer: original.viewer },
  });
}

/** A fetch Response with a JSON body. */
export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}
