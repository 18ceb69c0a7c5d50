// Writing a tweet, a reply or a quote. The counter counts exactly as the server does (counter.ts:
// twitter-text's weighted length, loaded on demand); hashtags, mentions and URLs are highlighted by a
// backdrop drawn under a transparent-background textarea (the textarea stays a plain, accessible textbox;
// the backdrop is aria-hidden). Media upload with progress, previews and alt text (upload.ts). Posting sends
// an Idempotency-Key, the same on a retry of the same draft, so a retry after a lost answer posts once.
import { signal, useComputed, useSignal, useSignalEffect } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useMemo, useRef } from "preact/hooks";
import { api, idempotencyKey } from "../../api/client";
import type { EmbeddedTweet, Media, Tweet, BaseTweet, Includes } from "../../api/types";
import { formatNumber } from "../../i18n";
import { currentUser } from "../../session";
import { Avatar } from "../../ui/Avatar";
import { errorMessage } from "../../ui/errors";
import { toast } from "../../ui/toast";
import { loadTwitterText, MAX_WEIGHTED_LENGTH, twitterText, weightedLength } from "./counter";
import { countReply } from "./engagement";
import { t } from "./messages";
import { TweetText } from "./TweetText";
import { ACCEPT, Attachments } from "./upload";

/** The reader's newest post from any composer on the page (the home timeline and a conversation show it
 * at once, before any timeline read would). */
export const justPosted = signal<{ tweet: Tweet; media: Media[] } | null>(null);

export interface ComposerProps {
  replyTo?: Tweet | EmbeddedTweet;
  quote?: Tweet | EmbeddedTweet;
  onPosted?: (tweet: Tweet, media: Media[]) => void;
  autofocus?: boolean;
  /** Show the tweet replied to above the box (in a dialog, away from the tweet). */
  showContext?: boolean;
}

interface Range {
  start: number;
  end: number;
}

