package kizuna

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureTolerance is the clock skew allowed for webhook-timestamp (±5 minutes).
const SignatureTolerance = 5 * time.Minute

// VerifySignature reports whether a webhook delivery's signatures match secret. body must be the raw
// request body, byte for byte. Every scheme present in header is checked and must match:
// X-Kizuna-Signature (sha256=<hex HMAC-SHA256 of the body>) and the Standard Webhooks trio
// (webhook-id, webhook-timestamp within ±5 minutes, webhook-signature with one or more
// space-separated "v1,<base64>" entries, any of which may match). No signature at all → false.
func VerifySignature(secret string, body []byte, header http.Header) bool {
	return verifyAt(secret, body, header, time.Now())
}

func verifyAt(secret string, body []byte, header http.Header, now time.Time) bool {
	checked := false
	if values, ok := headerValues(header, "X-Kizuna-Signature"); ok {
		if len(values) == 0 || !hmac.Equal([]byte(SignKizuna(secret, body)), []byte(strings.TrimSpace(values[0]))) {
			return false
		}
		checked = true
	}
	if values, ok := headerValues(header, "webhook-signature"); ok {
		id := firstValue(header, "webhook-id")
		stamp := strings.TrimSpace(firstValue(header, "webhook-timestamp"))
		ts, err := strconv.ParseInt(stamp, 10, 64)
		if id == "" || err != nil || stamp == "" || stamp[0] == '+' || stamp[0] == '-' {
			return false
		}
		if math.Abs(float64(now.Unix()-ts)) > SignatureTolerance.Seconds() {
			return false
		}
		expected := []byte(SignStandard(secret, id, ts, body))
		matched := false
		for _, value := range values {
			for _, entry := range strings.Fields(value) {
				if strings.HasPrefix(entry, "v1,") && hmac.Equal(expected, []byte(entry)) {
					matched = true
				}
			}
		}
		if !matched {
			return false
		}
		checked = true
	}
	return checked
}

// SignKizuna is the X-Kizuna-Signature value for body: "sha256=<hex HMAC-SHA256>".
func SignKizuna(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// SignStandard is one Standard Webhooks webhook-signature entry: "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
func SignStandard(secret, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// headerValues finds a header whatever the case of its key (http.Header built by hand may not be canonical).
func headerValues(h http.Header, name string) ([]string, bool) {
	if values, ok := h[http.CanonicalHeaderKey(name)]; ok {
		return values, true
	}
	for key, values := range h {
		if strings.EqualFold(key, name) {
			return values, true
		}
	}
	return nil, false
}

func firstValue(h http.Header, name string) string {
	if values, ok := headerValues(h, name); ok && len(values) > 0 {
		return values[0]
	}
	return ""
}
