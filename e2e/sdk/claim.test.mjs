// Drives getChallenge (GET /v1/challenges) and claimChallenge (POST
// /v1/claim) through @authsignal/node against a running Uplift, after
// email challenges started without a user. The Go test
// TestAuthsignalNodeSDK starts the server and serves the codes its SMTP
// server received at UPLIFT_TEST_CODES_URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
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

const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });

async function lastEmailCode(to) {
  const res = await fetch(`${codesUrl}/email?to=${encodeURIComponent(to)}`);
  const body = await res.json();
  assert.equal(res.status, 200, `no email code for ${to}: ${JSON.stringify(body)}`);
  assert.match(body.code, /^[0-9]{6}$/);
  return body.code;
}

async function rejectsWith(promise, statusCode, errorCode) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AuthsignalError, `want AuthsignalError, got ${err}`);
    assert.equal(err.statusCode, statusCode, err.message);
    assert.equal(err.errorCode, errorCode, err.message);
    return true;
  });
}

test("getChallenge describes an email challenge, and claimChallenge gives its user a valid token", async () => {
  const userId = `user-${randomUUID()}`;
  const email = `${userId}@example.com`;
  const ch = await authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signUp", email });

  const got = await authsignal.getChallenge({ challengeId: ch.challengeId });
  assert.equal(got.challengeId, ch.challengeId);
  assert.equal(got.expiresAt, ch.expiresAt);
  assert.equal(got.verificationMethod, "EMAIL_OTP");
  assert.equal(got.email, email);
  assert.equal(got.action, "signUp");

  // Not yet verified: no claim.
  await rejectsWith(authsignal.claimChallenge({ challengeId: ch.challengeId, userId }), 400, "invalid_request");
  const code = await lastEmailCode(email);
  assert.equal((await authsignal.verify({ challengeId: ch.challengeId, verificationCode: code })).isVerified, true);

  const claimed = await authsignal.claimChallenge({ challengeId: ch.challengeId, userId });
  assert.equal(typeof claimed.token, "string");
  assert.equal(claimed.verificationMethod, "EMAIL_OTP");
  const validated = await authsignal.validateChallenge({ token: claimed.token });
  assert.equal(validated.isValid, true);
  assert.equal(validated.state, "CHALLENGE_SUCCEEDED");
  assert.equal(validated.userId, userId);
  assert.equal(validated.action, "signUp");
  assert.equal(validated.verificationMethod, "EMAIL_OTP");
  const action = await authsignal.getAction({ userId, action: "signUp", idempotencyKey: ch.idempotencyKey });
  assert.equal(action.state, "CHALLENGE_SUCCEEDED");
  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, email);
  assert.equal(user.emailVerified, true);

  // Again for the same user: the same action; for another: refused.
  const again = await authsignal.claimChallenge({ challengeId: ch.challengeId, userId });
  assert.equal((await authsignal.validateChallenge({ token: again.token })).idempotencyKey, ch.idempotencyKey);
  await rejectsWith(
    authsignal.claimChallenge({ challengeId: ch.challengeId, userId: `other-${randomUUID()}` }),
    409,
    "conflict",
  );
  await rejectsWith(authsignal.getChallenge({ challengeId: randomUUID() }), 404, "not_found");
});

test("getChallenge finds a user's newest challenge by userId, action and verificationMethod", async () => {
  const userId = `user-${randomUUID()}`;
  const email = `${userId}@example.com`;
  const ch = await authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signIn", email, userId });
  const got = await authsignal.getChallenge({ userId, action: "signIn", verificationMethod: "EMAIL_OTP" });
  assert.equal(got.challengeId, ch.challengeId);
  assert.equal(got.email, email);
  await rejectsWith(authsignal.getChallenge({ userId, verificationMethod: "SMS" }), 404, "not_found");
  await rejectsWith(authsignal.getChallenge({ action: "signIn" }), 400, "invalid_request");
});

test("claimChallenge with skipVerificationCheck completes the action on the backend's word", async () => {
  const userId = `user-${randomUUID()}`;
  const email = `${userId}@example.com`;
  const ch = await authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signUp", email });
  const claimed = await authsignal.claimChallenge({ challengeId: ch.challengeId, userId, skipVerificationCheck: true });
  assert.equal(claimed.verificationMethod, "EMAIL_OTP");
  const validated = await authsignal.validateChallenge({ token: claimed.token });
  assert.equal(validated.isValid, true);
  assert.equal(validated.userId, userId);
  // The address was never proved.
  const user = await authsignal.getUser({ userId });
  assert.equal(user.emailVerified, false);
  assert.equal(user.isEnrolled, false);
});
