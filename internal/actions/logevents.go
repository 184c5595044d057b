package actions

import (
	"context"
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

// logAction writes action.log_created for a, which has just reached its
// state, through q in the transaction that stored it, when the state is
// final and the tenant has a log events URL. tracked is the state track
// answered (what gives the outcome).
func (s *Service) logAction(ctx context.Context, q Queries, a model.Action, tracked model.ActionState) error {
	if !finalStates[a.State] {
		return nil
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	record := map[string]any{
		"tenantId": a.TenantID, "userId": a.UserID, "actionCode": a.Code, "idempotencyKey": a.IdempotencyKey,
		"createdAt": at(a.CreatedAt), "updatedAt": at(a.StateUpdatedAt), "state": string(a.State),
		"stateUpdatedAt": at(a.StateUpdatedAt), "outcome": outcomes[tracked],
	}
	if a.VerificationMethod != "" {
		record["verificationMethod"] = string(a.VerificationMethod)
	}
	if len(a.AllowedMethods) > 0 {
		record["allowedVerificationMethods"] = a.AllowedMethods
	}
	if a.PriorityRuleID != "" {
		record["priorityRuleId"] = a.PriorityRuleID
	}
	if a.IPAddress != "" {
		record["ipAddress"] = a.IPAddress
	}
	if a.DeviceID != "" {
		record["deviceId"] = a.DeviceID
	}
	if len(a.Custom) > 0 {
		record["custom"] = a.Custom
	}
	return webhooks.Enqueue(ctx, q, s.Source, a.TenantID, model.StreamLog, webhooks.ActionLogCreated, a.UserID, record)
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
