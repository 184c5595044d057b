// Uplift hosted pages: capability reporting, the passkey ceremonies of the
// challenge and the uplift prompt, and the WebAuthn Signal API. Pages work
// without it where they can; with it, forms that lead to an uplift
// decision wait until the device's capabilities are reported.

const main = document.querySelector("main[data-token]");
const statusBox = document.querySelector("[data-status]");

// The page's words, in its language: the server writes them into a JSON
// block (see layout.html), so this script holds no text of its own.
const text = (() => {
  const block = document.getElementById("uplift-text");
  try {
    return block ? JSON.parse(block.textContent) : {};
  } catch {
    return {};
  }
})();

// t returns the message key names in the page's language.
function t(key) {
  return typeof text[key] === "string" ? text[key] : key;
}
let pending = null; // the AbortController of the ceremony in progress

// Popup mode: the browser SDK launched the flow in a frame of the app's
// page or in a window it opened. The server lists the tenant's origins;
// every message goes to each of them as its target origin, so the
// browser delivers it only if the parent (frame) or opener (window) is
// at one of them, never to any other site.
const popup = document.body.classList.contains("popup");
const appOrigins = (document.body.dataset.popupOrigins || "").split(" ").filter(Boolean);
const framed = window.parent !== window;

function tellApp(message) {
  const app = framed ? window.parent : window.opener;
  if (!app) return; // opened by hand: the close page says to close it
  for (const origin of appOrigins) app.postMessage(message, origin);
}

// In a frame, the SDK sizes the frame to the height it is sent, and shows
// it once it hears the page is ready.
if (popup && framed) {
  let last = 0;
  const sendHeight = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      tellApp({height});
    }
  };
  new ResizeObserver(sendHeight).observe(document.body);
  sendHeight();
  tellApp(JSON.stringify({event: "AUTHSIGNAL_READY"}));
}

// The close page hands the app its token and lets the SDK close the
// frame or window.
const closeBox = document.querySelector("[data-popup-close]");
if (popup && closeBox) {
  tellApp(JSON.stringify({event: "AUTHSIGNAL_CLOSE_POPUP", token: closeBox.dataset.popupClose}));
}

// say puts a message in the page's live region (role=status), which
// screen readers read out when it changes; "" empties it.
function say(message, isError) {
  if (!statusBox) return;
  statusBox.textContent = message;
  statusBox.classList.toggle("error", Boolean(isError));
}

// waiting says that the device is asking the person (its fingerprint,
// face or screen lock), for as long as a WebAuthn call is pending.
function waiting() {
  say(t("waiting"));
}

// post sends a JSON step of the flow with its token and CSRF field.
async function post(path, body) {
  const response = await fetch(popup ? path + "?mode=popup" : path, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-Uplift-CSRF": main.dataset.csrf},
    body: JSON.stringify({token: main.dataset.token, ...body}),
  });
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = new Error(t("requestFailed"));
    err.code = data.error;
    err.next = data.next;
    throw err;
  }
  return data;
}

// settled runs fn and returns its value, or undefined if it throws:
// a capability that cannot be read is unknown, not false.
async function settled(fn) {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

async function readCapabilities() {
  const pkc = window.PublicKeyCredential;
  const caps = {publicKeyCredential: typeof pkc === "function"};
  if (!caps.publicKeyCredential) return caps;
  caps.isUserVerifyingPlatformAuthenticatorAvailable =
    await settled(() => pkc.isUserVerifyingPlatformAuthenticatorAvailable());
  if (typeof pkc.isConditionalMediationAvailable === "function") {
    caps.isConditionalMediationAvailable = await settled(() => pkc.isConditionalMediationAvailable());
  }
  if (typeof pkc.getClientCapabilities === "function") {
    caps.clientCapabilities = await settled(() => pkc.getClientCapabilities());
  }
  return caps;
}

// capabilitiesReported settles once this page has reported the device's
// capabilities (or failed to: the decision then treats them as unknown).
const capabilitiesReported = main && main.hasAttribute("data-report-capabilities")
  ? readCapabilities().then((capabilities) => post("/login/capabilities", {capabilities})).catch(() => {})
  : Promise.resolve();

// Base64url helpers, for browsers without the WebAuthn JSON methods.
function fromB64url(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
}

function toB64url(buf) {
  let s = "";
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((c) => ({...c, id: fromB64url(c.id)}));
}

function creationOptions(o) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o);
  return {...o, challenge: fromB64url(o.challenge), user: {...o.user, id: fromB64url(o.user.id)},
    excludeCredentials: withIds(o.excludeCredentials)};
}

