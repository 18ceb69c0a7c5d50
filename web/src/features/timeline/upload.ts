// The composer's attachments, each going through the API's upload steps (README "Media: photos, GIFs and
// video"): POST /api/media (with an Idempotency-Key) answers a presigned S3 POST; the file goes straight to
// storage with XMLHttpRequest (fetch cannot report upload progress); then GET /api/media/{id} is polled
// until the processor says ready or failed (with a reason written for people). A tweet takes up to 4
// photos, or 1 GIF, or 1 video, and only once they are ready.
import { signal } from "@preact/signals";
import { api, idempotencyKey } from "../../api/client";
import { errorMessage } from "../../ui/errors";
import { t } from "./messages";

export type Kind = "photo" | "animated_gif" | "video";

export interface Attachment {
  key: number;
  file: File;
  kind: Kind;
  /** An object URL for the preview; revoked when the attachment goes. */
  preview: string;
  state: "uploading" | "processing" | "ready" | "failed";
  /** 0..1 of the bytes sent to storage. */
  progress: number;
  mediaId: string | null;
  alt: string;
  error: string | null;
}

// Twitter's limits, as the API applies them (chirp/media/kinds.py); checked here to fail before uploading.
const KINDS: Record<string, { kind: Kind; maxBytes: number; limit: string }> = {
  "image/jpeg": { kind: "photo", maxBytes: 5 * 1024 * 1024, limit: "5 MB" },
  "image/png": { kind: "photo", maxBytes: 5 * 1024 * 1024, limit: "5 MB" },
  "image/webp": { kind: "photo", maxBytes: 5 * 1024 * 1024, limit: "5 MB" },
  "image/gif": { kind: "animated_gif", maxBytes: 15 * 1024 * 1024, limit: "15 MB" },
  "video/mp4": { kind: "video", maxBytes: 512 * 1024 * 1024, limit: "512 MB" },
  "video/quicktime": { kind: "video", maxBytes: 512 * 1024 * 1024, limit: "512 MB" },
};

export const ACCEPT = Object.keys(KINDS).join(",");

interface CreatedUpload {
  data: { media_id: string; upload: { url: string; fields: Record<string, string> } };
}
interface OwnMedia {
  data: { media_id: string; state: "processing" | "ready" | "failed"; reason?: string };
}

let nextKey = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why these files cannot join the ones attached already, or null when they can. */
export function refusal(attached: readonly Pick<Attachment, "kind">[], files: readonly File[]): string | null {
  const kinds: Kind[] = attached.map((item) => item.kind);
  for (const file of files) {
    const known = KINDS[file.type];
    if (!known) return t("unsupportedMedia", { type: file.type || file.name });
    if (file.size > known.maxBytes) return t("mediaTooLarge", { limit: known.limit });
    kinds.push(known.kind);
  }
  const photos = kinds.filter((kind) => kind === "photo").length;
  if (photos > 4 || (photos < kinds.length && kinds.length > 1)) return t("tooManyMedia");
  return null;
}

/** The attachments of one composer, and their uploads. */
export class Attachments {
  readonly items = signal<Attachment[]>([]);
  private aborted = new Set<number>();
  private requests = new Map<number, XMLHttpRequest>();

  constructor(private readonly pollMs = 800) {}

  get ready(): boolean {
    return this.items.value.every((item) => item.state === "ready");
  }

  /** Adds the files and starts their uploads; answers why not (and adds none) when they break the rules. */
  add(files: readonly File[]): string | null {
    const refused = refusal(this.items.value, files);
    if (refused) return refused;
    for (const file of files) {
      const item: Attachment = {
        key: nextKey++,
        file,
        kind: KINDS[file.type].kind,
        preview: URL.createObjectURL(file),
        state: "uploading",
        progress: 0,
        mediaId: null,
        alt: "",
        error: null,
      };
      this.items.value = [...this.items.value, item];
      void this.upload(item.key);
    }
    return null;
  }

  remove(key: number): void {
    const item = this.items.value.find((candidate) => candidate.key === key);
    if (!item) return;
    this.aborted.add(key);
    this.requests.get(key)?.abort();
    URL.revokeObjectURL(item.preview);
    this.items.value = this.items.value.filter((candidate) => candidate.key !== key);
  }

  setAlt(key: number, alt: string): void {
    this.update(key, { alt });
  }

  clear(): void {
    for (const item of this.items.value) this.remove(item.key);
  }

  /** Saves each photo's description on its media (before the tweet takes it: alt text is set until then). */
  async saveAltTexts(): Promise<void> {
    await Promise.all(
      this.items.value
        .filter((item) => item.mediaId && item.alt.trim())
        .map((item) => api.patch(`/api/media/${item.mediaId}`, { alt_text: item.alt.trim() })),
    );
  }

  private update(key: number, change: Partial<Attachment>): void {
    this.items.value = this.items.value.map((item) => (item.key === key ? { ...item, ...change } : item));
  }

  private find(key: number): Attachment | undefined {
    return this.items.value.find((item) => item.key === key);
  }

  private async upload(key: number): Promise<void> {
    const item = this.find(key);
    if (!item) return;
    try {
      const created = await api.post<CreatedUpload>(
        "/api/media",
        { media_type: item.file.type, total_bytes: item.file.size },
        { headers: { "Idempotency-Key": idempotencyKey() } },
      );
      if (this.aborted.has(key)) return;
      const mediaId = created.data.media_id;
      this.update(key, { mediaId });
      await this.send(key, item.file, created.data.upload);
      if (this.aborted.has(key)) return;
      this.update(key, { state: "processing", progress: 1 });
      for (let waited = 0; ; waited += 1) {
        const media = await api.get<OwnMedia>(`/api/media/${mediaId}`);
        if (this.aborted.has(key)) return;
        if (media.data.state === "ready") {
          this.update(key, { state: "ready" });
          return;
        }
        if (media.data.state === "failed") {
          this.update(key, { state: "failed", error: t("mediaFailed", { reason: media.data.reason ?? "?" }) });
          return;
        }
        // Photos are ready in about a second; a long video takes longer: wait a little more each time.
        await sleep(Math.min(this.pollMs * (1 + waited / 4), 5000));
      }
    } catch (error) {
      if (this.aborted.has(key)) return;
      this.update(key, { state: "failed", error: error instanceof Error && !("status" in error) ? error.message : errorMessage(error) });
    }
  }

  private send(key: number, file: File, upload: { url: string; fields: Record<string, string> }): Promise<void> {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append("file", file); // last: S3 ignores the fields after the file
      const request = new XMLHttpRequest();
      this.requests.set(key, request);
      request.open("POST", upload.url);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) this.update(key, { progress: event.loaded / event.total });
      };
      request.onload = () => {
        this.requests.delete(key);
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error(storageError(request.responseText, request.status)));
      };
      request.onerror = () => {
        this.requests.delete(key);
        reject(new Error(t("uploadFailed")));
      };
      request.onabort = () => {
        this.requests.delete(key);
        resolve();
      };
      request.send(form);
    });
  }
}

/** S3's XML error, as a short reason ("EntityTooLarge"), for the person who chose the file. */
function storageError(body: string, status: number): string {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return t("mediaFailed", { reason: code ?? String(status) });
}
