// Drives every Server API call of @authsignal/node against a running Uplift
// and checks the answers. The Go test TestAuthsignalNodeSDK starts the server
// and sets UPLIFT_API_URL, UPLIFT_PUBLIC_URL, UPLIFT_SECRET_KEY and
// UPLIFT_TENANT_ID.
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
const tenantId = requiredEnv("UPLIFT_TENANT_ID");
const publicUrl = process.env.UPLIFT_PUBLIC_URL ?? new URL(apiUrl).origin;

const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });

const ACTION_STATES = [
  "ALLOW",
  "BLOCK",
  "CHALLENGE_REQUIRED",
  "CHALLENGE_SUCCEEDED",
  "CHALLENGE_FAILED",
  "REVIEW_REQUIRED",
  "REVIEW_SUCCEEDED",
  "REVIEW_FAILED",
];

function newUserId() {
  return `user-${randomUUID()}`;
}

function emailFor(userId) {
  return `${userId}@example.com`;
}

// rejectsWith asserts that promise fails with an AuthsignalError of the given
// HTTP status carrying a non-empty error code.
async function rejectsWith(promise, statusCode) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AuthsignalError, `want AuthsignalError, got ${err}`);
    assert.equal(err.statusCode, statusCode, `status of ${err.message}`);
    assert.equal(typeof err.errorCode, "string", `errorCode of ${err.message}`);
    assert.ok(err.errorCode.length > 0, `empty errorCode in ${err.message}`);
    return true;
  });
}

function assertTimestamp(value, name) {
  assert.equal(typeof value, "string", `${name} should be a string, got ${value}`);
  assert.ok(!Number.isNaN(Date.parse(value)), `${name} should be a date, got ${value}`);
}

function jwtPayload(token) {
  assert.equal(typeof token, "string");
  const parts = token.split(".");
  assert.equal(parts.length, 3, `token should be a JWT, got ${token}`);
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

test("track creates a new user and answers ALLOW with a hosted URL and token", async () => {
  const userId = newUserId();
  assert.equal((await authsignal.getUser({ userId })).isEnrolled, false);

  const res = await authsignal.track({
    userId,
    action: "signIn",
    attributes: { email: emailFor(userId) },
  });

  assert.equal(typeof res.idempotencyKey, "string");
  assert.ok(res.idempotencyKey.length > 0, "idempotencyKey should not be empty");
  // signIn has no configuration: it behaves as CHALLENGE, and a user with no
  // authenticator gets ALLOW for a CHALLENGE outcome.
  assert.equal(res.state, "ALLOW");
  assert.equal(typeof res.url, "string");
  assert.ok(res.url.startsWith(publicUrl), `url ${res.url} should start with ${publicUrl}`);
  assert.equal(jwtPayload(res.token).sub, userId);
  assert.equal(res.isEnrolled, false);

  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false);
});

test("track accepts every attribute the SDK declares", async () => {
  const userId = newUserId();
  const idempotencyKey = randomUUID();
  const res = await authsignal.track({
    userId,
    action: "withdraw",
    attributes: {
      idempotencyKey,
      redirectUrl: `${publicUrl}/done`,
      redirectToSettings: false,
      ipAddress: "203.0.113.7",
      userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
      deviceId: randomUUID(),
      scope: "add:authenticators",
      email: emailFor(userId),
      phoneNumber: "+64270000000",
      username: userId,
      custom: { amount: 100, currency: "NZD", firstTime: true },
      locale: "en",
    },
  });
  assert.equal(res.idempotencyKey, idempotencyKey);
  assert.equal(res.state, "ALLOW");
});

test("track with the same idempotencyKey returns the same action", async () => {
  const userId = newUserId();
  const idempotencyKey = randomUUID();
  const first = await authsignal.track({ userId, action: "signIn", attributes: { idempotencyKey } });
  const second = await authsignal.track({ userId, action: "signIn", attributes: { idempotencyKey } });

  assert.equal(first.idempotencyKey, idempotencyKey);
  assert.equal(second.idempotencyKey, idempotencyKey);
  assert.equal(second.state, first.state);
  assert.equal(jwtPayload(second.token).sub, jwtPayload(first.token).sub);

  const actions = await authsignal.queryUserActions({ userId });
  const matching = actions.filter((a) => a.idempotencyKey === idempotencyKey);
  assert.equal(matching.length, 1, `want one action for the key, got ${JSON.stringify(actions)}`);
});