function requestOptions(o) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(o);
  return {...o, challenge: fromB64url(o.challenge), allowCredentials: withIds(o.allowCredentials)};
}

function credentialJSON(c) {
  if (typeof c.toJSON === "function") return c.toJSON();
  const r = c.response;
  const out = {id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(), response: {clientDataJSON: toB64url(r.clientDataJSON)}};
  if (r.attestationObject) {
    out.response.attestationObject = toB64url(r.attestationObject);
    out.response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = toB64url(r.authenticatorData);
    out.response.signature = toB64url(r.signature);
    if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
  }
  return out;
}

// ceremonySignal aborts any ceremony still pending (a dangling request
// makes the next one fail) and returns the signal for a new one.
function ceremonySignal() {
  if (pending) pending.abort();
  pending = new AbortController();
  return pending.signal;
}

function busy(form, on) {
  for (const b of form.querySelectorAll("button")) b.disabled = on;
}

// Forms that lead to an uplift decision wait for the capability report.
for (const form of document.querySelectorAll("form[data-await-capabilities]")) {
  let ready = false;
  form.addEventListener("submit", (event) => {
    if (ready) return;
    event.preventDefault();
    const submitter = event.submitter;
    // A form cannot be submitted again while its submit event is still
    // being dispatched, so the submission waits for a new task.
    capabilitiesReported.finally(() => setTimeout(() => {
      ready = true;
      form.requestSubmit(submitter || undefined);
    }));
  });
}

// signalAccepted tells the credential manager which of the user's
// passkeys the server accepts, and the user's current names, so a
// renamed user shows under the new name.
async function signalAccepted(signal) {
  const pkc = window.PublicKeyCredential;
  if (!signal || !pkc) return;
  const {rpId, userId, allAcceptedCredentialIds, name, displayName} = signal;
  if (typeof pkc.signalAllAcceptedCredentials === "function") {
    await settled(() => pkc.signalAllAcceptedCredentials({rpId, userId, allAcceptedCredentialIds}));
  }
  if (name && typeof pkc.signalCurrentUserDetails === "function") {
    await settled(() => pkc.signalCurrentUserDetails({rpId, userId, name, displayName: displayName || name}));
  }
}

async function signalUnknown(rpId, credentialId) {
  const pkc = window.PublicKeyCredential;
  if (!pkc || typeof pkc.signalUnknownCredential !== "function") return;
  await settled(() => pkc.signalUnknownCredential({rpId, credentialId}));
}

