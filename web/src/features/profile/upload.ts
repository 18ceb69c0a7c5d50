// Uploads one image for a profile (avatar or banner) the way the API asks (README "Media"): ask for a
// presigned POST, send the file straight to storage, then wait until the media is processed.
// (The composer's uploader in features/timeline/ tracks progress for several files; a profile needs one.)
import { api, idempotencyKey } from "../../api/client";

export const PROFILE_IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];

interface CreatedUpload {
  data: { media_id: string; upload: { url: string; fields: Record<string, string> } };
}
interface OwnMedia {
  data: { media_id: string; state: "processing" | "ready" | "failed"; reason?: string };
}

export class UploadFailed extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The media id once it is ready to attach; throws UploadFailed (with the processor's reason) otherwise. */
export async function uploadImage(file: File, pollMs = 500, timeoutMs = 120_000): Promise<string> {
  const created = await api.post<CreatedUpload>(
    "/api/media",
    { media_type: file.type, total_bytes: file.size },
    { headers: { "Idempotency-Key": idempotencyKey() } },
  );
  const { media_id: mediaId, upload } = created.data;
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  const sent = await fetch(upload.url, { method: "POST", body: form });
  if (!sent.ok) throw new UploadFailed(`storage answered ${sent.status}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const media = await api.get<OwnMedia>(`/api/media/${mediaId}`);
    if (media.data.state === "ready") return mediaId;
    if (media.data.state === "failed") throw new UploadFailed(media.data.reason ?? "failed");
    await sleep(pollMs);
  }
  throw new UploadFailed("timed out");
}
