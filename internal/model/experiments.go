package model

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// The uplift prompt's built-in copy, shown while the tenant has set none
// and no experiment runs.
const (
	DefaultPromptHeading     = "Create a passkey"
	DefaultPromptExplanation = "Next time, sign in with your face, fingerprint or screen lock. There's nothing to remember."
)

// UpliftReturned is the user reaching the app after the prompt was shown
// in the action (the hosted finish step): the experiments' guardrail.
const UpliftReturned UpliftEventKind = "returned"

// ExperimentStatus is where a prompt experiment stands.
type ExperimentStatus string

// Experiment statuses. A tenant runs at most one experiment at a time.
const (
	ExperimentRunning  ExperimentStatus = "running"
	ExperimentStopped  ExperimentStatus = "stopped"
	ExperimentPromoted ExperimentStatus = "promoted"
)

// PromptCopy is the prompt's heading and explanation.
type PromptCopy struct {
	Heading     string
	Explanation string
}

// Variant is one version of the prompt's copy in an experiment.
type Variant struct {
	ID    string
	Label string // "A" to "D", by position
	PromptCopy
	Weight int
}

// Experiment is an experiment on the uplift prompt's copy.
type Experiment struct {
	ID              string
	TenantID        string
	Name            string
	Status          ExperimentStatus
	WinnerVariantID string
	Variants        []Variant
	CreatedAt       time.Time
	EndedAt         time.Time
}

// Assign returns the experiment's variant for a user: the first 8 bytes
// of SHA-256 over the experiment id, a zero byte and the user id, read
// big-endian, modulo the sum of the weights, falls in one variant's share
// of that sum. The same user always gets the same variant of an
// experiment. The zero Variant when there are none.
func (e Experiment) Assign(userID string) Variant {
	total := 0
	for _, v := range e.Variants {
		total += max(v.Weight, 0)
	}
	if total == 0 {
		return Variant{}
	}
	h := sha256.New()
	h.Write([]byte(e.ID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	b := binary.BigEndian.Uint64(h.Sum(nil)[:8]) % uint64(total)
	for _, v := range e.Variants {
		w := uint64(max(v.Weight, 0))
		if b < w {
			return v
		}
		b -= w
	}
	return e.Variants[len(e.Variants)-1] // unreachable
}

// VariantCounts are what happened with one variant's prompt.
type VariantCounts struct {
	VariantID string
	// UsersShown and UsersAccepted count users: shown the prompt at least
	// once, and who created a passkey from it at least once.
	UsersShown, UsersAccepted int
	// PromptsShown counts actions in which the hosted pages showed the
	// prompt, and PromptsReturned those of them after which the user
	// reached the app.
	PromptsShown, PromptsReturned int
}