// finishSignIn verifies a passkey the browser returned, from the button
// or from autofill alike, and goes on to the next page; a passkey the
// server no longer has is signalled so the credential manager forgets it.
async function finishSignIn(form, opts, cred) {
  try {
    const res = await post("/login/passkey/verify", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    await signalAccepted(res.signal);
    window.location.assign(res.next);
    return true;
  } catch (err) {
    await signInFailed(form, err, opts.options.rpId, cred.id);
    return false;
  }
}

async function signInFailed(form, err, rpId, credentialId) {
  busy(form, false);
  if (err.code === "unknown_credential") {
    if (credentialId) await signalUnknown(rpId, credentialId);
    say(t("signInRemoved"), true);
  } else if (err.name === "NotAllowedError" || err.name === "AbortError") {
    say(t("signInCancelled"), true);
  } else {
    say(t("signInFailed"), true);
  }
  const button = form.querySelector("button");
  if (button) button.focus();
}

async function passkeySignIn(form) {
  busy(form, true);
  stopAutofill();
  buttonSignIn = true;
  try {
    await capabilitiesReported;
    const opts = await post("/login/passkey/options", {});
    waiting();
    const cred = await navigator.credentials.get({publicKey: requestOptions(opts.options), signal: ceremonySignal()});
    if (await finishSignIn(form, opts, cred)) return;
  } catch (err) {
    await signInFailed(form, err);
  }
  buttonSignIn = false;
  startAutofill();
}

// Passkey autofill: where the browser offers passkeys in the identifier
// field's suggestions (conditional mediation), a request for the flow's
// user waits there from the start. Its options list no credentials, as
// autofill offers every passkey of the relying party, but the server
// accepts only the flow's user's; choosing one signs in through the
// same verification as the button. The button aborts the request before
// its own. The request is made again before its challenge expires, so a
// page left open keeps working.
const autofillBox = document.querySelector("[data-passkey-autofill]");
let autofill = null; // the AbortController of the waiting request
let autofillRenewal = 0;
let buttonSignIn = false; // the button's sign-in is under way

function stopAutofill() {
  clearTimeout(autofillRenewal);
  if (autofill) autofill.abort();
  autofill = null;
}

async function conditionalMediation() {
  const pkc = window.PublicKeyCredential;
  if (!pkc || typeof pkc.isConditionalMediationAvailable !== "function") return false;
  return Boolean(await settled(() => pkc.isConditionalMediationAvailable()));
}

async function startAutofill() {
  if (!autofillBox || buttonSignIn || !(await conditionalMediation()) || buttonSignIn) return;
  stopAutofill();
  const controller = new AbortController();
  autofill = controller;
  autofillBox.hidden = false;
  let opts, cred;
  try {
    await capabilitiesReported;
    opts = await post("/login/passkey/options", {conditional: true});
    if (controller.signal.aborted) return;
    const renewIn = Math.max(60000, (opts.options.timeout || 300000) - 30000);
    autofillRenewal = setTimeout(() => { if (autofill === controller) startAutofill(); }, renewIn);
    cred = await navigator.credentials.get({publicKey: requestOptions(opts.options), mediation: "conditional",
      signal: controller.signal});
  } catch {
    // Unless the button or a renewal took over, the request failed (a
    // previous page's may still have been pending): it starts again when
    // the person goes to the field. The button stays either way.
    if (autofill === controller) {
      stopAutofill();
      retryAutofillOnFocus();
    }
    return;
  }
  if (autofill !== controller) return;
  autofill = null;
  clearTimeout(autofillRenewal);
  const form = signInForm || autofillBox; // the button, if this page shows it, waits meanwhile
  busy(form, true);
  if (!(await finishSignIn(form, opts, cred))) {
    // The passkey chosen was refused: autofill offers again once the
    // person goes back to the field, rather than at once.
    retryAutofillOnFocus();
  }
}

function retryAutofillOnFocus() {
  autofillBox.querySelector("input").addEventListener("focus", () => startAutofill(), {once: true});
}

// promptOutcome names how the system's passkey dialog ended without a
// passkey: cancelled counts as "Not now"; InvalidStateError means this
// authenticator already holds one of the user's passkeys.
function promptOutcome(err) {
  if (err.name === "NotAllowedError" || err.name === "AbortError") return "dismissed";
  if (err.name === "InvalidStateError") return "exists";
  return "failed";
}

// continueLink shows the prompt's way on to the app, pointing at next
// when the server gave one, and returns it.
function continueLink(next) {
  const more = document.querySelector("[data-continue]");
  if (!more) return null;
  const link = more.querySelector("a");
  if (next) link.href = next;
  more.hidden = false;
  return link;
}

// noPasskey says that no passkey was made. After a refusal (cancelled or
// timed out) the person may try again or continue; otherwise only
// continue. Either way the prompt never returns to the app without a
// word.
function noPasskey(form, message, next, canRetry, isError = true) {
  say(message, isError);
  const link = continueLink(next);
  if (canRetry) {
    busy(form, false);
    for (const b of form.querySelectorAll("button[name=choice]:not([value=create])")) b.hidden = true;
    const create = form.querySelector("button[value=create]");
    if (create) create.focus();
    return;
  }
  form.hidden = true;
  if (link) link.focus();
}

async function createPasskey(form) {
  busy(form, true);
  let opts;
  try {
    opts = await post("/login/passkey/register/options", {});
  } catch (err) {
    return noPasskey(form, t("createFailed"), err.next, false);
  }
  let cred;
  try {
    waiting();
    cred = await navigator.credentials.create({publicKey: creationOptions(opts.options), signal: ceremonySignal()});
  } catch (err) {
    const outcome = promptOutcome(err);
    const message = {dismissed: t("createCancelled"), exists: t("createExists")}[outcome] || t("createFailed");
    try {
      const res = await post("/login/prompt/result", {outcome, cause: String(err.name || "")});
      return noPasskey(form, message, res.next, outcome === "dismissed", outcome !== "exists");
    } catch (reportErr) {
      return noPasskey(form, message, reportErr.next, false);
    }
  }
  try {
    const res = await post("/login/passkey/register", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    window.location.assign(res.next);
  } catch (err) {
    noPasskey(form, t("createFailed"), err.next, false);
  }
}

const signInForm = document.querySelector("form[data-passkey-signin]");
if (signInForm && window.PublicKeyCredential) {
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    passkeySignIn(signInForm);
  });
}
if (autofillBox && window.PublicKeyCredential) startAutofill();