test("track rejects an invalid action code with 400", async () => {
  await rejectsWith(authsignal.track({ userId: newUserId(), action: "bad code!" }), 400);
});

test("getUser of an unknown user answers a user with nothing enrolled", async () => {
  const user = await authsignal.getUser({ userId: newUserId() });
  assert.equal(user.isEnrolled, false);
  assert.equal(user.email, undefined);
  assert.deepEqual(user.enrolledVerificationMethods, []);
});

test("getAuthenticators and queryUserActions of an unknown user answer empty lists", async () => {
  const userId = newUserId();
  assert.deepEqual(await authsignal.getAuthenticators({ userId }), []);
  assert.deepEqual(await authsignal.queryUserActions({ userId }), []);
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false);
});

test("getUser after track reports the email given to track", async () => {
  const userId = newUserId();
  const email = emailFor(userId);
  await authsignal.track({ userId, action: "signIn", attributes: { email } });

  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, email);
  assert.equal(user.isEnrolled, false);
  assert.equal(user.emailVerified, false);
});

test("updateUser stores the attributes and getUser reflects them", async () => {
  const userId = newUserId();
  await authsignal.track({ userId, action: "signIn" });
  const attributes = {
    email: emailFor(userId),
    username: `name-${userId}`,
    displayName: "Ada Lovelace",
    custom: { plan: "pro" },
  };

  const updated = await authsignal.updateUser({ userId, attributes });
  assert.equal(updated.email, attributes.email);
  assert.equal(updated.username, attributes.username);
  assert.equal(updated.displayName, attributes.displayName);
  assert.equal(updated.custom?.plan, "pro");

  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, attributes.email);
  assert.equal(user.username, attributes.username);
  assert.equal(user.displayName, attributes.displayName);
  assert.equal(user.custom?.plan, "pro");
});

test("updateUser accepts every attribute the SDK declares", async () => {
  const userId = newUserId();
  await authsignal.track({ userId, action: "signIn" });
  const attributes = {
    email: emailFor(userId),
    emailVerified: false,
    phoneNumber: "+64270000001",
    phoneNumberVerified: false,
    username: `name-${userId}`,
    displayName: "Grace Hopper",
    custom: { plan: "team", seats: 5, trial: false },
    locale: "en",
  };
  const updated = await authsignal.updateUser({ userId, attributes });
  assert.equal(updated.phoneNumber, attributes.phoneNumber);
  assert.deepEqual(updated.custom, attributes.custom);

  const user = await authsignal.getUser({ userId });
  assert.equal(user.phoneNumber, attributes.phoneNumber);
  assert.equal(user.phoneNumberVerified, false);
  assert.deepEqual(user.custom, attributes.custom);
});

test("queryUsers finds a user by email and by username", async () => {
  const userId = newUserId();
  const email = emailFor(userId);
  const username = `name-${userId}`;
  await authsignal.track({ userId, action: "signIn" });
  await authsignal.updateUser({ userId, attributes: { email, username } });

  const byEmail = await authsignal.queryUsers({ email });
  assert.deepEqual(byEmail.users.map((u) => u.userId), [userId]);
  assert.equal(byEmail.users[0].email, email);

  const byUsername = await authsignal.queryUsers({ username });
  assert.deepEqual(byUsername.users.map((u) => u.userId), [userId]);
  assert.equal(byUsername.users[0].username, username);

  const nobody = await authsignal.queryUsers({ email: `nobody-${randomUUID()}@example.com` });
  assert.deepEqual(nobody.users, []);
});

test("queryUsers pages with limit and lastEvaluatedUserId", async () => {
  // Three users share one email address, which Authsignal allows.
  const email = `shared-${randomUUID()}@example.com`;
  const userIds = [newUserId(), newUserId(), newUserId()];
  for (const userId of userIds) {
    await authsignal.track({ userId, action: "signIn", attributes: { email } });
  }

  const seen = [];
  let lastEvaluatedUserId;
  for (let page = 0; page < 5; page++) {
    const res = await authsignal.queryUsers({ email, limit: 2, lastEvaluatedUserId });
    assert.ok(res.users.length <= 2, `page ${page} has ${res.users.length} users, limit 2`);
    if (page === 0) {
      assert.equal(res.users.length, 2);
      assert.ok(res.lastEvaluatedUserId, "a full first page should carry lastEvaluatedUserId");
    }
    seen.push(...res.users.map((u) => u.userId));
    lastEvaluatedUserId = res.lastEvaluatedUserId;
    if (!lastEvaluatedUserId) break;
  }
  assert.equal(lastEvaluatedUserId, undefined, "pagination did not end within 5 pages");
  assert.deepEqual([...seen].sort(), [...userIds].sort(), "each user exactly once across pages");
});

