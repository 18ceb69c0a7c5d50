// A tweet's conversation (GET /api/tweets/{id}/conversation): its ancestors up to the thread's root (a
// deleted one keeps its place as "This tweet is unavailable"), the tweet itself, larger, a reply composer,
// and its replies, newest first, page by page.
import { useSignalEffect } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { Includes, Media, Page, Tweet } from "../../api/types";
import { currentUser } from "../../session";
import { errorMessage } from "../../ui/errors";
import { Composer, justPosted } from "./Composer";
import { deletedTweets, seedEngagement } from "./engagement";
import { t } from "./messages";
import { TweetCard } from "./TweetCard";
import { Feed, TweetList } from "./TweetList";

interface Unavailable {
  id: string;
  unavailable: true;
}

interface ConversationAnswer {
  data: { ancestors: (Tweet | Unavailable)[]; tweet: Tweet; replies: Tweet[] };
  meta: { next_cursor: string | null };
  includes?: Includes;
}

function conversation(id: string, cursor?: string): Promise<ConversationAnswer> {
  return api.get<ConversationAnswer>(`/api/tweets/${encodeURIComponent(id)}/conversation`, { cursor });
}

function repliesOf(answer: ConversationAnswer): Page<Tweet> {
  return { data: answer.data.replies, meta: answer.meta, includes: answer.includes };
}

export function ConversationPage({ id }: { id: string }) {
  const [answer, setAnswer] = useState<ConversationAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const focal = useRef<HTMLDivElement>(null);
  // The replies' first page comes with the thread; later pages are read with their cursor.
  const first = useRef<Promise<ConversationAnswer> | null>(null);
  const feed = useMemo(
    () =>
      new Feed(async (cursor) => {
        if (!cursor && first.current) {
          const pending = first.current;
          first.current = null;
          return repliesOf(await pending);
        }
        return repliesOf(await conversation(id, cursor));
      }),
    [id],
  );

  useEffect(() => {
    let live = true;
    setAnswer(null);
    setError(null);
    const pending = conversation(id);
    first.current = pending;
    pending
      .then((found) => {
        if (!live) return;
        seedEngagement([found.data.tweet, ...found.data.ancestors.filter((item): item is Tweet => !("unavailable" in item))]);
        setAnswer(found);
      })
      .catch((failure: unknown) => live && setError(failure));
    return () => {
      live = false;
    };
  }, [id, attempt]);

  // With ancestors above it, the tweet asked for is scrolled into view (as a link to it promises).
  useEffect(() => {
    if (answer?.data.ancestors.length) focal.current?.scrollIntoView({ block: "start" });
  }, [answer]);

  // A reply posted from this page (or from a card on it) shows at once on top of the replies.
  const seenPost = useRef(justPosted.peek());
  useSignalEffect(() => {
    const posted = justPosted.value;
    if (!posted || posted === seenPost.current) return;
    const parent = posted.tweet.referenced_tweets.find((item) => item.type === "replied_to")?.id;
    if (parent === id) feed.prepend([posted.tweet], posted.media);
  });

  const media = useMemo(
    () => new Map<string, Media>((answer?.includes?.media ?? []).map((item) => [item.media_key, item])),
    [answer],
  );
  const deleted = deletedTweets.value;

  if (error) {
    return (
      <section class="conversation" aria-labelledby="conversation-title">
        <h1 id="conversation-title" class="page-title">
          {t("conversation")}
        </h1>
        <div class="list-error" role="alert">
          <p>{errorMessage(error)}</p>
          <button type="button" onClick={() => setAttempt((value) => value + 1)}>
            {t("retry")}
          </button>
        </div>
      </section>
    );
  }
  if (!answer || answer.data.tweet.id !== id) {
    // (also for the one render between a new id and its effect: the old thread is not shown under it)
    return (
      <section class="conversation" aria-labelledby="conversation-title" aria-busy="true">
        <h1 id="conversation-title" class="page-title">
          {t("conversation")}
        </h1>
        <p class="list-loading">
          <span class="tl-spinner" aria-hidden="true" />
        </p>
      </section>
    );
  }
  const { ancestors, tweet } = answer.data;
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <h1 id="conversation-title" class="page-title">
        {t("conversation")}
      </h1>
      {ancestors.length > 0 && (
        <div class="thread-ancestors">
          {ancestors.map((item) =>
            "unavailable" in item || deleted.has(item.id) ? (
              <p key={item.id} class="tweet tweet-unavailable">
                {t("unavailable")}
              </p>
            ) : (
              <TweetCard key={item.id} tweet={item} media={media} />
            ),
          )}
        </div>
      )}
      <div ref={focal} class="thread-focal">
        {deleted.has(tweet.id) ? (
          <p class="tweet tweet-unavailable">{t("unavailable")}</p>
        ) : (
          <TweetCard tweet={tweet} media={media} focal />
        )}
      </div>
      {currentUser.value && !deleted.has(tweet.id) && <Composer replyTo={tweet.retweeted_tweet ?? tweet} />}
      <h2 class="section-title">{t("replies")}</h2>
      <TweetList key={id} load={feed.load} feed={feed} label={t("replies")} empty={t("noReplies")} />
    </section>
  );
}
