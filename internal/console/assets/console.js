// Uplift console: the passkey ceremonies of sign-in and invitations, the
// rule condition builder, the menu button of the top bar on a phone and
// the branding page's colour picker. Every other page works without
// script.

const statusBox = document.querySelector("[data-status]");

// say shows a message in the page's live region.
function say(message, isError) {
  if (!statusBox) return;
  statusBox.textContent = message;
  statusBox.classList.toggle("error", Boolean(isError));
  statusBox.hidden = false;
}

// postJSON sends one JSON step and returns the answer, or throws with the
// server's description.
async function postJSON(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.errorDescription || "The request failed.");
  return data;
}

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

// credentialJSON turns a credential into its JSON form, for browsers
// without PublicKeyCredential.prototype.toJSON.
function credentialJSON(cred) {
  if (typeof cred.toJSON === "function") return cred.toJSON();
  const r = cred.response;
  const response = {clientDataJSON: toB64url(r.clientDataJSON)};
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return {id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
    authenticatorAttachment: cred.authenticatorAttachment || undefined, clientExtensionResults: {}};
}

async function getCredential(options) {
  const pkc = window.PublicKeyCredential;
  const publicKey = typeof pkc.parseRequestOptionsFromJSON === "function"
    ? pkc.parseRequestOptionsFromJSON(options)
    : {...options, challenge: fromB64url(options.challenge), allowCredentials: withIds(options.allowCredentials)};
  return navigator.credentials.get({publicKey});
}

async function createCredential(options) {
  const pkc = window.PublicKeyCredential;
  const publicKey = typeof pkc.parseCreationOptionsFromJSON === "function"
    ? pkc.parseCreationOptionsFromJSON(options)
    : {...options, challenge: fromB64url(options.challenge), user: {...options.user, id: fromB64url(options.user.id)},
      excludeCredentials: withIds(options.excludeCredentials)};
  return navigator.credentials.create({publicKey});
}

function ceremonyError(err) {
  if (err && err.name === "NotAllowedError") return "The passkey request was cancelled or timed out. Try again.";
  return (err && err.message) || "Something went wrong. Try again.";
}

function noWebAuthn(button) {
  if (typeof window.PublicKeyCredential === "function") return false;
  say("This browser cannot use passkeys. Open the console in a current browser.", true);
  if (button) button.disabled = true;
  return true;
}

const signInButton = document.querySelector("[data-console-signin]");
if (signInButton && !noWebAuthn(signInButton)) {
  signInButton.addEventListener("click", async () => {
    signInButton.disabled = true;
    say("Waiting for your passkey…");
    try {
      const start = await postJSON("/console/signin/options", {});
      const cred = await getCredential(start.options.publicKey || start.options);
      const done = await postJSON("/console/signin/verify",
        {ceremonyId: start.ceremonyId, response: credentialJSON(cred), next: signInButton.dataset.next});
      say("Signed in.");
      window.location.assign(done.next);
    } catch (err) {
      say(ceremonyError(err), true);
      signInButton.disabled = false;
    }
  });
}

const inviteForm = document.querySelector("[data-console-invite]");
if (inviteForm && !noWebAuthn(inviteForm.querySelector("button"))) {
  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = inviteForm.querySelector("button");
    const base = "/console/invite/" + encodeURIComponent(inviteForm.dataset.token);
    button.disabled = true;
    say("Creating your passkey…");
    try {
      const start = await postJSON(base + "/options", {name: inviteForm.elements.name.value});
      const cred = await createCredential(start.options.publicKey || start.options);
      const done = await postJSON(base + "/register", {ceremonyId: start.ceremonyId, response: credentialJSON(cred)});
      say("Passkey created. Signing you in…");
      window.location.assign(done.next);
    } catch (err) {
      say(ceremonyError(err), true);
      button.disabled = false;
    }
  });
}

// Rule condition builder: rows of fact, operator and value over the rule
// form's JSONLogic textarea, which stays what the server reads. Without
// script the textarea works alone; with it, every change in the builder
// rewrites the textarea, and a condition typed by hand that the rows
// cannot show is left to the textarea.
// jsonNumber is the grammar of a JSON number.
const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

// operatorAliases are spellings the builder shows as another operator.
const operatorAliases = {"===": "==", "!==": "!="};