// Until twitter-text has loaded: a simple approximation, only for the highlight.
const ROUGH_ENTITIES = /(?:^|[^\p{L}\p{N}_&])([#＃][\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*|[@＠][A-Za-z0-9_]{1,20})|https?:\/\/\S+/gu;

/** Where the highlighted entities are, in UTF-16 offsets of the text (what the backdrop slices). */
export function highlightRanges(text: string): Range[] {
  const library = twitterText.value;
  if (library) {
    return library
      .extractEntitiesWithIndices(text)
      .map((entity) => ({ start: entity.indices[0], end: entity.indices[1] }));
  }
  const found: Range[] = [];
  for (const match of text.matchAll(ROUGH_ENTITIES)) {
    const whole = match[0];
    const inner = match[1] ?? whole;
    const start = (match.index ?? 0) + whole.length - inner.length;
    found.push({ start, end: start + inner.length });
  }
  return found;
}

function Backdrop({ text }: { text: string }) {
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const range of highlightRanges(text)) {
    if (range.start < at) continue;
    parts.push(text.slice(at, range.start), <mark key={range.start}>{text.slice(range.start, range.end)}</mark>);
    at = range.end;
  }
  // A trailing space keeps a final newline's height, as the textarea shows it.
  parts.push(text.slice(at), " ");
  return (
    <div class="composer-backdrop" aria-hidden="true" dir="auto">
      {parts}
    </div>
  );
}

/** The tweet answered or quoted, shown small beside the box so the writer sees what they respond to. */
function Context({ tweet, reply = false }: { tweet: Tweet | EmbeddedTweet; reply?: boolean }) {
  return (
    <div class="quoted composer-context">
      <div class="tweet-author">
        <bdi class="name">{tweet.author.name}</bdi> <bdi class="username">@{tweet.author.username}</bdi>
      </div>
      {tweet.text && <TweetText text={tweet.text} entities={null} />}
      {reply && (
        <p class="tweet-reply-context">
          {t("replyingTo")} <bdi>@{tweet.author.username}</bdi>
        </p>
      )}
    </div>
  );
}

function asEmbedded(tweet: Tweet | EmbeddedTweet): EmbeddedTweet {
  const { retweeted_tweet: _retweeted, quoted_tweet: _quoted, ...rest } = tweet as Tweet;
  return { ...rest, viewer: null };
}

export function Composer({ replyTo, quote, onPosted, autofocus = false, showContext = false }: ComposerProps) {
  const me = currentUser.value;
  const text = useSignal("");
  const posting = useSignal(false);
  const problem = useSignal<string | null>(null);
  const attachments = useMemo(() => new Attachments(), []);
  const lastAttempt = useRef<{ body: string; key: string } | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const ids = useId();
  const counterId = `${ids}-counter`;
  const fileId = `${ids}-file`;

  // twitter-text (~35 KB compressed) is fetched when the person turns to the composer, not with the page: the
  // first screen's timeline does not wait behind it; until it arrives the estimate counts (never lower).
  const wantCounter = () => void loadTwitterText().catch(() => undefined); // the estimate stays in use when it cannot load
  useEffect(() => {
    if (autofocus) textarea.current?.focus(); // its focus event asks for twitter-text
    return () => attachments.clear();
  }, []);

  const length = useComputed(() => {
    void twitterText.value; // recount once the library arrives
    return weightedLength(text.value);
  });
  const remaining = MAX_WEIGHTED_LENGTH - length.value;
  const items = attachments.items.value;
  const empty = !text.value.trim() && items.length === 0;
  const mediaReady = items.every((item) => item.state === "ready");
  const disabled = posting.value || remaining < 0 || empty || !mediaReady;

  // A failed attachment says why in the composer's message line.
  useSignalEffect(() => {
    const failed = attachments.items.value.find((item) => item.state === "failed");
    if (failed?.error) problem.value = failed.error;
  });

  const choose = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    input.value = "";
    if (!files.length) return;
    const refused = attachments.add(files);
    problem.value = refused;
  };

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (disabled || !me) {
      if (!mediaReady && items.length) problem.value = t("waitForMedia");
      return;
    }
    const body: Record<string, unknown> = { text: text.value };
    if (replyTo) body.reply = { in_reply_to_tweet_id: replyTo.id };
    if (quote) body.quote_tweet_id = quote.id;
    if (items.length) body.media = { media_ids: items.map((item) => item.mediaId) };
    const json = JSON.stringify(body);
    // The same draft retried keeps its key (the server answers the first attempt again); a changed one
    // gets a new key (the old key with another body would be refused).
    const key = lastAttempt.current?.body === json ? lastAttempt.current.key : idempotencyKey();
    lastAttempt.current = { body: json, key };
    posting.value = true;
    problem.value = null;
    try {
      await attachments.saveAltTexts();
      const answer = await api.post<{ data: BaseTweet; includes?: Includes }>("/api/tweets", body, {
        headers: { "Idempotency-Key": key },
      });
      const made: Tweet = {
        ...answer.data,
        author: { id: me.id, username: me.username, name: me.name },
        viewer: { liked: false, retweeted: false },
        retweeted_tweet: null,
        quoted_tweet: quote ? asEmbedded(quote) : null,
      };
      const media = answer.includes?.media ?? [];
      lastAttempt.current = null;
      text.value = "";
      attachments.clear();
      if (replyTo) countReply(replyTo.id);
      justPosted.value = { tweet: made, media };
      toast(t("posted"));
      onPosted?.(made, media);
    } catch (error) {
      problem.value = errorMessage(error);
    } finally {
      posting.value = false;
    }
  };

  const label = replyTo ? t("postYourReply") : t("whatsHappening");
  const counterClass = remaining < 0 ? "char-counter over" : remaining <= 20 ? "char-counter warn" : "char-counter";
  return (
    <form class="composer" onSubmit={(event) => void submit(event)} aria-busy={posting.value}>
      {me && <Avatar user={me} size={40} />}
      <div class="composer-main">
        {replyTo && showContext && <Context tweet={replyTo} reply />}
        <div class="composer-field">
          <Backdrop text={text.value} />
          <textarea
            ref={textarea}
            class="composer-input"
            aria-label={label}
            placeholder={label}
            autofocus={autofocus}
            aria-describedby={counterId}
            aria-invalid={remaining < 0}
            dir="auto"
            rows={2}
            value={text.value}
            onFocus={wantCounter}
            onInput={(event) => (text.value = (event.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void submit(event);
            }}
          />
        </div>
        {quote && <Context tweet={quote} />}
        {items.length > 0 && (
          <ul class="composer-media">
            {items.map((item) => (
              <li key={item.key} class={`composer-attachment composer-attachment-${item.state}`}>
                {item.kind === "photo" ? (
                  <img src={item.preview} alt="" />
                ) : (
                  <video src={item.preview} muted playsInline aria-hidden="true" />
                )}
                {item.state === "uploading" && (
                  <progress
                    max={100}
                    value={Math.round(item.progress * 100)}
                    aria-label={`${t("uploading")} ${item.file.name}`}
                  />
                )}
                {item.state === "processing" && <progress aria-label={`${t("processing")} ${item.file.name}`} />}
                {item.state === "failed" && <p class="composer-error">{item.error}</p>}
                {item.kind === "photo" && (
                  <label class="composer-alt">
                    <span>{t("imageDescription")}</span>
                    <input
                      type="text"
                      maxLength={1000}
                      value={item.alt}
                      onInput={(event) => attachments.setAlt(item.key, (event.currentTarget as HTMLInputElement).value)}
                    />
                  </label>
                )}
                <button type="button" class="button-small" onClick={() => attachments.remove(item.key)}>
                  {t("removeMedia")} <span class="visually-hidden">{item.file.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {problem.value && (
          <p class="composer-error" role="alert">
            {problem.value}
          </p>
        )}
        <div class="composer-bar">
          <label class="composer-file" for={fileId}>
            <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
              <path
                d="M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9h.01"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
                stroke-linejoin="round"
              />
            </svg>
            <span class="visually-hidden">{t("addMedia")}</span>
          </label>
          <input
            id={fileId}
            class="visually-hidden"
            type="file"
            accept={ACCEPT}
            multiple
            disabled={posting.value}
            onChange={choose}
          />
          <span
            id={counterId}
            class={counterClass}
            data-testid="char-counter"
            aria-live="polite"
            title={remaining < 0 ? t("over", { count: -remaining }) : t("remaining", { count: remaining })}
          >
            {formatNumber(remaining)}
          </span>
          <button type="submit" class="primary" disabled={disabled}>
            {posting.value ? t("posting") : t("post")}
          </button>
        </div>
      </div>
    </form>
  );
}
