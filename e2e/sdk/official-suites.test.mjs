// What Authsignal's own SDK test suites (authsignal-node 2.21.0,
// authsignalgo v2.2.0, authsignal-java 2.10.1) expect of the server, and
// Uplift once answered otherwise: users made lazily, phone numbers as
// given, getAction's output, Java's POST to update a user, and the 401 of
// a bad key on any path. Run through go test ./e2e/ (see server-api.test.mjs).
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

const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });

// The 401 every official suite compares word for word.
const UNAUTHORIZED =
  "The request is unauthorized. Check that your API key and region base URL are correctly configured.";

function newUserId() {
  return `official-${randomUUID()}`;
}

// send sends a Server API request the Node SDK has no method for, as
// another official SDK sends it.
async function send(method, path, body, key = apiSecretKey) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}`,
      "Content-Type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test("getUser of a never-seen user is not enrolled", async () => {
  const userId = newUserId();
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false);
  assert.equal(user.emailVerified, false);
  assert.equal(user.phoneNumberVerified, false);
  assert.deepEqual(user.enrolledVerificationMethods, []);
  assert.ok(user.allowedVerificationMethods.length > 0);
});

test("getUser of a deleted user is not enrolled", async () => {
  const userId = newUserId();
  await authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email: `${userId}@example.com` },
  });
  assert.equal((await authsignal.getUser({ userId })).isEnrolled, true);
  await authsignal.deleteUser({ userId });
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false);
  assert.equal(user.email, undefined);
});

test("updateUser of a never-seen user creates it with the attributes", async () => {
  const userId = newUserId();
  const email = `${userId}@example.com`;
  const updated = await authsignal.updateUser({
    userId,
    attributes: { email, phoneNumber: "9876543210", displayName: "A New User" },
  });
  assert.equal(updated.email, email);
  assert.equal(updated.phoneNumber, "9876543210");
  assert.equal(updated.displayName, "A New User");

  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, email);
  assert.equal(user.phoneNumber, "9876543210");
  assert.equal(user.displayName, "A New User");
  const found = await authsignal.queryUsers({ email });
  assert.deepEqual(
    found.users.map((u) => u.userId),
    [userId],
  );
});

test("POST /v1/users/{userId}, as authsignal-java sends updateUser, creates and updates the user", async () => {
  const userId = newUserId();
  const email = `${userId}@example.com`;
  const created = await send("POST", `/users/${userId}`, { email, username: "Test User" });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.email, email);
  const again = await send("POST", `/users/${userId}`, { displayName: "Later" });
  assert.equal(again.status, 200, JSON.stringify(again.body));

  const user = await authsignal.getUser({ userId });
  assert.equal(user.email, email);
  assert.equal(user.username, "Test User");
  assert.equal(user.displayName, "Later");
});

test("track with a phone number not in E.164 form succeeds and keeps it as given", async () => {
  const userId = newUserId();
  const res = await authsignal.track({
    userId,
    action: "go-sdk-test",
    attributes: { phoneNumber: "1234567890" },
  });
  assert.equal(typeof res.idempotencyKey, "string");
  assert.equal((await authsignal.getUser({ userId })).phoneNumber, "1234567890");

  // Texting it is what needs E.164, and says so.
  await assert.rejects(
    authsignal.enrollVerifiedAuthenticator({
      userId,
      attributes: { verificationMethod: "SMS", phoneNumber: "1234567890" },
    }),
    (err) => err instanceof AuthsignalError && err.statusCode === 400 && /E\.164/.test(err.errorDescription),
  );
});

test("getAction's output is an object", async () => {
  const userId = newUserId();
  const tracked = await authsignal.track({ userId, action: "signIn" });
  const action = await authsignal.getAction({ userId, action: "signIn", idempotencyKey: tracked.idempotencyKey });
  assert.equal(typeof action.output, "object");
  assert.notEqual(action.output, null);
  assert.ok(!Array.isArray(action.output));
});

test("a wrong key is 401 on every path, served or not, in the words the official suites expect", async () => {
  const wrong = new Authsignal({ apiSecretKey: "bad-secret", apiUrl, retries: 0 });
  const calls = {
    "getUser": () => wrong.getUser({ userId: newUserId() }),
    // authsignalgo's GetAction with an empty idempotency key: GET .../actions/go-sdk-test/
    "getAction without a key": () => wrong.getAction({ userId: "x", action: "y", idempotencyKey: "" }),
    "getAction": () => wrong.getAction({ userId: "x", action: "y", idempotencyKey: "z" }),
  };
  for (const [name, call] of Object.entries(calls)) {
    await assert.rejects(call(), (err) => {
      assert.ok(err instanceof AuthsignalError, `${name}: ${err}`);
      assert.equal(err.statusCode, 401, `${name}: ${err.message}`);
      assert.equal(err.errorCode, "unauthorized", name);
      assert.equal(err.errorDescription, UNAUTHORIZED, name);
      return true;
    });
  }
  for (const [method, path] of [
    ["GET", "/users/x/actions/y/"],
    ["GET", "/no/such/endpoint"],
    ["PUT", "/users/x"],
  ]) {
    const res = await send(method, path, undefined, "bad-secret");
    assert.equal(res.status, 401, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errorDescription, UNAUTHORIZED);
  }
  // With the key, an unknown path is 404 and a known one asked wrongly 405.
  assert.equal((await send("GET", "/users/x/actions/y/")).status, 404);
  assert.equal((await send("PUT", "/users/x")).status, 405);
});
