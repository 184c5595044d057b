package store_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/store"
)

// Instances started at once migrate the same database at once: each must
// start, and the migrations must be applied once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			url := d.url(t)
			const instances = 4
			stores := make([]*store.Store, instances)
			for i := range stores {
				stores[i] = openStore(t, url)
			}
			applied := make([]int, instances)
			errs := make([]error, instances)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					applied[i], errs[i] = s.Migrate(t.Context())
				}()
			}
			close(start)
			wg.Wait()
			total := 0
			for i := range stores {
				if errs[i] != nil {
					t.Errorf("instance %d: Migrate: %v", i, errs[i])
				}
				total += applied[i]
			}
			n, err := stores[0].Migrate(t.Context())
			if err != nil || n != 0 {
				t.Errorf("Migrate afterwards = %d, %v; want nothing left to apply", n, err)
			}
			if want := migrationCount(t, d.name); total != want {
				t.Errorf("the instances applied %d migrations between them (%v), want each of the %d once", total, applied, want)
			}
		})
	}
}

func migrationCount(t *testing.T, d store.Dialect) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("migrations/%s", d))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A new SQLite database, its write-ahead log and the log's index are
// readable by their owner only, whatever the umask.
func TestSQLiteFilesArePrivate(t *testing.T) {
	for _, umask := range []int{0o022, 0o000} {
		t.Run(fmt.Sprintf("umask %04o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			path := filepath.Join(t.TempDir(), "uplift.db")
			s := openStore(t, "sqlite://"+path)
			if _, err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			mustCreateTenant(t, s, "t1", base)
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), got)
				}
			}
		})
	}
}

// An existing database keeps the permissions its owner chose.
func TestSQLiteKeepsExistingFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "uplift.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, "sqlite://"+path)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("the database's mode became %v (%v), want 0640 as it was", fi.Mode().Perm(), err)
	}
}

// A backup taken while writers commit holds every transaction committed
// before it began, passes the integrity check, is private, and never
// overwrites a file.
func TestBackupSQLiteUnderWrites(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "uplift.db")
	s := openStore(t, url)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var (
		mu        sync.Mutex
		committed []string
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%06d", w, i)
				if err := s.CreateTenant(t.Context(), newTenant(id, at(int64(i)))); err != nil {
					t.Errorf("CreateTenant: %v", err)
					return
				}
				mu.Lock()
				committed = append(committed, id)
				mu.Unlock()
			}
		}()
	}
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(committed)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(200)
	mu.Lock()
	before := slices.Clone(committed)
	mu.Unlock()
	dest := filepath.Join(dir, "backup.db")
	res, err := store.BackupSQLite(t.Context(), url, dest)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(len(before) + 200) // writes went on during and after the backup
	close(stop)
	wg.Wait()

	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != res.Bytes {
		t.Errorf("backup file: %v, %v; want mode 0600 and %d bytes", fi, err, res.Bytes)
	}
	if err := store.IntegrityCheck(t.Context(), dest); err != nil {
		t.Error(err)
	}
	restored := openStore(t, "sqlite://"+dest)
	if n, err := restored.Migrate(t.Context()); err != nil || n != 0 {
		t.Errorf("Migrate on the copy = %d, %v; want a database as migrated as its source", n, err)
	}
	tenants, err := restored.Tenants(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, tn := range tenants {
		have[tn.ID] = true
	}
	missing := 0
	for _, id := range before {
		if !have[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("the copy lacks %d of the %d tenants committed before the backup began", missing, len(before))
	}
	t.Logf("%d tenants committed before the backup, %d in the copy, %d in all", len(before), len(tenants), len(committed))

	if _, err := store.BackupSQLite(t.Context(), url, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second backup to the same file: %v, want a refusal", err)
	}
	if err := store.IntegrityCheck(t.Context(), dest); err != nil {
		t.Errorf("the refused backup harmed the first: %v", err)
	}
}

func TestBackupRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, url, dest string
		want            error
	}{
		{"PostgreSQL", "postgres://u@localhost/db", filepath.Join(dir, "a.db"), store.ErrBackupUnsupported},
		{"no database", "sqlite://" + filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db"), fs.ErrNotExist},
	} {
		_, err := store.BackupSQLite(t.Context(), tc.url, tc.dest)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if _, err := os.Stat(tc.dest); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the refused backup left %s behind", tc.name, tc.dest)
		}
	}
}
