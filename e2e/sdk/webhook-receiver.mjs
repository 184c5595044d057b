// A webhook receiver for the Go test TestWebhooks: it verifies every
// delivery with the official @authsignal/node webhook.constructEvent,
// keyed by the tenant's secret key (UPLIFT_SECRET_KEY), and answers each
// URL with the statuses its plan query lists (e.g. ?plan=500,500), then
// 200. GET /log returns what it received. It prints "listening PORT".
import http from "node:http";
import { Authsignal } from "@authsignal/node";

const apiSecretKey = process.env.UPLIFT_SECRET_KEY;
if (!apiSecretKey) {
  throw new Error("UPLIFT_SECRET_KEY is not set; run this through go test ./e2e/");
}
const authsignal = new Authsignal({ apiSecretKey, apiUrl: "http://127.0.0.1:1/v1" });

const log = []; // {url, status, verified, error, event}
const served = new Map(); // url -> requests answered

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/log") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(log));
      return;
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const entry = { url: req.url, verified: false };
    try {
      entry.event = authsignal.webhook.constructEvent(body, req.headers["x-signature-v2"]);
      entry.verified = true;
    } catch (err) {
      entry.error = String(err && err.message);
    }
    const url = new URL(req.url, "http://receiver");
    const plan = (url.searchParams.get("plan") || "").split(",").filter(Boolean).map(Number);
    const n = served.get(req.url) || 0;
    served.set(req.url, n + 1);
    entry.status = entry.verified ? (n < plan.length ? plan[n] : 200) : 401;
    log.push(entry);
    res.writeHead(entry.status, { "Content-Type": "text/plain" });
    res.end(entry.verified ? `answer ${entry.status}` : "bad signature");
  });
});

server.listen(Number(process.env.RECEIVER_PORT || 0), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
