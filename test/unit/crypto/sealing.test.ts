/** Sealed values name their key, so ENCRYPTION_KEY can rotate; values from before key ids still open. */
import { describe, expect, it } from "vitest";
import { sealV1 } from "../../support/sealed-v1";
import { bytesToBase64 } from "../../../src/crypto/encoding";
import { currentKeyPrefix, isSealedUnderCurrentKey, keyring, reseal, seal, sealedLength, unseal } from "../../../src/crypto/sealing";

const newKey = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
const A = newKey();
const B = newKey();
const C = newKey();


describe("sealing", () => {
  it("seals under the current key and names it", async () => {
    const sealed = await seal(keyring(B, [A]), "secret", "row-1");
    expect(sealed.startsWith(await currentKeyPrefix(B))).toBe(true);
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed).toHaveLength(sealedLength("secret"));
    expect(await unseal(B, sealed, "row-1")).toBe("secret");
  });

  it("opens a value sealed under a previous key, and not once that key is dropped", async () => {
    const sealed = await seal(A, "secret", "row-1");
    expect(await unseal(keyring(B, [A]), sealed, "row-1")).toBe("secret");
    await expect(unseal(B, sealed, "row-1")).rejects.toThrow(/neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS/);
  });

  it("opens values of the first format (no key id) under whichever key of the ring sealed them", async () => {
    const legacy = await sealV1(A, "old secret", "row-2");
    expect(await unseal(A, legacy, "row-2")).toBe("old secret");
    expect(await unseal(keyring(B, [C, A]), legacy, "row-2")).toBe("old secret");
    await expect(unseal(keyring(B, [C]), legacy, "row-2")).rejects.toThrow(/opens under no key/);
  });

  it("still binds a value to its row", async () => {
    const sealed = await seal(A, "secret", "row-1");
    await expect(unseal(A, sealed, "row-2")).rejects.toThrow();
    await expect(unseal(A, await sealV1(A, "secret", "row-1"), "row-2")).rejects.toThrow();
  });

  it("reseals onto the current key, leaving a value already there as it is", async () => {
    const ring = keyring(B, [A]);
    const old = await seal(A, "secret", "row-1");
    expect(await isSealedUnderCurrentKey(ring, old)).toBe(false);
    const moved = await reseal(ring, old, "row-1");
    expect(await isSealedUnderCurrentKey(ring, moved)).toBe(true);
    expect(await unseal(B, moved, "row-1")).toBe("secret");
    expect(await reseal(ring, moved, "row-1")).toBe(moved);
  });

  it("refuses what it does not know", async () => {
    await expect(unseal(A, "v3.abc", "row")).rejects.toThrow(/unknown sealed value format/);
    await expect(unseal(A, "plain text", "row")).rejects.toThrow(/unknown sealed value format/);
  });
});
