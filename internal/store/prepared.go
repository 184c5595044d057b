package store

import (
	"context"
	"database/sql"
	"sync"
)

// preparedDB runs queries through statements prepared once per query text,
// so SQLite does not parse the same SQL again on every call. Queries are a
// fixed set of texts (dynamic filters give a bounded number of variants).
type preparedDB struct {
	db    *sql.DB
	stmts sync.Map // query text → *sql.Stmt
	// batch, when set, runs this database's write transactions.
	batch *batcher
	// txHook, when set, wraps each transaction (see Store.SetTxHook).
	txHook TxHook
}

func (p *preparedDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// ExecContext runs one statement. On a database whose transactions are
// batched, the statement is a transaction of its own in a batch, so it
// shares a commit with the others instead of paying for one alone.
func (p *preparedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.batch != nil {
		var res sql.Result
		err := p.batch.run(ctx, func(q Queries) error {
			var err error
			res, err = q.w.ExecContext(ctx, query, args...)
			return err
		})
		return res, err
	}
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...) // reports the same error through Scan
	}
	return s.QueryRowContext(ctx, args...)
}

func (p *preparedDB) close() {
	p.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
}

// cached returns the statement already prepared for query, if any.
func (p *preparedDB) cached(query string) (*sql.Stmt, bool) {
	s, ok := p.stmts.Load(query)
	if !ok {
		return nil, false
	}
	return s.(*sql.Stmt), true
}

// preparedTx runs a transaction's queries through the database's prepared
// statements, bound to the transaction's connection. A query not prepared
// yet runs directly and is prepared after the transaction ends: preparing
// it now would need a second connection, and SQLite has one writer.
type preparedTx struct {
	tx     *sql.Tx
	db     *preparedDB
	missed *[]string
	// ctx, when set, replaces the context callers pass (see batcher).
	ctx context.Context
}

func (p preparedTx) context(ctx context.Context) context.Context {
	if p.ctx != nil {
		return p.ctx
	}
	return ctx
}

func (p preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = p.context(ctx)
	if s, ok := p.db.cached(query); ok {
		return p.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	*p.missed = append(*p.missed, query)
	return p.tx.ExecContext(ctx, query, args...)
}

func (p preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = p.context(ctx)
	if s, ok := p.db.cached(query); ok {
		return p.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	*p.missed = append(*p.missed, query)
	return p.tx.QueryContext(ctx, query, args...)
}

func (p preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = p.context(ctx)
	if s, ok := p.db.cached(query); ok {
		return p.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	*p.missed = append(*p.missed, query)
	return p.tx.QueryRowContext(ctx, query, args...)
}

// prepareMissed prepares the queries a finished transaction ran unprepared.
func (p *preparedDB) prepareMissed(ctx context.Context, queries []string) {
	for _, q := range queries {
		p.stmt(ctx, q) // a query that does not prepare simply stays unprepared
	}
}