function element(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

// customValue reads a custom data value: true, false and numbers are
// typed, text in double quotes is text, anything else is text as typed.
function customValue(text) {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (jsonNumber.test(t)) return Number(t);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      const s = JSON.parse(t);
      if (typeof s === "string") return s;
    } catch (err) { /* text as typed */ }
  }
  return text;
}

function isListOperator(op) { return op === "in_list" || op === "in_cidr_list"; }

// typedValue turns a row's text into the JSON value the condition holds,
// with an error when the text does not suit the fact.
function typedValue(kind, op, text) {
  if (isListOperator(op)) {
    const alias = text.trim();
    return alias ? {value: alias} : {value: alias, error: "Type the alias of a value list."};
  }
  const t = text.trim();
  switch (kind) {
    case "boolean":
      if (t === "true" || t === "false") return {value: t === "true"};
      return {value: text, error: "Type true or false."};
    case "number":
      if (jsonNumber.test(t)) return {value: Number(t)};
      return {value: text, error: "Type a number, such as 2."};
    case "custom":
      return {value: customValue(text)};
  }
  return text === "" ? {value: text, error: "Type a value."} : {value: text};
}

// valueText is how a row shows a value read from a condition.
function valueText(kind, op, v) {
  if (typeof v !== "string") return String(v);
  if (kind === "custom" && !isListOperator(op) && customValue(v) !== v) return JSON.stringify(v);
  return v;
}

function valueHint(kind, op) {
  if (op === "in_list") return "The alias of a value list of text or numbers.";
  if (op === "in_cidr_list") return "The alias of a value list of IP ranges.";
  switch (kind) {
    case "boolean": return "true or false.";
    case "number": return "A number.";
    case "strings": return "One item, such as PASSKEY.";
    case "address": return "An IP address, such as 203.0.113.7.";
    case "custom": return "true, false, a number or text; put text in double quotes to keep it from being read as a number.";
  }
  return op === "in" ? "Text the fact contains." : "Text, matched exactly.";
}

