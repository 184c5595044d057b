// Drives sessions (createSession, validateSession, refreshSession,
// revokeSession, revokeUserSessions) through @authsignal/node against a
// running Uplift, and checks an access token offline against the
// tenant's JWKS, as an API gateway would. The Go test TestAuthsignalNodeSDK
// starts the server and serves the codes it sent at UPLIFT_TEST_CODES_URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, randomUUID, verify } from "node:crypto";
import { Authsignal, AuthsignalError } from "@authsignal/node";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run this suite through go test ./e2e/`);
  }
  return value;
}

const apiUrl = requiredEnv("UPLIFT_API_URL");
const apiSecretKey = requiredEnv("UPLIFT_SECRET_KEY");
const codesUrl = requiredEnv("UPLIFT_TEST_CODES_URL");
const publicUrl = requiredEnv("UPLIFT_PUBLIC_URL");
const tenantId = requiredEnv("UPLIFT_TENANT_ID");

const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });

// succeededToken signs a new user in with an email code and returns the
// token of the action whose challenge succeeded.
async function succeededToken(userId) {
  const email = `${userId}@example.com`;
  const ch = await authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signIn", email });
  const res = await fetch(`${codesUrl}/email?to=${encodeURIComponent(email)}`);
  const { code } = await res.json();
  assert.equal(res.status, 200, `no email code for ${email}`);
  const verified = await authsignal.verify({ challengeId: ch.challengeId, verificationCode: code });
  assert.equal(verified.isVerified, true);
  const tracked = await authsignal.track({ userId, action: "signIn", attributes: { challengeId: ch.challengeId } });
  assert.equal(tracked.state, "CHALLENGE_SUCCEEDED");
  return tracked.token;
}

async function refused(promise, errorCode) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AuthsignalError, `want AuthsignalError, got ${err}`);
    assert.equal(err.statusCode, 401, err.message);
    assert.equal(err.errorCode, errorCode, err.message);
    return true;
  });
}

test("a session is created, validated, refreshed and revoked", async () => {
  const userId = `user-${randomUUID()}`;
  const token = await succeededToken(userId);
  const created = await authsignal.createSession({ clientId: "web", token, action: "signIn" });
  assert.equal(typeof created.accessToken, "string");
  assert.equal(typeof created.refreshToken, "string");

  const before = Math.floor(Date.now() / 1000);
  const v = await authsignal.validateSession({ accessToken: created.accessToken, clientIds: ["web"] });
  assert.equal(v.user.userId, userId);
  assert.equal(v.user.email, `${userId}@example.com`);
  assert.equal(v.verificationMethod, "EMAIL_OTP");
  assert.ok(v.expiresAt >= before + 590 && v.expiresAt <= before + 610, `expiresAt ${v.expiresAt}`);
  await refused(authsignal.validateSession({ accessToken: created.accessToken, clientIds: ["ios"] }), "invalid_token");

  const refreshed = await authsignal.refreshSession({ refreshToken: created.refreshToken });
  assert.notEqual(refreshed.accessToken, created.accessToken);
  assert.notEqual(refreshed.refreshToken, created.refreshToken);
  assert.equal((await authsignal.validateSession({ accessToken: refreshed.accessToken })).user.userId, userId);
  await refused(authsignal.validateSession({ accessToken: created.accessToken }), "invalid_token");

  await authsignal.revokeSession({ accessToken: refreshed.accessToken });
  await refused(authsignal.validateSession({ accessToken: refreshed.accessToken }), "invalid_token");
  await refused(authsignal.refreshSession({ refreshToken: refreshed.refreshToken }), "invalid_refresh_token");
});

test("an old refresh token is refused and revokes its session", async () => {
  const created = await authsignal.createSession({ clientId: "web", token: await succeededToken(`user-${randomUUID()}`) });
  const refreshed = await authsignal.refreshSession({ refreshToken: created.refreshToken });
  await refused(authsignal.refreshSession({ refreshToken: created.refreshToken }), "invalid_refresh_token");
  await refused(authsignal.validateSession({ accessToken: refreshed.accessToken }), "invalid_token");
});

test("revokeUserSessions ends every session of the user", async () => {
  const userId = `user-${randomUUID()}`;
  const first = await authsignal.createSession({ clientId: "web", token: await succeededToken(userId) });
  const other = await authsignal.createSession({ clientId: "web", token: await succeededToken(`user-${randomUUID()}`) });
  await authsignal.revokeUserSessions({ userId });
  await refused(authsignal.validateSession({ accessToken: first.accessToken }), "invalid_token");
  assert.ok((await authsignal.validateSession({ accessToken: other.accessToken })).user.userId);
});

test("an access token verifies offline against the tenant's JWKS", async () => {
  const userId = `user-${randomUUID()}`;
  const { accessToken } = await authsignal.createSession({ clientId: "web", token: await succeededToken(userId) });
  const res = await fetch(`${apiUrl}/client/public/${tenantId}/.well-known/jwks`);
  assert.equal(res.status, 200);
  const { keys } = await res.json();
  const [header, payload, signature] = accessToken.split(".");
  const head = JSON.parse(Buffer.from(header, "base64url"));
  assert.equal(head.alg, "ES256");
  const jwk = keys.find((k) => k.kid === head.kid);
  assert.ok(jwk, `kid ${head.kid} is not in the JWKS`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const ok = verify("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"));
  assert.ok(ok, "the signature does not verify with the JWKS key");
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url")), sub: "someone" })).toString("base64url");
  assert.equal(verify("sha256", Buffer.from(`${header}.${forged}`), { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url")), false);
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  assert.equal(claims.sub, userId);
  assert.deepEqual([claims.aud].flat(), ["web"]);
  assert.equal(claims.iss, publicUrl);
  assert.ok(claims.exp > Date.now() / 1000);
});
