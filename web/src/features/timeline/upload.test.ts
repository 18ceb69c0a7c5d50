import { describe, expect, it } from "vitest";
import { refusal } from "./upload";

const file = (type: string, size = 1000) => new File([new Uint8Array(size)], "f", { type });

describe("attachment rules (up to 4 photos, or 1 GIF, or 1 video)", () => {
  it("takes up to four photos", () => {
    expect(refusal([], [file("image/jpeg"), file("image/png"), file("image/webp"), file("image/jpeg")])).toBeNull();
    expect(refusal([{ kind: "photo" }, { kind: "photo" }, { kind: "photo" }, { kind: "photo" }], [file("image/png")])).toMatch(
      /up to 4 photos/,
    );
  });

  it("takes a GIF or a video only alone", () => {
    expect(refusal([], [file("image/gif")])).toBeNull();
    expect(refusal([], [file("video/mp4")])).toBeNull();
    expect(refusal([{ kind: "photo" }], [file("image/gif")])).toMatch(/1 GIF/);
    expect(refusal([{ kind: "video" }], [file("video/quicktime")])).toMatch(/1 video/);
  });

  it("refuses other types and files over the limit before uploading", () => {
    expect(refusal([], [file("text/html")])).toMatch(/text\/html/);
    expect(refusal([], [file("image/png", 5 * 1024 * 1024 + 1)])).toMatch(/5 MB/);
  });
});
