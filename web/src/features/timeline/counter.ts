// The composer counts as the server does: twitter-text's weighted length (v3: 280; a URL counts 23; CJK
// and emoji count 2), from the same npm package the rules come from (the server runs its Python port).
// twitter-text is ~30 KB compressed with its emoji table, so it is imported on demand (not in the first
// screen's JS); until it arrives, a conservative estimate counts what cannot be weighed exactly as 2.
import { signal } from "@preact/signals";

export const MAX_WEIGHTED_LENGTH = 280;

type TwitterText = typeof import("twitter-text");

/** twitter-text once loaded; null until then. */
export const twitterText = signal<TwitterText | null>(null);
let loading: Promise<TwitterText> | null = null;

export function loadTwitterText(): Promise<TwitterText> {
  loading ??= import("twitter-text")
    .then((module) => {
      // The CommonJS build arrives as the default export under some bundlers, as the namespace under others.
      const found = ((module as unknown as { default?: TwitterText }).default ?? module) as TwitterText;
      twitterText.value = found;
      return found;
    })
    .catch((error: unknown) => {
      loading = null;
      throw error;
    });
  return loading;
}

// The v3 configuration's ranges of weight 1 (Latin, Greek, Cyrillic, Hebrew, Arabic... and some
// punctuation); everything else weighs 2.
const LIGHT: [number, number][] = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037],
];
const URL_LIKE = /\bhttps?:\/\/[^\s]+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/[^\s]*)?/giu;

/** An estimate never lower than twitter-text's, for the moment before it has loaded: a URL counts 23 or
 * its own length, whichever is more; emoji sequences count 2 per code point (twitter-text counts 2 each). */
export function estimateWeightedLength(text: string): number {
  const normalized = text.normalize("NFC");
  let total = 0;
  const rest = normalized.replace(URL_LIKE, (url) => {
    total += Math.max(23, weigh(url));
    return "";
  });
  return total + weigh(rest);
}

function weigh(text: string): number {
  let total = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    total += LIGHT.some(([low, high]) => code >= low && code <= high) ? 1 : 2;
  }
  return total;
}

/** The weighted length exactly as the server counts it once twitter-text is loaded, else the estimate. */
export function weightedLength(text: string, library: TwitterText | null = twitterText.value): number {
  return library ? library.parseTweet(text).weightedLength : estimateWeightedLength(text);
}
