import { afterEach, describe, expect, it } from "vitest";
import { defineMessages, formatRelative, locale, plural, setLocale } from "./index";

const t = defineMessages({
  en: { hello: "Hello {name}", count: ({ count }) => plural(Number(count), { one: "1 tweet", other: "{n} tweets" }) },
  fr: { hello: "Bonjour {name}", count: ({ count }) => plural(Number(count), { one: "{n} tweet", other: "{n} tweets" }) },
  ar: { hello: "مرحبا {name}", count: ({ count }) => `${count}` },
});

afterEach(() => setLocale("en"));

describe("i18n", () => {
  it("translates in the chosen locale and lays Arabic out right to left", () => {
    // Given the French locale
    setLocale("fr");
    // Then strings are French and the document is left to right
    expect(t("hello", { name: "Ada" })).toBe("Bonjour Ada");
    expect(document.documentElement.dir).toBe("ltr");
    // When Arabic is chosen, the whole interface turns right to left
    setLocale("ar");
    expect(locale.value).toBe("ar");
    expect(document.documentElement.lang).toBe("ar");
    expect(document.documentElement.dir).toBe("rtl");
  });

  it("picks plural forms by the locale's rules (French 0 is singular)", () => {
    expect(t("count", { count: 1 })).toBe("1 tweet");
    expect(t("count", { count: 1200 })).toBe("1,200 tweets");
    setLocale("fr");
    expect(t("count", { count: 0 })).toBe("0 tweet");
  });

  it("says recent times relatively and older ones as a date", () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    expect(formatRelative(now - 5 * 60_000, now)).toMatch(/5 min/);
    expect(formatRelative(now - 3 * 3600_000, now)).toMatch(/3 hr/);
    expect(formatRelative(now - 30 * 86400_000, now)).toMatch(/Oct/);
    expect(formatRelative(Date.UTC(2024, 0, 2), now)).toMatch(/2024/);
  });
});
