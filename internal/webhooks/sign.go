package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "X-Signature-V2"

// Signature returns the X-Signature-V2 value of body sent at t:
// "t=<unix seconds>" then one "v2=<signature>" per key, each the base64 of
// HMAC-SHA256 over "<unix seconds>.<body>", without padding, as
// Authsignal's webhook.constructEvent checks it. A verifier accepts the
// header when any one signature matches its key, so every active key of a
// tenant signs and an app verifies with whichever key it holds.
//
// Each key is the stored SHA-256 of a secret key longer than the hash's
// 64-byte block: HMAC hashes such a key before use, so this signature is
// the one HMAC keyed by the secret key itself gives.
func Signature(body []byte, t time.Time, keys [][]byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, k := range keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(ts + "."))
		m.Write(body)
		b.WriteString(",v2=" + base64.RawStdEncoding.EncodeToString(m.Sum(nil)))
	}
	return b.String()
}
