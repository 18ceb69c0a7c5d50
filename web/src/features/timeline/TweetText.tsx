// A tweet's text with its entities as links. The API's entity offsets are Unicode code points (Twitter API
// v2), not UTF-16 units: an emoji before a hashtag would shift a JavaScript string slice by one, so the
// text is cut as an array of code points. dir="auto" lays each tweet out in its own script's direction
// (an Arabic tweet right to left in an English interface, and the other way round).
import type { ComponentChildren } from "preact";
import type { Entities } from "../../api/types";
import { Link } from "../../router";

type Piece =
  | { kind: "text"; text: string }
  | { kind: "hashtag" | "cashtag"; text: string; tag: string }
  | { kind: "mention"; text: string; username: string }
  | { kind: "url"; text: string; url: string };

interface Span {
  start: number;
  end: number;
  piece: (text: string) => Piece;
}

/** The text cut into plain runs and entities (overlaps and out-of-range offsets skipped). */
export function splitEntities(text: string, entities: Entities | null | undefined): Piece[] {
  const points = Array.from(text);
  const spans: Span[] = [];
  for (const item of entities?.urls ?? []) spans.push({ ...item, piece: (raw) => ({ kind: "url", text: raw, url: item.url }) });
  for (const item of entities?.hashtags ?? [])
    spans.push({ ...item, piece: (raw) => ({ kind: "hashtag", text: raw, tag: item.tag }) });
  for (const item of entities?.cashtags ?? [])
    spans.push({ ...item, piece: (raw) => ({ kind: "cashtag", text: raw, tag: item.tag }) });
  for (const item of entities?.mentions ?? [])
    spans.push({ ...item, piece: (raw) => ({ kind: "mention", text: raw, username: item.username }) });
  spans.sort((a, b) => a.start - b.start);
  const pieces: Piece[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at || span.end <= span.start || span.end > points.length) continue;
    if (span.start > at) pieces.push({ kind: "text", text: points.slice(at, span.start).join("") });
    pieces.push(span.piece(points.slice(span.start, span.end).join("")));
    at = span.end;
  }
  if (at < points.length) pieces.push({ kind: "text", text: points.slice(at).join("") });
  return pieces;
}

/** Where a URL entity leads: as written when it has http(s), else http:// before it; never another scheme. */
export function hrefOf(url: string): string | null {
  if (/^https?:\/\//i.test(url)) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return null;
  return `http://${url}`;
}

export function searchHref(term: string): string {
  return `/search?q=${encodeURIComponent(term)}`;
}

export function TweetText({ text, entities, class: className }: { text: string; entities?: Entities | null; class?: string }) {
  const children: ComponentChildren[] = splitEntities(text, entities).map((piece, index) => {
    switch (piece.kind) {
      case "text":
        return piece.text;
      case "hashtag":
        return (
          <Link key={index} href={searchHref(`#${piece.tag}`)} class="entity">
            {piece.text}
          </Link>
        );
      case "cashtag":
        return (
          <Link key={index} href={searchHref(`$${piece.tag}`)} class="entity">
            {piece.text}
          </Link>
        );
      case "mention":
        return (
          <Link key={index} href={`/u/${encodeURIComponent(piece.username)}`} class="entity">
            {piece.text}
          </Link>
        );
      case "url": {
        const href = hrefOf(piece.url);
        return href ? (
          <a key={index} href={href} class="entity" target="_blank" rel="noopener noreferrer nofollow">
            {piece.text}
          </a>
        ) : (
          piece.text
        );
      }
    }
  });
  return (
    <p class={className ?? "tweet-text"} dir="auto">
      {children}
    </p>
  );
}
