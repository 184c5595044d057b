// Drives, through @authsignal/node against a running Uplift, the calls a
// self-hosted server cannot serve (docs/sdk-compatibility.md): they answer
// 400 method_unavailable with a reason, and 401 without a valid key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Authsignal, AuthsignalError, CallConnect, CallConnectMessageChannel, CallState } from "@authsignal/node";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run this suite through go test ./e2e/`);
  }
  return value;
}

const apiUrl = requiredEnv("UPLIFT_API_URL");
const apiSecretKey = requiredEnv("UPLIFT_SECRET_KEY");

async function rejectsWith(promise, statusCode, errorCode, words) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof AuthsignalError, `want AuthsignalError, got ${err}`);
    assert.equal(err.statusCode, statusCode, err.message);
    assert.equal(err.errorCode, errorCode, err.message);
    if (words) {
      assert.ok(err.errorDescription.includes(words), `"${err.errorDescription}" does not mention "${words}"`);
    }
    return true;
  });
}

test("a challenge by WhatsApp is refused as unavailable, on either field", async () => {
  const authsignal = new Authsignal({ apiSecretKey, apiUrl, retries: 0 });
  const phoneNumber = "+64211230000";
  await rejectsWith(authsignal.challenge({ verificationMethod: "WHATSAPP", action: "signIn", phoneNumber }),
    400, "method_unavailable", "WhatsApp is not available on this server");
  await rejectsWith(authsignal.challenge({ verificationMethod: "SMS", smsChannel: "WHATSAPP", action: "signIn", phoneNumber }),
    400, "method_unavailable", "WhatsApp is not available on this server");
});

test("CallConnect pointed at Uplift is refused as unavailable, after the key", async () => {
  const start = { referenceId: "call-1", phoneNumber: "+64211230000", channel: CallConnectMessageChannel.SMS };
  const finish = { referenceId: "call-1", state: CallState.CHALLENGE_SUCCEEDED };
  const calls = new CallConnect({ apiSecretKey, apiUrl, retries: 0 });
  await rejectsWith(calls.startCall(start), 400, "method_unavailable", "Call Connect is not available on this server");
  await rejectsWith(calls.finishCall(finish), 400, "method_unavailable", "Call Connect is not available on this server");

  const stranger = new CallConnect({ apiSecretKey: "sk_not_a_key", apiUrl, retries: 0 });
  await rejectsWith(stranger.startCall(start), 401, "unauthorized");
  await rejectsWith(stranger.finishCall(finish), 401, "unauthorized");
});
