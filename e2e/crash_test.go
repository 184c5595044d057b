package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestTrackSurvivesKill checks that every track call the server acknowledged
// with 200 is still there after the process is killed mid-stream and started
// again on the same SQLite file.
func TestTrackSurvivesKill(t *testing.T) {
	const (
		workers     = 4    // concurrent senders, so requests are in flight at the kill
		killAfter   = 200  // acknowledged tracks before the kill
		maxRequests = 5000 // upper bound on requests sent in total
		userCount   = 5
		action      = "crashTest"
	)
	srv := startServer(t)
	client := &http.Client{Timeout: 5 * time.Second}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(srv.SecretKey+":"))

	type tracked struct{ userID, key string }
	var (
		mu        sync.Mutex
		acked     []tracked
		sent      int
		failures  []string // answers other than 200 before the kill
		killed    bool
		reached   = make(chan struct{})
		reachedOK sync.Once
	)
	// next reserves one request, or reports that the stream is over.
	next := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if killed || sent >= maxRequests {
			return 0, false
		}
		sent++
		return sent, true
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, ok := next()
				if !ok {
					return
				}
				tr := tracked{userID: fmt.Sprintf("crash-user-%d", n%userCount), key: newUUID()}
				status, body, err := postTrack(client, srv.APIURL(), auth, tr.userID, action, tr.key)
				mu.Lock()
				switch {
				case err == nil && status == http.StatusOK:
					acked = append(acked, tr)
					if len(acked) >= killAfter {
						reachedOK.Do(func() { close(reached) })
					}
				case killed:
					// In flight when the process died: no promise was made.
				case err != nil:
					failures = append(failures, err.Error())
				default:
					failures = append(failures, fmt.Sprintf("HTTP %d: %s", status, body))
				}
				stop := killed || len(failures) > 10
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}

	select {
	case <-reached:
	case <-time.After(60 * time.Second):
	}
	mu.Lock()
	killed = true
	mu.Unlock()
	srv.Kill()
	wg.Wait()

	for _, f := range failures {
		t.Errorf("track before the kill: %s", f)
	}
	if len(acked) < killAfter {
		t.Fatalf("only %d of %d requests acknowledged before the kill", len(acked), sent)
	}
	t.Logf("%d requests sent, %d acknowledged before SIGKILL", sent, len(acked))

	srv.Start()
	missing := 0
	for _, tr := range acked {
		url := fmt.Sprintf("%s/users/%s/actions/%s/%s", srv.APIURL(), tr.userID, action, tr.key)
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
			if missing <= 10 {
				t.Errorf("GET %s after restart = %d %s, want 200", url, resp.StatusCode, body)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged actions lost after SIGKILL", missing, len(acked))
	}

	// The database still takes writes after the crash.
	status, body, err := postTrack(client, srv.APIURL(), auth, "crash-user-after", action, newUUID())
	if err != nil || status != http.StatusOK {
		t.Errorf("track after restart = %d %s (%v), want 200", status, body, err)
	}
}

// postTrack sends one track call with a chosen idempotency key.
func postTrack(client *http.Client, apiURL, auth, userID, action, key string) (int, []byte, error) {
	body, err := json.Marshal(map[string]string{"idempotencyKey": key})
	if err != nil {
		return 0, nil, err
	}
	url := fmt.Sprintf("%s/users/%s/actions/%s", apiURL, userID, action)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode == http.StatusOK {
		var got struct {
			IdempotencyKey string `json:"idempotencyKey"`
		}
		if err := json.Unmarshal(respBody, &got); err != nil || got.IdempotencyKey != key {
			return resp.StatusCode, respBody, fmt.Errorf("track answered 200 with %s, want idempotencyKey %q", respBody, key)
		}
	}
	return resp.StatusCode, respBody, nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
