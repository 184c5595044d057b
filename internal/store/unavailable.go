package store

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/uplift-dev/uplift/internal/model"
)

// storageFailure turns a write that SQLite could not put on disk (a full
// disk, an I/O error) into an ErrUnavailable error: nothing of it was
// stored, the database file is intact, and the same request succeeds once
// the disk has room again. The cause, logged with the request, says which.
func storageFailure(err error) error {
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL:
		err = fmt.Errorf("the disk holding the SQLite database is full: %w", err)
	case errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_IOERR:
		err = fmt.Errorf("the SQLite database could not be written (I/O error): %w", err)
	case errors.Is(err, errBatchLost):
	default:
		return err
	}
	return &model.Error{Kind: model.ErrUnavailable, Code: "unavailable",
		Description: "the database cannot store this right now; try again in a moment", Cause: err}
}