test("enrollVerifiedAuthenticator enrols EMAIL_OTP, and deleteAuthenticator removes it", async () => {
  const userId = newUserId();
  const email = emailFor(userId);

  const first = await authsignal.track({ userId, action: "transfer" });
  assert.equal(first.state, "ALLOW");
  assert.equal(first.isEnrolled, false);

  const { authenticator } = await authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email, isDefault: true },
  });
  assert.equal(typeof authenticator.userAuthenticatorId, "string");
  assert.ok(authenticator.userAuthenticatorId.length > 0);
  assert.equal(authenticator.verificationMethod, "EMAIL_OTP");
  assert.equal(authenticator.email, email);
  assert.equal(authenticator.userId, userId);
  assertTimestamp(authenticator.createdAt, "createdAt");
  assertTimestamp(authenticator.verifiedAt, "verifiedAt");

  const list = await authsignal.getAuthenticators({ userId });
  assert.ok(Array.isArray(list), `getAuthenticators should answer an array, got ${JSON.stringify(list)}`);
  const listed = list.find((a) => a.userAuthenticatorId === authenticator.userAuthenticatorId);
  assert.ok(listed, `authenticator missing from ${JSON.stringify(list)}`);
  assert.equal(listed.verificationMethod, "EMAIL_OTP");
  assert.equal(listed.email, email);

  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, true);
  assert.ok(
    user.enrolledVerificationMethods?.includes("EMAIL_OTP"),
    `enrolledVerificationMethods ${JSON.stringify(user.enrolledVerificationMethods)} should contain EMAIL_OTP`,
  );

  // The same unconfigured action now challenges: the user has a method.
  const second = await authsignal.track({ userId, action: "transfer" });
  assert.equal(second.state, "CHALLENGE_REQUIRED");
  assert.equal(second.isEnrolled, true);

  await authsignal.deleteAuthenticator({ userId, userAuthenticatorId: authenticator.userAuthenticatorId });
  const after = await authsignal.getAuthenticators({ userId });
  assert.equal(after.find((a) => a.userAuthenticatorId === authenticator.userAuthenticatorId), undefined);
  assert.equal((await authsignal.getUser({ userId })).isEnrolled, false);

  await rejectsWith(authsignal.deleteAuthenticator({ userId, userAuthenticatorId: randomUUID() }), 404);
});

test("getAction reports the tracked action and 404 for an unknown key", async () => {
  const userId = newUserId();
  const tracked = await authsignal.track({ userId, action: "signIn" });

  const action = await authsignal.getAction({ userId, action: "signIn", idempotencyKey: tracked.idempotencyKey });
  assert.equal(action.state, tracked.state);
  assertTimestamp(action.createdAt, "createdAt");
  assertTimestamp(action.stateUpdatedAt, "stateUpdatedAt");

  await rejectsWith(authsignal.getAction({ userId, action: "signIn", idempotencyKey: randomUUID() }), 404);
});

test("queryUserActions filters by action code and by state", async () => {
  const userId = newUserId();
  const signIn = await authsignal.track({ userId, action: "signIn" });
  const withdraw = await authsignal.track({ userId, action: "withdraw" });
  await authsignal.updateAction({
    userId,
    action: "withdraw",
    idempotencyKey: withdraw.idempotencyKey,
    attributes: { state: "REVIEW_SUCCEEDED" },
  });

  const all = await authsignal.queryUserActions({ userId });
  assert.deepEqual(all.map((a) => a.idempotencyKey).sort(), [signIn.idempotencyKey, withdraw.idempotencyKey].sort());
  for (const a of all) {
    assert.ok(["signIn", "withdraw"].includes(a.actionCode), `actionCode ${a.actionCode}`);
    assert.ok(ACTION_STATES.includes(a.state), `state ${a.state}`);
    assertTimestamp(a.createdAt, "createdAt");
  }

  const byCode = await authsignal.queryUserActions({ userId, actionCodes: ["signIn"] });
  assert.deepEqual(byCode.map((a) => [a.actionCode, a.idempotencyKey]), [["signIn", signIn.idempotencyKey]]);

  const byState = await authsignal.queryUserActions({ userId, state: "REVIEW_SUCCEEDED" });
  assert.deepEqual(byState.map((a) => [a.actionCode, a.idempotencyKey, a.state]), [
    ["withdraw", withdraw.idempotencyKey, "REVIEW_SUCCEEDED"],
  ]);

  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const recent = await authsignal.queryUserActions({ userId, fromDate: hourAgo });
  assert.equal(recent.length, 2, `fromDate ${hourAgo} should keep both actions`);
  const tomorrow = new Date(Date.now() + 86400_000).toISOString();
  assert.deepEqual(await authsignal.queryUserActions({ userId, fromDate: tomorrow }), []);
});

