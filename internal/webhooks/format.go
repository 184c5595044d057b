package webhooks

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// uuidString formats a 16-byte AAGUID as a UUID; anything else is empty.
func uuidString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func itoa(n int) string { return strconv.Itoa(n) }
