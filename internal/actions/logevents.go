package actions

import (
	"context"
	"errors"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// finalStates are the states after which an action's snapshot goes to
// the tenant's log events URL as action.log_created: track's own answers
// ALLOW and BLOCK, and the ends of a challenge or a review.
var finalStates = map[model.ActionState]bool{
	model.StateAllow: true, model.StateBlock: true,
	model.StateChallengeSucceeded: true, model.StateChallengeFailed: true,
	model.StateReviewSucceeded: true, model.StateReviewFailed: true,
}

// outcomes are the rule engine's decisions behind the states track answers.
var outcomes = map[model.ActionState]string{
	model.StateAllow: "ALLOW", model.StateBlock: "BLOCK",
	model.StateChallengeRequired: "CHALLENGE", model.StateReviewRequired: "REVIEW",
	// Completed on creation: track asked for the challenge that did it.
	model.StateChallengeSucceeded: "CHALLENGE",
}

// actionLog is the record of action.log_created (Authsignal's fields;
// the optional ones are left out when empty).
type actionLog struct {
	TenantID           string                     `json:"tenantId"`
	UserID             string                     `json:"userId"`
	ActionCode         string                     `json:"actionCode"`
	IdempotencyKey     string                     `json:"idempotencyKey"`
	CreatedAt          string                     `json:"createdAt"`
	UpdatedAt          string                     `json:"updatedAt"`
	State              model.ActionState          `json:"state"`
	StateUpdatedAt     string                     `json:"stateUpdatedAt"`
	Outcome            string                     `json:"outcome"`
	VerificationMethod model.VerificationMethod   `json:"verificationMethod,omitempty"`
	AllowedMethods     []model.VerificationMethod `json:"allowedVerificationMethods,omitempty"`
	PriorityRuleID     string                     `json:"priorityRuleId,omitempty"`
	IPAddress          string                     `json:"ipAddress,omitempty"`
	DeviceID           string                     `json:"deviceId,omitempty"`
	Custom             map[string]any             `json:"custom,omitempty"`
}

// logAction writes action.log_created for a, which has just reached its
// state, through q in the transaction that stored it, when the state is
// final and the tenant has a log events URL. tracked is the state track
// answered (what gives the outcome).
func (s *Service) logAction(ctx context.Context, q Queries, a model.Action, tracked model.ActionState) error {
	if !finalStates[a.State] {
		return nil
	}
	// The tenant's log events URL rides on the cached configuration of the
	// action's code: without one, nothing is written. A code without a
	// configuration lets the outbox decide.
	if s.webhooks != nil {
		cfg, err := s.tenancy.ActionConfigIn(ctx, q.ActionConfig, a.TenantID, a.Code)
		if err == nil && cfg.LogEventsURL == "" {
			return nil
		}
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	return webhooks.Enqueue(ctx, q, s.Source, a.TenantID, model.StreamLog, webhooks.ActionLogCreated, a.UserID, actionLog{
		TenantID: a.TenantID, UserID: a.UserID, ActionCode: a.Code, IdempotencyKey: a.IdempotencyKey,
		CreatedAt: at(a.CreatedAt), UpdatedAt: at(a.StateUpdatedAt), State: a.State, StateUpdatedAt: at(a.StateUpdatedAt),
		Outcome: outcomes[tracked], VerificationMethod: a.VerificationMethod, AllowedMethods: a.AllowedMethods,
		PriorityRuleID: a.PriorityRuleID, IPAddress: a.IPAddress, DeviceID: a.DeviceID, Custom: a.Custom,
	})
}

// trackedState is the state track answered for a stored action, from its
// history.
func trackedState(ctx context.Context, q Queries, a model.Action) (model.ActionState, error) {
	h, err := q.ActionHistory(ctx, a.TenantID, a.IdempotencyKey)
	if err != nil || len(h) == 0 {
		return "", err
	}
	return h[0].State, nil
}
