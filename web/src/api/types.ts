// The API's objects as the client reads them. Their shapes follow the API's OpenAPI document
// (schema.d.ts, generated from /api/openapi.json; tests/unit/test_web_api_types.py fails when it drifts).

export type Id = string;

export interface UserMetrics {
  followers_count: number;
  following_count: number;
  tweet_count: number;
  like_count: number;
}

export interface User {
  id: Id;
  username: string;
  name: string;
  description: string;
  location: string;
  url: string;
  created_at: string;
  public_metrics: UserMetrics;
  profile_image_url?: string;
  profile_banner_url?: string;
}

export interface Entity {
  start: number;
  end: number;
}
export interface Entities {
  hashtags: (Entity & { tag: string })[];
  mentions: (Entity & { username: string; id?: Id })[];
  urls: (Entity & { url: string })[];
  cashtags: (Entity & { tag: string })[];
}

export interface TweetMetrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
}

export interface TweetAuthor {
  id: Id;
  username: string;
  name: string;
}

export interface Viewer {
  liked: boolean;
  retweeted: boolean;
}

export interface BaseTweet {
  id: Id;
  text: string;
  author_id: Id;
  created_at: string;
  conversation_id: Id;
  in_reply_to_user_id: Id | null;
  referenced_tweets: { type: "retweeted" | "quoted" | "replied_to"; id: Id }[];
  entities: Entities;
  public_metrics: TweetMetrics;
  attachments?: { media_keys: string[] };
}

export interface EmbeddedTweet extends BaseTweet {
  author: TweetAuthor;
  viewer: Viewer | null;
}

/** A tweet as lists show it (timelines, search, conversations). */
export interface Tweet extends BaseTweet {
  author: TweetAuthor;
  viewer: Viewer | null;
  retweeted_tweet: EmbeddedTweet | null;
  quoted_tweet: EmbeddedTweet | null;
}

export interface MediaVariant {
  name: string;
  url: string;
  content_type?: string;
  width?: number | null;
  height?: number | null;
}

export interface Media {
  media_key: string;
  type: "photo" | "animated_gif" | "video";
  url: string | null;
  preview_image_url: string | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  alt_text: string;
  variants: MediaVariant[];
}

export interface Includes {
  media?: Media[];
}

export interface Page<T> {
  data: T[];
  meta: { next_cursor: string | null };
  includes?: Includes;
}

export type NotificationKind = "follow" | "like" | "retweet" | "reply" | "quote" | "mention";

export interface Notification {
  id: string;
  kind: NotificationKind;
  count: number;
  actors: TweetAuthor[];
  tweet: Tweet | null;
  updated_at: string;
  read: boolean;
}

/** A notification as the WebSocket pushes it (the list's shape is Notification). */
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

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: "Bearer";
  expires_in: number;
}
