// Package webauthntest makes software passkeys for tests and the load
// tool, on github.com/descope/virtualwebauthn.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/descope/virtualwebauthn"
)

// NewCredential makes a P-256 credential whose public key virtualwebauthn
// encodes correctly. It writes the COSE x and y coordinates without their
// leading zero bytes, which servers rightly refuse, so keys with a short
// coordinate (about one in 128) are drawn again.
func NewCredential() (virtualwebauthn.Credential, *ecdsa.PrivateKey, error) {
	for {
		cred := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		parsed, err := x509.ParsePKCS8PrivateKey(cred.Key.Data)
		if err != nil {
			return cred, nil, fmt.Errorf("software authenticator key: %w", err)
		}
		key, ok := parsed.(*ecdsa.PrivateKey)
		if !ok {
			return cred, nil, errors.New("software authenticator key is not ECDSA")
		}
		if len(key.X.Bytes()) == 32 && len(key.Y.Bytes()) == 32 {
			return cred, key, nil
		}
	}
}

// MustCredential is NewCredential for tests, which have no use for the
// error: generating a key from crypto/rand does not fail.
func MustCredential() virtualwebauthn.Credential {
	cred, _, err := NewCredential()
	if err != nil {
		panic(err)
	}
	return cred
}
