/** Rejects request bodies over a size limit with 413 before anything reads them. */
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../core/errors";

/** 256 KiB: a full certificate chain plus an RSA-4096 key is under 16 KiB. */
export const MAX_BODY_BYTES = 256 * 1024;

export function limitBodySize(maxSize = MAX_BODY_BYTES) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", `Request body is larger than ${maxSize / 1024} KiB`);
    },
  });
}
