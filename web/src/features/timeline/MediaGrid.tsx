// A tweet's media, from the answer's `includes.media` (Twitter API v2's media objects): photos as <img>
// with their alt text and a srcset of the WEBP variants (small 680, medium 1200, large 2048 on the long
// edge), so a phone loads the small one; a GIF as the MP4 it was turned into, playing muted in a loop as
// a GIF does; a video with controls and its poster, loaded only when played.
import type { Media, MediaVariant } from "../../api/types";
import { t } from "./messages";

const PHOTO_SIZES = ["small", "medium", "large"];

function variant(media: Media, name: string): MediaVariant | undefined {
  return media.variants.find((item) => item.name === name);
}

function srcset(media: Media): string | undefined {
  const found = PHOTO_SIZES.map((name) => variant(media, name)).filter(
    (item): item is MediaVariant => !!item && !!item.width,
  );
  return found.length ? found.map((item) => `${item.url} ${item.width}w`).join(", ") : undefined;
}

/** The media a tweet names, in its order, from an answer's includes. */
export function mediaOf(keys: string[] | undefined, media: ReadonlyMap<string, Media> | Media[] | undefined): Media[] {
  if (!keys?.length || !media) return [];
  const byKey = media instanceof Map ? media : new Map((media as Media[]).map((item) => [item.media_key, item]));
  return keys.map((key) => byKey.get(key)).filter((item): item is Media => !!item);
}

export function MediaGrid({ media }: { media: Media[] }) {
  const shown = media.filter((item) => item.url || item.variants.length);
  if (!shown.length) return null;
  return (
    <div class={`media-grid media-grid-${Math.min(shown.length, 4)}`}>
      {shown.map((item) => (
        <MediaItem key={item.media_key} media={item} single={shown.length === 1} />
      ))}
    </div>
  );
}

function MediaItem({ media, single }: { media: Media; single: boolean }) {
  const poster = variant(media, "poster")?.url ?? media.preview_image_url ?? undefined;
  const label = media.alt_text || undefined;
  if (media.type === "photo") {
    const src = variant(media, single ? "medium" : "small")?.url ?? media.url ?? "";
    return (
      <img
        class="media-photo"
        src={src}
        srcset={srcset(media)}
        sizes={single ? "(max-width: 640px) 100vw, 560px" : "(max-width: 640px) 50vw, 280px"}
        alt={media.alt_text}
        width={media.width ?? undefined}
        height={media.height ?? undefined}
        loading="lazy"
        decoding="async"
      />
    );
  }
  const src = variant(media, "video")?.url ?? media.url ?? undefined;
  if (media.type === "animated_gif") {
    return (
      <figure class="media-gif">
        <video
          src={src}
          poster={poster}
          autoplay
          muted
          loop
          playsInline
          aria-label={label ?? t("gif")}
          width={media.width ?? undefined}
          height={media.height ?? undefined}
        />
        <span class="media-badge" aria-hidden="true">
          GIF
        </span>
      </figure>
    );
  }
  return (
    <video
      class="media-video"
      src={src}
      poster={poster}
      controls
      preload="none"
      playsInline
      aria-label={label ?? t("video")}
      width={media.width ?? undefined}
      height={media.height ?? undefined}
    />
  );
}
