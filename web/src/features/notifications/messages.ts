// Notifications' strings, and the sentence a grouped notification reads as, in every language the
// interface speaks: "ada, bob and 12 others liked your tweet" (the API lists the latest actors, at most
// three, and `count`, how many people did it in all).
import type { NotificationKind } from "../../api/types";
import { defineMessages, locale, plural } from "../../i18n";

export const t = defineMessages({
  en: {
    title: "Notifications",
    markAll: "Mark all as read",
    empty: "Nothing yet. When someone follows you, likes, retweets, quotes, replies to or mentions you, you'll see it here.",
    unread: "Unread",
    loadMore: "Show more",
    retry: "Try again",
    list: "Notifications",
    allRead: "All notifications are marked as read.",
  },
  fr: {
    title: "Notifications",
    markAll: "Tout marquer comme lu",
    empty: "Rien pour l'instant. Quand quelqu'un vous suit, aime, retweete, cite, vous répond ou vous mentionne, vous le verrez ici.",
    unread: "Non lue",
    loadMore: "Afficher plus",
    retry: "Réessayer",
    list: "Notifications",
    allRead: "Toutes les notifications sont marquées comme lues.",
  },
  ar: {
    title: "الإشعارات",
    markAll: "تعليم الكل كمقروء",
    empty: "لا شيء بعد. عندما يتابعك أحد أو يعجب بتغريدة أو يعيد تغريدها أو يقتبسها أو يرد عليك أو يذكرك، ستراه هنا.",
    unread: "غير مقروء",
    loadMore: "عرض المزيد",
    retry: "إعادة المحاولة",
    list: "الإشعارات",
    allRead: "تم تعليم كل الإشعارات كمقروءة.",
  },
});

interface Grammar {
  /** "ada, bob and 12 others": the names, then how many more. */
  join: (names: string[], others: number) => string;
  /** The whole sentence, given who and whether it is one person or several. */
  sentence: (kind: NotificationKind, who: string, many: boolean) => string;
}

function joinWith(comma: string, and: string) {
  return (parts: string[]) => (parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(comma)}${and}${parts[parts.length - 1]}`);
}

const GRAMMAR: Record<"en" | "fr" | "ar", Grammar> = {
  en: {
    join: (names, others) =>
      joinWith(", ", " and ")(others > 0 ? [...names, plural(others, { one: "1 other", other: "{n} others" })] : names),
    sentence: (kind, who) =>
      ({
        like: `${who} liked your tweet`,
        retweet: `${who} retweeted your tweet`,
        follow: `${who} followed you`,
        reply: `${who} replied to your tweet`,
        quote: `${who} quoted your tweet`,
        mention: `${who} mentioned you`,
      })[kind],
  },
  fr: {
    join: (names, others) =>
      joinWith(", ", " et ")(
        others > 0 ? [...names, plural(others, { one: "1 autre personne", other: "{n} autres personnes" })] : names,
      ),
    sentence: (kind, who, many) =>
      ({
        like: `${who} ${many ? "ont aimé" : "a aimé"} votre tweet`,
        retweet: `${who} ${many ? "ont retweeté" : "a retweeté"} votre tweet`,
        follow: `${who} ${many ? "se sont abonnés" : "s'est abonné"} à vous`,
        reply: `${who} ${many ? "ont répondu" : "a répondu"} à votre tweet`,
        quote: `${who} ${many ? "ont cité" : "a cité"} votre tweet`,
        mention: `${who} ${many ? "vous ont mentionné" : "vous a mentionné"}`,
      })[kind],
  },
  ar: {
    // Arabic names are isolated (FSI ... PDI) so a Latin username does not reorder the sentence around it.
    join: (names, others) =>
      joinWith("، ", " و")([
        ...names.map((name) => `\u2068${name}\u2069`),
        ...(others > 0 ? [plural(others, { one: "شخص آخر", two: "شخصان آخران", few: "{n} آخرين", many: "{n} آخرين", other: "{n} آخرين" })] : []),
      ]),
    // Verb first: the verb stays singular whoever follows it.
    sentence: (kind, who) =>
      ({
        like: `أعجب ${who} بتغريدتك`,
        retweet: `أعاد ${who} تغريد تغريدتك`,
        follow: `تابعك ${who}`,
        reply: `ردّ ${who} على تغريدتك`,
        quote: `اقتبس ${who} تغريدتك`,
        mention: `ذكرك ${who}`,
      })[kind],
  },
};

/**
 * The sentence a notification reads as. Up to three people are named; beyond three, two are named and
 * the rest counted ("ada, bob and 12 others"). Actors whose accounts are gone are not listed by the API,
 * so the count may exceed the names: the difference is counted as others.
 */
export function notificationSentence(n: { kind: NotificationKind; count: number; actors: { name: string; username: string }[] }): string {
  const grammar = GRAMMAR[locale.value] ?? GRAMMAR.en;
  const names = n.actors.map((actor) => actor.name || `@${actor.username}`);
  const count = Math.max(n.count, names.length);
  const named = count <= 3 ? names.slice(0, 3) : names.slice(0, 2);
  const others = count - named.length;
  const who = grammar.join(named.length ? named : [], others);
  return grammar.sentence(n.kind, who, count > 1);
}
