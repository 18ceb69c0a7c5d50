// The API's objects as the client reads them: aliases of the schemas in schema.d.ts, which openapi-typescript
// generates from the API's own OpenAPI document (`make web-api-types`). tests/unit/test_web_api_types.py fails
// when the API changed and schema.d.ts was not regenerated, and `tsc` then fails wherever the client reads a
// field the API no longer has: the client and the API cannot drift apart silently.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Id = string;
export type User = Schemas["User"];
export type TweetAuthor = Schemas["TweetAuthor"];
export type Viewer = Schemas["Viewer"];
export type Entities = Schemas["Entities"];
export type TweetMetrics = Schemas["TweetMetrics"];
/** A tweet as the API stores it (no author or embeds). */
export type BaseTweet = Schemas["Tweet"];
/** A retweet's original or a quote's quoted tweet. */
export type EmbeddedTweet = Schemas["EmbeddedTweet"];
/** A tweet as lists show it (timelines, search, conversations). */
export type Tweet = Schemas["TimelineTweet"];
export type Media = Schemas["Media"];
export type MediaVariant = Schemas["MediaVariant"];
export type Includes = Schemas["Includes"];
export type Notification = Schemas["Notification"];
export type NotificationKind = Notification["kind"];
export type TokenResponse = Schemas["TokenResponse"];

/** Every list answer: `{data, meta: {next_cursor}, includes?}`. */
export interface Page<T> {
  data: T[];
  meta: Schemas["PageMeta"];
  includes?: Includes;
}

/** A notification as the WebSocket pushes it (README "Notifications and live updates"); the list's is Notification.
 * The WebSocket API is not in the OpenAPI document, so this one is written by hand. */
export interface LiveNotification {
  id: string;
  kind: NotificationKind;
  count: number;
  actors: TweetAuthor[];
  tweet_id: Id | null;
  about_tweet_id: Id | null;
  updated_at_ms: number;
  read: boolean;
}