const promptForm = document.querySelector("form[data-uplift-prompt]");
if (promptForm && window.PublicKeyCredential) {
  promptForm.addEventListener("submit", (event) => {
    if (!event.submitter || event.submitter.value !== "create") return; // "Not now" posts as it is
    event.preventDefault();
    createPasskey(promptForm);
  });
}

// A confirmation continues to the app by itself after a moment; its
// Continue link goes at once.
const autoContinue = document.querySelector("[data-auto-continue]");
const nextLink = document.querySelector("a[data-next]");
if (autoContinue && nextLink) {
  setTimeout(() => window.location.assign(nextLink.href), Number(autoContinue.dataset.autoContinue) || 3000);
}

// The Passkeys page tells the credential manager which of the user's
// passkeys the server accepts, and forgets the one just removed.
const settingsSignal = document.querySelector("[data-signal-accepted]");
if (settingsSignal) {
  const {signalRp: rpId, signalUser: userId, signalAccepted: accepted, signalUnknown: removed,
    signalName: name, signalDisplayName: displayName} = settingsSignal.dataset;
  (async () => {
    if (removed) await signalUnknown(rpId, removed);
    await signalAccepted({rpId, userId, allAcceptedCredentialIds: accepted.split(" ").filter(Boolean), name, displayName});
  })();
}

// "Add a passkey" on the Passkeys page creates one on this device.
async function addPasskey(form) {
  busy(form, true);
  try {
    const opts = await post("/login/passkeys/add/options", {});
    waiting();
    const cred = await navigator.credentials.create({publicKey: creationOptions(opts.options), signal: ceremonySignal()});
    const res = await post("/login/passkeys/add/verify", {challengeId: opts.challengeId, credential: credentialJSON(cred)});
    window.location.assign(res.next);
  } catch (err) {
    busy(form, false);
    if (err.name === "InvalidStateError") {
      say(t("addExists"), true);
    } else if (err.name === "NotAllowedError" || err.name === "AbortError") {
      say(t("addCancelled"), true);
    } else {
      say(t("addFailed"), true);
    }
    const button = form.querySelector("button");
    if (button) button.focus();
  }
}

const addForm = document.querySelector("form[data-passkey-add]");
if (addForm && window.PublicKeyCredential) {
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    addPasskey(addForm);
  });
}

// A countdown ("You can ask for a new code in 30 seconds.") counts down
// each second, in the page's language and plural forms. The controls it
// holds back (data-after-countdown) say they are unavailable until it
// reaches 0, then work and the live region says so. The server still
// refuses a code asked for too soon; without this script the controls
// simply work.
const countdown = document.querySelector("[data-countdown]");
if (countdown) {
  const held = [...document.querySelectorAll("[data-after-countdown]")];
  const rules = new Intl.PluralRules(document.documentElement.lang || "en");
  let left = Math.max(0, Math.ceil(Number(countdown.dataset.countdown) || 0));
  const hold = (on) => {
    for (const control of held) {
      if (on) control.setAttribute("aria-disabled", "true");
      else control.removeAttribute("aria-disabled");
    }
  };
  for (const control of held) {
    control.addEventListener("click", (event) => {
      if (control.getAttribute("aria-disabled") === "true") event.preventDefault();
    });
  }
  // Seconds up to two minutes, else whole minutes, as the server says it.
  const show = () => {
    const minutes = left > 120;
    const n = minutes ? Math.ceil(left / 60) : left;
    const forms = (minutes ? text.resendInMinutes : text.resendIn) || {};
    const form = forms[rules.select(n)] || forms.other;
    if (form) countdown.textContent = form.replace("{n}", String(n));
  };
  if (left > 0) {
    hold(true);
    show();
    const started = Date.now();
    const total = left;
    const timer = setInterval(() => {
      left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
      if (left > 0) return show();
      clearInterval(timer);
      hold(false);
      countdown.textContent = t("resendNow");
      say(t("resendNow"));
    }, 250);
  }
}

// An error page outside any flow offers to go back where the person came
// from, when there is somewhere to go back to.
const historyBack = document.querySelector("[data-history-back]");
if (historyBack && window.history.length > 1) {
  historyBack.hidden = false;
  historyBack.addEventListener("click", () => window.history.back());
}
