// Drives the Server API's code challenges (POST /v1/challenge, /v1/verify,
// and track with a challengeId) through @authsignal/node against a running
// Uplift. The Go test TestAuthsignalNodeSDK starts the server with an SMTP
// server and an SMS webhook of its own, and serves the codes they received
// at UPLIFT_TEST_CODES_URL.
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

// lastCode returns the code in the newest email ("email") or text ("sms")
// the test's receivers got for `to`.
async function lastCode(kind, to) {
  const res = await fetch(`${codesUrl}/${kind}?to=${encodeURIComponent(to)}`);
  const body = await res.json();
  assert.equal(res.status, 200, `no ${kind} code for ${to}: ${JSON.stringify(body)}`);
  assert.match(body.code, /^[0-9]{6}$/);
  return body.code;
}

function otherCode(code) {
  return code === "000000" ? "111111" : "000000";
}

// uniquePhone returns an E.164 number no other test uses.
function uniquePhone() {
  const digits = String(parseInt(randomUUID().replaceAll("-", "").slice(0, 12), 16)).slice(0, 9);
  return `+6421${digits.padStart(9, "0")}`;
}

async function rejectsWith(promise, statusCode, errorCode) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AuthsignalError, `want AuthsignalError, got ${err}`);
    assert.equal(err.statusCode, statusCode, err.message);
    assert.equal(err.errorCode, errorCode, err.message);
    assert.ok(err.errorDescription, `no description in ${err.message}`);
    return true;
  });
}

test("an email challenge verifies, and track claims it as a successful challenge", async () => {
  const userId = `user-${randomUUID()}`;
  const email = `${userId}@example.com`;
  const before = Math.floor(Date.now() / 1000);
  const ch = await authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signInWithEmail", email });
  assert.equal(typeof ch.challengeId, "string");
  assert.equal(typeof ch.idempotencyKey, "string");
  assert.ok(ch.expiresAt >= before + 590 && ch.expiresAt <= before + 610, `expiresAt ${ch.expiresAt}`);

  const code = await lastCode("email", email);
  const wrong = await authsignal.verify({ challengeId: ch.challengeId, verificationCode: otherCode(code) });
  assert.equal(wrong.isVerified, false);
  assert.equal(wrong.failureReason, "CODE_INVALID_OR_EXPIRED");

  const ok = await authsignal.verify({ challengeId: ch.challengeId, verificationCode: code });
  assert.equal(ok.isVerified, true);
  assert.equal(ok.email, email);
  assert.equal(ok.verificationMethod, "EMAIL_OTP");
  assert.equal(ok.failureReason, undefined);

  const tracked = await authsignal.track({
    userId,
    action: "signInWithEmail",
    attributes: { challengeId: ch.challengeId },
  });
  assert.equal(tracked.state, "CHALLENGE_SUCCEEDED");
  assert.equal(tracked.idempotencyKey, ch.idempotencyKey);
  assert.equal(tracked.isEnrolled, true);
  assert.deepEqual(tracked.enrolledVerificationMethods, ["EMAIL_OTP"]);

  const valid = await authsignal.validateChallenge({ token: tracked.token });
  assert.equal(valid.isValid, true);
  assert.equal(valid.state, "CHALLENGE_SUCCEEDED");
  assert.equal(valid.verificationMethod, "EMAIL_OTP");
  assert.equal(valid.userId, userId);

  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, email);
  assert.equal(user.emailVerified, true);
});

test("an SMS challenge ends after five wrong codes", async () => {
  const phoneNumber = uniquePhone();
  const ch = await authsignal.challenge({ verificationMethod: "SMS", action: "signInWithSms", phoneNumber });
  const code = await lastCode("sms", phoneNumber);
  for (let i = 1; i <= 5; i++) {
    const res = await authsignal.verify({ challengeId: ch.challengeId, verificationCode: otherCode(code) });
    assert.equal(res.isVerified, false);
    assert.equal(res.phoneNumber, phoneNumber);
    assert.equal(res.verificationMethod, "SMS");
    assert.equal(res.failureReason, i < 5 ? "CODE_INVALID_OR_EXPIRED" : "MAX_ATTEMPTS_EXCEEDED");
  }
  const late = await authsignal.verify({ challengeId: ch.challengeId, verificationCode: code });
  assert.equal(late.isVerified, false);
  assert.equal(late.failureReason, "CODE_INVALID_OR_EXPIRED");

  await rejectsWith(
    authsignal.track({ userId: `user-${randomUUID()}`, action: "signInWithSms", attributes: { challengeId: ch.challengeId } }),
    400,
    "invalid_request",
  );
});

test("a second code to the same address within 30 seconds is refused", async () => {
  const phoneNumber = uniquePhone();
  await authsignal.challenge({ verificationMethod: "SMS", action: "signInWithSms", phoneNumber });
  await rejectsWith(
    authsignal.challenge({ verificationMethod: "SMS", action: "signInWithSms", phoneNumber }),
    429,
    "too_many_requests",
  );
});

test("challenge and verify refuse bad input", async () => {
  await rejectsWith(authsignal.challenge({ verificationMethod: "WHATSAPP", action: "signIn", phoneNumber: uniquePhone() }), 400, "method_unavailable");
  await rejectsWith(authsignal.challenge({ verificationMethod: "EMAIL_OTP", action: "signIn" }), 400, "invalid_request");
  await rejectsWith(authsignal.verify({ challengeId: randomUUID(), verificationCode: "123456" }), 404, "not_found");
});
