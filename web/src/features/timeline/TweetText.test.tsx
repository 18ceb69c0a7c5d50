import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { splitEntities, TweetText } from "./TweetText";

afterEach(cleanup);

describe("TweetText", () => {
  it("links entities at their code-point offsets, an emoji before them counting one", () => {
    // Given a text whose first character is an emoji (two UTF-16 units, one code point), with the
    // offsets the API sends (code points)
    const text = "😀 #chirp hi @ada see example.com/x 🎉 $CHRP";
    const entities = {
      hashtags: [{ start: 2, end: 8, tag: "chirp" }],
      mentions: [{ start: 12, end: 16, username: "ada" }],
      urls: [{ start: 21, end: 34, url: "example.com/x" }],
      cashtags: [{ start: 37, end: 42, tag: "CHRP" }],
    };

    // When it is shown
    const { container } = render(<TweetText text={text} entities={entities} />);

    // Then each entity is a link on exactly its own characters
    const hashtag = screen.getByRole("link", { name: "#chirp" });
    expect(hashtag.getAttribute("href")).toBe("/search?q=%23chirp");
    expect(screen.getByRole("link", { name: "@ada" }).getAttribute("href")).toBe("/u/ada");
    const url = screen.getByRole("link", { name: "example.com/x" });
    expect(url.getAttribute("href")).toBe("http://example.com/x");
    expect(url.getAttribute("target")).toBe("_blank");
    expect(url.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(screen.getByRole("link", { name: "$CHRP" }).getAttribute("href")).toBe("/search?q=%24CHRP");
    // and the text around them is intact, laid out in its own direction
    const paragraph = container.querySelector("p")!;
    expect(paragraph.textContent).toBe(text);
    expect(paragraph.getAttribute("dir")).toBe("auto");
  });

  it("keeps Arabic text whole around a hashtag", () => {
    const text = "مرحبا #شيرب";
    const pieces = splitEntities(text, {
      hashtags: [{ start: 6, end: 11, tag: "شيرب" }],
      mentions: [],
      urls: [],
      cashtags: [],
    });
    expect(pieces).toEqual([
      { kind: "text", text: "مرحبا " },
      { kind: "hashtag", text: "#شيرب", tag: "شيرب" },
    ]);
  });

  it("skips overlapping or out-of-range entities and never links another scheme", () => {
    const pieces = splitEntities("javascript:alert(1) #a", {
      hashtags: [{ start: 20, end: 22, tag: "a" }, { start: 21, end: 40, tag: "bad" }],
      mentions: [],
      urls: [{ start: 0, end: 19, url: "javascript:alert(1)" }],
      cashtags: [],
    });
    expect(pieces.map((piece) => piece.kind)).toEqual(["url", "text", "hashtag"]);
    render(<TweetText text="javascript:alert(1)" entities={{ hashtags: [], mentions: [], cashtags: [], urls: [{ start: 0, end: 19, url: "javascript:alert(1)" }] }} />);
    expect(screen.queryByRole("link")).toBeNull();
  });
});