test("updateAction sets every state the SDK names, getAction and validateChallenge report it, and an unknown state is 400", async () => {
  const userId = newUserId();
  const { idempotencyKey, token } = await authsignal.track({ userId, action: "signIn" });
  const states = [
    "REVIEW_REQUIRED",
    "REVIEW_SUCCEEDED",
    "REVIEW_FAILED",
    "BLOCK",
    "ALLOW",
    "CHALLENGE_REQUIRED",
    "CHALLENGE_FAILED",
    "CHALLENGE_SUCCEEDED",
  ];
  for (const state of states) {
    const updated = await authsignal.updateAction({ userId, action: "signIn", idempotencyKey, attributes: { state } });
    assert.equal(updated.state, state);
    assert.equal((await authsignal.getAction({ userId, action: "signIn", idempotencyKey })).state, state);
    const validated = await authsignal.validateChallenge({ token });
    assert.equal(validated.state, state);
    // Only CHALLENGE_SUCCEEDED is a valid token, here on the backend's
    // word: no method proved it.
    assert.equal(validated.isValid, state === "CHALLENGE_SUCCEEDED", `isValid in ${state}`);
    assert.equal(validated.verificationMethod, undefined);
  }

  await rejectsWith(
    authsignal.updateAction({ userId, action: "signIn", idempotencyKey, attributes: { state: "NOT_A_STATE" } }),
    400,
  );
  await rejectsWith(
    authsignal.updateAction({ userId, action: "signIn", idempotencyKey: "no-such-key", attributes: { state: "ALLOW" } }),
    404,
  );
});

test("validateChallenge describes the action behind a track token", async () => {
  const userId = newUserId();
  const tracked = await authsignal.track({ userId, action: "signIn" });

  const res = await authsignal.validateChallenge({ token: tracked.token });
  assert.equal(typeof res.isValid, "boolean");
  assert.equal(res.state, tracked.state);
  assert.equal(res.userId, userId);
  assert.equal(res.action, "signIn");
  assert.equal(res.idempotencyKey, tracked.idempotencyKey);
});

test("validateChallenge accepts the userId and action the SDK may send", async () => {
  const userId = newUserId();
  const tracked = await authsignal.track({ userId, action: "signIn" });

  const res = await authsignal.validateChallenge({ token: tracked.token, userId, action: "signIn" });
  assert.equal(res.userId, userId);
  assert.equal(res.action, "signIn");
});

test("validateChallenge answers isValid false for a garbage token", async () => {
  const res = await authsignal.validateChallenge({ token: "not.a.token" });
  assert.equal(res.isValid, false);
});

test("deleteUser removes the user", async () => {
  const userId = newUserId();
  await authsignal.track({ userId, action: "signIn" });
  await authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email: emailFor(userId) },
  });

  await authsignal.deleteUser({ userId });
  const deleted = await authsignal.getUser({ userId });
  assert.equal(deleted.isEnrolled, false);
  assert.equal(deleted.email, undefined);
});

test("a wrong, empty or public key is refused with 401", async () => {
  const keys = { wrong: `${apiSecretKey}x`, empty: "", tenantId };
  for (const [name, key] of Object.entries(keys)) {
    const client = new Authsignal({ apiSecretKey: key, apiUrl, retries: 0 });
    await rejectsWith(client.getUser({ userId: newUserId() }), 401).catch((err) => {
      throw new Error(`${name} key: ${err.message}`, { cause: err });
    });
  }
});
