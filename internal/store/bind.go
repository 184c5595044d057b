package store

import (
	"context"
	"fmt"
)

// Bound is the store as one domain package sees it: T is the package's
// interface of the queries it uses, which Queries implements. The domain
// packages declare what they read and write and never import the store;
// the composition root binds the store to each of them.
type Bound[T any] struct {
	*Store
}

// Bind returns s as a Bound[T]. It panics when Queries does not implement
// T, which the first start of the server (and every test) would show.
func Bind[T any](s *Store) Bound[T] {
	if _, ok := any(Queries{}).(T); !ok {
		var t *T
		panic(fmt.Sprintf("store: Queries does not implement %T", t))
	}
	return Bound[T]{s}
}

// InTx runs fn inside one transaction, as Store.InTx does, handing it the
// transaction's queries as a T.
func (b Bound[T]) InTx(ctx context.Context, fn func(q T) error) error {
	return b.Store.InTx(ctx, func(q Queries) error { return fn(any(q).(T)) })
}