function buildConditionEditor(root, catalog, textarea) {
  const facts = new Map(catalog.facts.map((f) => [f.name, f]));
  const labels = new Map(catalog.operators.map((o) => [o.op, o.label]));
  const match = root.querySelector("[data-builder-match]");
  const list = root.querySelector("[data-builder-rows]");
  const addButton = root.querySelector("[data-builder-add]");
  const unsupported = document.querySelector("[data-builder-unsupported]");
  const checkLine = document.querySelector("[data-builder-check]");
  let rows = [];
  let nextId = 1;
  let checkTimer = 0;

  // factOf finds the catalog fact a var names, with its custom key.
  function factOf(name) {
    const fixed = facts.get(name);
    if (fixed && !fixed.prefix) return {fact: fixed, key: ""};
    for (const f of catalog.facts) {
      if (f.prefix && name.startsWith(f.prefix) && name.length > f.prefix.length) {
        return {fact: f, key: name.slice(f.prefix.length)};
      }
    }
    return null;
  }

  function literalFits(kind, op, v) {
    if (isListOperator(op)) return typeof v === "string" && v !== "";
    if (kind === "boolean") return typeof v === "boolean";
    if (kind === "number") return typeof v === "number";
    if (kind === "custom") return ["string", "number", "boolean"].includes(typeof v);
    return typeof v === "string";
  }

  function isVar(x) {
    return x !== null && typeof x === "object" && !Array.isArray(x) &&
      Object.keys(x).length === 1 && typeof x.var === "string";
  }

  // comparisonOf reads {op: [{"var": fact}, value]} (or "in" the other
  // way round) into a row, or null.
  function comparisonOf(node) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return null;
    const keys = Object.keys(node);
    if (keys.length !== 1) return null;
    const op = operatorAliases[keys[0]] || keys[0];
    const args = node[keys[0]];
    if (!Array.isArray(args) || args.length !== 2) return null;
    const [variable, literal] = op === "in" ? [args[1], args[0]] : args;
    if (!isVar(variable)) return null;
    const found = factOf(variable.var);
    if (!found || !found.fact.operators.includes(op) || !literalFits(found.fact.kind, op, literal)) return null;
    return {fact: found.fact.name, key: found.key, op, value: valueText(found.fact.kind, op, literal)};
  }

  // parse reads the textarea into {match, rows}, or null when the rows
  // cannot show it.
  function parse(text) {
    if (text.trim() === "") return {match: "and", rows: []};
    let node;
    try { node = JSON.parse(text); } catch (err) { return null; }
    if (node === null || typeof node !== "object" || Array.isArray(node)) return null;
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0] === "and" || keys[0] === "or")) {
      const args = Array.isArray(node[keys[0]]) ? node[keys[0]] : [node[keys[0]]];
      const parsed = args.map(comparisonOf);
      return args.length > 0 && parsed.every(Boolean) ? {match: keys[0], rows: parsed} : null;
    }
    const one = comparisonOf(node);
    return one ? {match: "and", rows: [one]} : null;
  }

  function field(id, label, control, ...after) {
    return element("div", {class: "builder-field"}, element("label", {for: id}, label), control, ...after);
  }

  function fillOperators(row) {
    const fact = facts.get(row.fact.value);
    const previous = row.op.value;
    row.op.replaceChildren(...fact.operators.map((op) => element("option", {value: op}, labels.get(op) || op)));
    if (fact.operators.includes(previous)) row.op.value = previous;
    row.keyField.hidden = !fact.prefix;
  }

  // comparison is a row's JSONLogic; it marks what does not suit.
  function comparison(row) {
    const fact = facts.get(row.fact.value);
    const op = row.op.value;
    const key = row.key.value.trim();
    const typed = typedValue(fact.kind, op, row.value.value);
    row.hint.textContent = valueHint(fact.kind, op);
    showError(row.value, row.valueError, typed.error);
    showError(row.key, row.keyError, fact.prefix && !key ? "Type the custom data key." : "");
    const variable = {var: fact.prefix ? fact.prefix + key : fact.name};
    return op === "in" ? {in: [typed.value, variable]} : {[op]: [variable, typed.value]};
  }

  function showError(input, box, message) {
    box.textContent = message || "";
    box.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function write() {
    const parts = rows.map(comparison);
    // One condition a line, as the server lays out a stored rule.
    textarea.value = parts.length
      ? '{"' + match.value + '":[\n  ' + parts.map((p) => JSON.stringify(p)).join(",\n  ") + "\n]}" : "";
    textarea.removeAttribute("aria-invalid");
    scheduleCheck(parts.length ? {[match.value]: parts} : null);
  }

  function renumber() {
    rows.forEach((row, i) => {
      const n = i + 1;
      row.fact.setAttribute("aria-label", "Fact " + n);
      row.key.setAttribute("aria-label", "Custom key " + n);
      row.op.setAttribute("aria-label", "Operator " + n);
      row.value.setAttribute("aria-label", "Value " + n);
      row.remove.setAttribute("aria-label", "Remove condition " + n);
    });
  }

  function addRow(data) {
    const id = "condition-" + nextId++;
    const row = {
      fact: element("select", {id: id + "-fact"}, ...catalog.facts.map((f) =>
        element("option", {value: f.name}, f.prefix ? f.prefix + "… (custom data)" : f.name))),
      key: element("input", {id: id + "-key", type: "text", spellcheck: "false", "aria-describedby": id + "-key-error"}),
      keyError: element("p", {class: "field-error", id: id + "-key-error", hidden: ""}),
      op: element("select", {id: id + "-op"}),
      value: element("input", {id: id + "-value", type: "text", spellcheck: "false",
        "aria-describedby": id + "-hint " + id + "-error"}),
      hint: element("p", {class: "hint", id: id + "-hint"}),
      valueError: element("p", {class: "field-error", id: id + "-error", hidden: ""}),
      remove: element("button", {type: "button", class: "danger"}, "Remove"),
    };
    row.keyField = field(id + "-key", "Custom key", row.key, row.keyError);
    row.el = element("li", {class: "builder-row"},
      field(id + "-fact", "Fact", row.fact), row.keyField, field(id + "-op", "Operator", row.op),
      field(id + "-value", "Value", row.value, row.hint, row.valueError), row.remove);
    row.fact.value = data.fact;
    row.key.value = data.key;
    fillOperators(row);
    row.op.value = data.op;
    row.value.value = data.value;
    row.fact.addEventListener("change", () => { fillOperators(row); write(); });
    row.op.addEventListener("change", write);
    row.key.addEventListener("input", write);
    row.value.addEventListener("input", write);
    row.remove.addEventListener("click", () => {
      const i = rows.indexOf(row);
      rows.splice(i, 1);
      row.el.remove();
      renumber();
      write();
      (rows[i] || rows[i - 1] || {fact: addButton}).fact.focus();
    });
    rows.push(row);
    list.append(row.el);
    return row;
  }

  // load shows the textarea's condition in rows, or says it cannot.
  function load() {
    const parsed = parse(textarea.value);
    rows = [];
    list.replaceChildren();
    root.hidden = !parsed;
    unsupported.hidden = Boolean(parsed);
    if (!parsed) return;
    match.value = parsed.match;
    parsed.rows.forEach(addRow);
    renumber();
    rows.forEach(comparison);
  }

  // scheduleCheck asks the server, shortly after the last change, whether
  // it would accept the condition, and says so next to the textarea.
  function scheduleCheck(node) {
    clearTimeout(checkTimer);
    if (!checkLine) return;
    checkLine.textContent = "";
    if (!node) return;
    checkTimer = setTimeout(async () => {
      try {
        const response = await fetch("/console/api/conditions/check", {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-Uplift-CSRF": document.body.dataset.csrf || ""},
          body: JSON.stringify({conditions: node}),
        });
        const data = await response.json();
        if (!response.ok) return;
        checkLine.textContent = data.valid ? "The condition is valid." : "Not valid yet: " + data.error;
      } catch (err) { /* the server checks again on save */ }
    }, 600);
  }

  match.addEventListener("change", write);
  addButton.addEventListener("click", () => {
    const first = catalog.facts[0];
    const row = addRow({fact: first.name, key: "", op: first.operators[0], value: ""});
    renumber();
    write();
    row.fact.focus();
  });
  textarea.addEventListener("change", load);
  load();
}

