package e2e

import (
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to check the copy as SQLite itself sees it
)

// TestBackupUnderWriteLoad takes `uplift backup` of the database of a
// server that keeps acknowledging tracks, then serves the copy: it passes
// SQLite's integrity check and holds every action acknowledged before
// the backup began.
func TestBackupUnderWriteLoad(t *testing.T) {
	const (
		workers = 4
		before  = 300 // acknowledged tracks before the backup begins
		action  = "backupTest"
	)
	srv := startServer(t, "UPLIFT_RATE_LIMITS=off")
	client := &http.Client{Timeout: 5 * time.Second}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(srv.SecretKey+":"))

	type tracked struct{ userID, key string }
	var (
		mu       sync.Mutex
		acked    []tracked
		failures []string
		sent     int
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				sent++
				tr := tracked{userID: fmt.Sprintf("backup-user-%d", sent), key: newUUID()}
				mu.Unlock()
				status, body, err := postTrack(client, srv.APIURL(), auth, tr.userID, action, tr.key)
				mu.Lock()
				if err == nil && status == http.StatusOK {
					acked = append(acked, tr)
				} else if len(failures) < 10 {
					failures = append(failures, fmt.Sprintf("%d %s %v", status, body, err))
				}
				mu.Unlock()
			}
		}()
	}
	ackedNow := func() []tracked {
		mu.Lock()
		defer mu.Unlock()
		return append([]tracked(nil), acked...)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(ackedNow()) < before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	beforeBackup := ackedNow()
	dest := filepath.Join(t.TempDir(), "copy.db")
	cmd := exec.Command(srv.bin, "backup", dest)
	cmd.Env = srv.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("uplift backup: %v\n%s", err, out)
	}
	duringBackup := len(ackedNow()) - len(beforeBackup)
	time.Sleep(100 * time.Millisecond) // and the writes go on
	close(stop)
	wg.Wait()
	for _, f := range failures {
		t.Errorf("track under load: %s", f)
	}
	if len(beforeBackup) < before {
		t.Fatalf("only %d tracks acknowledged before the backup, want %d", len(beforeBackup), before)
	}
	t.Logf("backup took %v with %d tracks acknowledged before it, %d during it, %d in all: %s",
		took.Round(time.Millisecond), len(beforeBackup), duringBackup, len(ackedNow()), strings.TrimSpace(string(out)))

	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy: %v, %v; want mode 0600", fi, err)
	}
	db, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	err = db.QueryRow(`PRAGMA integrity_check`).Scan(&check)
	db.Close()
	if err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check on the copy = %q, %v; want ok", check, err)
	}

	// Another backup to the same file is refused and leaves it whole.
	cmd = exec.Command(srv.bin, "backup", dest)
	cmd.Env = srv.env
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "exists") {
		t.Errorf("a second backup to %s: %v %s; want a refusal", dest, err, out)
	}

	// The copy, served, holds every action acknowledged before the backup.
	restored := &server{t: t, bin: srv.bin, output: &lockedBuffer{}, TenantID: srv.TenantID, SecretKey: srv.SecretKey}
	port := freePort(t)
	restored.addr = fmt.Sprintf("127.0.0.1:%d", port)
	restored.PublicURL = fmt.Sprintf("http://localhost:%d", port)
	restored.env = append(cleanEnv(), "UPLIFT_DATABASE_URL=sqlite://"+dest, "UPLIFT_ADDR="+restored.addr,
		"UPLIFT_PUBLIC_URL="+restored.PublicURL, "UPLIFT_RATE_LIMITS=off")
	t.Cleanup(restored.Stop)
	restored.Start()
	missing := 0
	for _, tr := range beforeBackup {
		url := fmt.Sprintf("%s/users/%s/actions/%s/%s", restored.APIURL(), tr.userID, action, tr.key)
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("the copy lacks %d of the %d actions acknowledged before the backup began", missing, len(beforeBackup))
	}
}

// `uplift backup` of a PostgreSQL database points at pg_dump and fails.
func TestBackupOfPostgresPointsAtPgDump(t *testing.T) {
	cmd := exec.Command(upliftBinary(t), "backup", filepath.Join(t.TempDir(), "x.db"))
	cmd.Env = append(cleanEnv(), "UPLIFT_DATABASE_URL=postgres://uplift@127.0.0.1:1/uplift")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pg_dump") {
		t.Errorf("uplift backup on PostgreSQL: %v %s; want a failure naming pg_dump", err, out)
	}
}
