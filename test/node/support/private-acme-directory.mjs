/**
 * A team, its private CA (root → issuing intermediate, as docs/acme-server.md recommends) and a `private` ACME directory on a
 * running Worker, all made through the API, with EAB keys on demand: the server side of the real-client tests and of
 * the lego benchmark. Or a team holding a name (its project's domain) and a `relay` directory. Any unexpected answer
 * throws with its status and body.
 */

/** POSTs `body` to the Worker at `baseUrl`; answers the parsed body, or throws unless the status is `status`. */
const poster = (baseUrl) => async (path, bearer, body, status) => {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== status) throw new Error(`POST ${path} answered ${response.status} (expected ${status}): ${text}`);
  return JSON.parse(text);
};

/** @returns {Promise<{ token: string, rootPem: string, issuing: { id: string, crlUrl: string }, directory: { id: string, directoryUrl: string }, eabKey(): Promise<{ keyId: string, hmacKey: string }> }>} */
export async function createPrivateDirectory(baseUrl, adminToken, { slug, domain, authorization = "pre-approved" }) {
  const call = poster(baseUrl);
  const { token } = await call("/api/v1/teams", adminToken, { slug, name: slug }, 200);
  const root = await call("/api/v1/cas", token, {
    name: `${slug}-root`,
    kind: "root",
    keyType: "ec",
    keySize: 384,
    subject: { commonName: `${slug} Root CA`, organization: slug },
    validityDays: 3650,
    pathLength: 1,
  }, 201);
  const issuing = await call("/api/v1/cas", token, {
    name: `${slug}-issuing`,
    kind: "intermediate",
    parentId: root.id,
    keyType: "ec",
    keySize: 256,
    subject: { commonName: `${slug} Issuing CA`, organization: slug },
    validityDays: 1825,
  }, 201);
  const directory = await call("/api/v1/acme-directories", token, {
    name: slug,
    issuer: { type: "private", caId: issuing.id, profile: "server" },
    authorization,
    allowedNames: [`*.${domain}`],
  }, 201);
  return {
    token,
    rootPem: root.certificate,
    issuing,
    directory,
    async eabKey() {
      const key = await call(`/api/v1/acme-directories/${directory.id}/eab-keys`, token, {}, 201);
      return { keyId: key.keyId, hmacKey: key.hmacKey };
    },
  };
}

/**
 * A team with a project for each of `domains` (names the team then holds, with DOMAIN_VERIFICATION=off) and a `relay`
 * directory proving control over http-01 through the Worker's challenge route.
 * @returns {Promise<{ token: string, directory: { id: string, directoryUrl: string }, eabKey(): Promise<{ keyId: string, hmacKey: string }> }>}
 */
export async function createRelayDirectory(baseUrl, adminToken, { slug, domains }) {
  const call = poster(baseUrl);
  const { token } = await call("/api/v1/teams", adminToken, { slug, name: slug }, 200);
  for (const [i, domain] of domains.entries()) await call("/api/v1/projects", token, { name: `${slug}-${i}`, domain }, 200);
  const directory = await call("/api/v1/acme-directories", token, { name: slug, issuer: { type: "relay", challengeType: "http-01" }, authorization: "pre-approved" }, 201);
  return {
    token,
    directory,
    async eabKey() {
      const key = await call(`/api/v1/acme-directories/${directory.id}/eab-keys`, token, {}, 201);
      return { keyId: key.keyId, hmacKey: key.hmacKey };
    },
  };
}