const conditionBuilder = document.querySelector("[data-condition-builder]");
const conditionCatalog = document.getElementById("condition-catalog");
const conditionText = document.getElementById("conditions");
if (conditionBuilder && conditionCatalog && conditionText) {
  buildConditionEditor(conditionBuilder, JSON.parse(conditionCatalog.textContent), conditionText);
}

// The dashboard's period: a change shows the new period at once. Without
// script the form's Show button does it; with it the button goes, and the
// figures are fetched and swapped in place, so focus stays on the select.
const periodForm = document.querySelector("form[data-autosubmit]");
if (periodForm) {
  const showButton = periodForm.querySelector("[data-autosubmit-button]");
  const periodStatus = document.querySelector("[data-period-status]");
  if (showButton) showButton.hidden = true;
  periodForm.addEventListener("change", async () => {
    const select = periodForm.elements.period;
    const url = periodForm.getAttribute("action") + "?" + new URLSearchParams(new FormData(periodForm));
    try {
      const response = await fetch(url, {credentials: "same-origin", headers: {Accept: "text/html"}});
      if (!response.ok) throw new Error("status " + response.status);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-dashboard]");
      const current = document.querySelector("[data-dashboard]");
      if (!fresh || !current) throw new Error("no dashboard");
      current.replaceWith(document.importNode(fresh, true));
      history.replaceState(null, "", url);
      if (periodStatus) periodStatus.textContent = "Showing " + select.options[select.selectedIndex].text.toLowerCase() + ".";
    } catch (err) {
      window.location.assign(url);
    }
  });
}

// The top bar's menu button, shown on a phone only (console.css): it
// shows and hides the navigation, says which in aria-expanded, and
// Escape closes the menu and returns to the button. Without script the
// navigation stays open.
const topBar = document.querySelector(".top");
const menuButton = topBar && topBar.querySelector(".menu-toggle");
if (menuButton) {
  const setOpen = (open) => {
    topBar.classList.toggle("open", open);
    menuButton.setAttribute("aria-expanded", String(open));
  };
  menuButton.hidden = false;
  topBar.classList.add("has-menu");
  menuButton.addEventListener("click", () => setOpen(menuButton.getAttribute("aria-expanded") !== "true"));
  topBar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && topBar.classList.contains("open")) {
      setOpen(false);
      menuButton.focus();
    }
  });
}

// A colour picker beside a colour's text field (data-color-for names it):
// each follows the other; the text field is what the form sends.
for (const picker of document.querySelectorAll("input[type=color][data-color-for]")) {
  const field = document.getElementById(picker.dataset.colorFor);
  if (!field) continue;
  const hex = /^#[0-9a-fA-F]{6}$/;
  const sync = () => { if (hex.test(field.value.trim())) picker.value = field.value.trim().toLowerCase(); };
  sync();
  picker.hidden = false;
  picker.addEventListener("input", () => { field.value = picker.value; });
  field.addEventListener("input", sync);
}
