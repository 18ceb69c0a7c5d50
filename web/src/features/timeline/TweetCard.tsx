// One tweet as lists show it: who wrote it and when, what it answers, its text, media and quoted tweet,
// and its actions. A retweet shows its original (with the original's counts: the ones that matter) under
// "<name> retweeted". Every action is a real button; likes and retweets are optimistic (engagement.ts).
import { useSignal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { EmbeddedTweet, Media, Tweet, User } from "../../api/types";
import { formatDate, formatNumber } from "../../i18n";
import { Link, navigate } from "../../router";
import { currentUser } from "../../session";
import { Avatar } from "../../ui/Avatar";
import { errorMessage } from "../../ui/errors";
import { Modal } from "../../ui/Modal";
import { toast } from "../../ui/toast";
import { Composer } from "./Composer";
import { engagementOf, markDeleted, targetOf, toggleLike, toggleRetweet } from "./engagement";
import { MediaGrid, mediaOf } from "./MediaGrid";
import { t } from "./messages";
import { RelativeTime } from "./RelativeTime";
import { TweetText } from "./TweetText";
import { icon } from "../../ui/icons";

type AnyTweet = Tweet | EmbeddedTweet;

export interface TweetCardProps {
  tweet: Tweet;
  /** The answer's includes.media (an array or a map by media_key). */
  media?: Media[] | ReadonlyMap<string, Media>;
  onDeleted?: (id: string) => void;
  /** The conversation's own tweet: larger text, the full date. */
  focal?: boolean;
  /** Called with a tweet the reader posted from this card (a reply or a quote). */
  onPosted?: (tweet: Tweet, media: Media[]) => void;
  /** Its place in a feed (aria-posinset; aria-setsize -1 while more pages may come). */
  position?: number;
  setSize?: number;
}

export function TweetCard({ tweet, media, onDeleted, focal = false, onPosted, position, setSize }: TweetCardProps) {
  const shown: AnyTweet = targetOf(tweet);
  const isRetweet = shown !== tweet;
  const authorLineId = `tweet-${tweet.id}-author`;
  const bannerId = `tweet-${tweet.id}-context`;
  const quotedId = shown.referenced_tweets.find((item) => item.type === "quoted")?.id;
  const quoted = !isRetweet ? tweet.quoted_tweet : undefined; // an embedded original carries no quoted tweet
  return (
    <article
      class={focal ? "tweet tweet-focal" : "tweet"}
      data-testid="tweet"
      data-tweet-id={tweet.id}
      data-original-id={isRetweet ? shown.id : undefined}
      aria-labelledby={isRetweet ? `${bannerId} ${authorLineId}` : authorLineId}
      aria-posinset={position}
      aria-setsize={position === undefined ? undefined : setSize}
    >
      {isRetweet && (
        <p class="tweet-context" id={bannerId}>
          <RetweetIcon />
          <Link href={`/u/${encodeURIComponent(tweet.author.username)}`}>{t("retweeted", { name: tweet.author.name })}</Link>
        </p>
      )}
      <div class="tweet-row">
        <Link href={`/u/${encodeURIComponent(shown.author.username)}`} class="tweet-avatar" tabIndex={-1} aria-hidden="true">
          <Avatar user={shown.author} size={focal ? 56 : 48} />
        </Link>
        <div class="tweet-main">
          <AuthorLine tweet={shown} id={authorLineId} />
          <ReplyContext tweet={shown} />
          {shown.text && <TweetText text={shown.text} entities={shown.entities} class={focal ? "tweet-text tweet-text-focal" : "tweet-text"} />}
          <MediaGrid media={mediaOf(shown.attachments?.media_keys, media)} />
          {focal && (
            <p class="tweet-date">
              <time dateTime={shown.created_at}>{formatDate(shown.created_at)}</time>
            </p>
          )}
          {quotedId && <QuotedTweet quoted={quoted} quotedId={quotedId} media={media} />}
          <Actions tweet={tweet} onDeleted={onDeleted} onPosted={onPosted} />
        </div>
      </div>
    </article>
  );
}

function AuthorLine({ tweet, id }: { tweet: AnyTweet; id: string }) {
  const profile = `/u/${encodeURIComponent(tweet.author.username)}`;
  return (
    <div class="tweet-author" id={id}>
      <Link href={profile} class="tweet-author-name">
        <bdi class="name">{tweet.author.name}</bdi> <bdi class="username">@{tweet.author.username}</bdi>
      </Link>
      <span aria-hidden="true"> · </span>
      <Link href={`/t/${encodeURIComponent(tweet.id)}`} class="tweet-time">
        <RelativeTime when={tweet.created_at} />
      </Link>
    </div>
  );
}

// Usernames of replied-to users this session already looked up (a reply names its parent's author by id).
const usernames = new Map<string, Promise<string | null>>();

function usernameOf(id: string): Promise<string | null> {
  let found = usernames.get(id);
  if (!found) {
    found = api
      .get<{ data: User }>(`/api/users/${encodeURIComponent(id)}`)
      .then((answer) => answer.data.username)
      .catch(() => null);
    usernames.set(id, found);
  }
  return found;
}

function ReplyContext({ tweet }: { tweet: AnyTweet }) {
  const parent = tweet.referenced_tweets.find((item) => item.type === "replied_to");
  const userId = tweet.in_reply_to_user_id;
  // Most replies mention whom they answer, or answer their own author: no lookup needed then.
  const known =
    userId === tweet.author_id
      ? tweet.author.username
      : tweet.entities.mentions.find((mention) => mention.id === userId)?.username;
  const [username, setUsername] = useState<string | null>(known ?? null);
  useEffect(() => {
    if (!parent || !userId || known) return;
    let live = true;
    void usernameOf(userId).then((name) => live && setUsername(name));
    return () => {
      live = false;
    };
  }, [parent?.id, userId, known]);
  if (!parent) return null;
  return (
    <p class="tweet-reply-context">
      {username ? (
        <>
          {t("replyingTo")} <Link href={`/u/${encodeURIComponent(username)}`}><bdi>@{username}</bdi></Link>
        </>
      ) : (
        <Link href={`/t/${encodeURIComponent(parent.id)}`}>{t("replyingToTweet")}</Link>
      )}
    </p>
  );
}

function QuotedTweet({
  quoted,
  quotedId,
  media,
}: {
  quoted: EmbeddedTweet | null | undefined;
  quotedId: string;
  media?: Media[] | ReadonlyMap<string, Media>;
}) {
  if (quoted === null) {
    return (
      <div class="quoted quoted-unavailable" data-testid="quoted-tweet">
        {t("unavailable")}
      </div>
    );
  }
  if (quoted === undefined) {
    // A retweeted quote: the API embeds the original but not what it quotes.
    return (
      <div class="quoted" data-testid="quoted-tweet">
        <Link href={`/t/${encodeURIComponent(quotedId)}`}>{t("showQuoted")}</Link>
      </div>
    );
  }
  return (
    <div class="quoted" data-testid="quoted-tweet">
      <div class="tweet-author">
        <Avatar user={quoted.author} size={20} />{" "}
        <Link href={`/u/${encodeURIComponent(quoted.author.username)}`} class="tweet-author-name">
          <bdi class="name">{quoted.author.name}</bdi> <bdi class="username">@{quoted.author.username}</bdi>
        </Link>
        <span aria-hidden="true"> · </span>
        <Link href={`/t/${encodeURIComponent(quoted.id)}`} class="tweet-time">
          <RelativeTime when={quoted.created_at} />
        </Link>
      </div>
      {quoted.text && <TweetText text={quoted.text} entities={quoted.entities} />}
      <MediaGrid media={mediaOf(quoted.attachments?.media_keys, media)} />
    </div>
  );
}

type Dialog = null | "reply" | "quote" | "delete";

function Actions({
  tweet,
  onDeleted,
  onPosted,
}: {
  tweet: Tweet;
  onDeleted?: (id: string) => void;
  onPosted?: (tweet: Tweet, media: Media[]) => void;
}) {
  const state = engagementOf(tweet).value;
  const target = targetOf(tweet);
  const me = currentUser.value;
  const dialog = useSignal<Dialog>(null);
  const deleting = useSignal(false);
  const own = !!me && tweet.author_id === me.id && target === tweet;
  const needsSignIn = () => {
    if (me) return false;
    navigate("/login");
    return true;
  };
  const close = () => (dialog.value = null);
  const posted = (made: Tweet, made_media: Media[]) => {
    close();
    onPosted?.(made, made_media);
  };
  const remove = async () => {
    deleting.value = true;
    try {
      await api.del(`/api/tweets/${encodeURIComponent(tweet.id)}`);
      close();
      markDeleted(tweet.id);
      onDeleted?.(tweet.id);
      toast(t("deleted"));
    } catch (error) {
      toast(errorMessage(error), "error");
    } finally {
      deleting.value = false;
    }
  };
  return (
    <div class="tweet-actions" role="group" aria-label={t("actions")}>
      <span class="action">
        <button type="button" class="action-button" aria-label={t("reply")} onClick={() => needsSignIn() || (dialog.value = "reply")}>
          <ReplyIcon />
        </button>
        <span class="action-count" data-testid="reply-count">
          {formatNumber(state.replyCount, true)}
        </span>
      </span>
      <span class={state.retweeted ? "action action-retweeted" : "action"}>
        <button
          type="button"
          class="action-button"
          aria-label={t("retweet")}
          aria-pressed={state.retweeted}
          onClick={() => needsSignIn() || void toggleRetweet(tweet)}
        >
          <RetweetIcon />
        </button>
        <span class="action-count" data-testid="retweet-count">
          {formatNumber(state.retweetCount, true)}
        </span>
      </span>
      <span class="action">
        <button type="button" class="action-button" aria-label={t("quote")} onClick={() => needsSignIn() || (dialog.value = "quote")}>
          <QuoteIcon />
        </button>
      </span>
      <span class={state.liked ? "action action-liked" : "action"}>
        <button
          type="button"
          class="action-button"
          aria-label={t("like")}
          aria-pressed={state.liked}
          onClick={() => needsSignIn() || void toggleLike(tweet)}
        >
          <LikeIcon filled={state.liked} />
        </button>
        <span class="action-count" data-testid="like-count">
          {formatNumber(state.likeCount, true)}
        </span>
      </span>
      {own && (
        <span class="action action-end">
          <button type="button" class="action-button" aria-label={t("delete")} onClick={() => (dialog.value = "delete")}>
            <DeleteIcon />
          </button>
        </span>
      )}
      {dialog.value === "reply" && (
        <Modal title={t("replyTitle")} onClose={close}>
          <Composer replyTo={target} onPosted={posted} autofocus showContext />
        </Modal>
      )}
      {dialog.value === "quote" && (
        <Modal title={t("quoteTitle")} onClose={close}>
          <Composer quote={target} onPosted={posted} autofocus />
        </Modal>
      )}
      {dialog.value === "delete" && (
        <Modal title={t("deleteTitle")} onClose={close}>
          <p>{t("deleteBody")}</p>
          <div class="dialog-buttons">
            <button type="button" onClick={close}>
              {t("cancel")}
            </button>
            <button type="button" class="danger" disabled={deleting.value} onClick={() => void remove()}>
              {t("delete")}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}

const ReplyIcon = () => icon("M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.4A8 8 0 1 1 21 12z");
const RetweetIcon = () => icon("M17 2l4 4-4 4M3 11V9a3 3 0 0 1 3-3h15M7 22l-4-4 4-4M21 13v2a3 3 0 0 1-3 3H3");
const QuoteIcon = () => icon("M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z");
const LikeIcon = ({ filled }: { filled: boolean }) =>
  icon("M20.8 4.6a5.5 5.5 0 0 0-7.8 0L12 5.7l-1-1.1a5.5 5.5 0 0 0-7.8 7.8L12 21.2l8.8-8.8a5.5 5.5 0 0 0 0-7.8z", { filled });
const DeleteIcon = () => icon("M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6");
