// What a person reads when a request fails: the API's own message for a rule they broke (it names the
// field and the rule), and plain words for the rest; a rate limit says when to try again.
import { ApiError } from "../api/client";
import { t } from "./messages";

export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t("failed");
  switch (error.status) {
    case 0:
      return t("network");
    case 429:
      return error.retryAfter ? t("tooMany", { seconds: Math.ceil(error.retryAfter) }) : t("tooManyLater");
    case 503:
      return t("busy");
    case 401:
      return t("signedOut");
    case 403:
      return error.message && error.code !== "forbidden" ? error.message : t("forbidden");
    case 404:
      return t("notFound");
    default:
      return error.status >= 500 ? t("failed") : error.message;
  }
}
