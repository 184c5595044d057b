package actions

import (
	"context"
	"errors"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// SetWebhooks gives the state machine the webhook service that sends
// action.verify before an action becomes CHALLENGE_SUCCEEDED.
func (s *Service) SetWebhooks(w *webhooks.Service) { s.webhooks = w }

// approvedKey marks a context that carries the action.verify approvals
// of the actions it may complete.
type approvedKey struct{}

// errSignInRefused is what the user and the app's frontend see when the
// app's action.verify webhook did not approve a sign-in.
var errSignInRefused = &model.Error{Kind: model.ErrForbidden, Code: "sign_in_refused",
	Description: "The sign-in was refused by the app."}

// VerifyCompletion asks the action configuration's action.verify webhook,
// when it has one, whether a challenge by method with authID may complete
// the action (tenantID, code, key): call it after the credential is
// checked and before the transaction that completes, never inside one. It
// returns ctx carrying the approval that CompleteAction requires for such
// an action, or an error of kind forbidden when the app answered other
// than 2xx and of kind unavailable when it did not answer; the action
// stays as it is. An action that cannot be completed anyway is left to
// CompleteAction. The webhook is read from the cached configuration, so
// an action without one costs no query.
func (s *Service) VerifyCompletion(ctx context.Context, tenantID, code, key string, method model.VerificationMethod, authID string) (context.Context, error) {
	if url, err := s.verificationURL(ctx, tenantID, code); err != nil || url == "" {
		return ctx, err
	}
	a, err := s.store.Action(ctx, tenantID, key)
	if err != nil || a.State == model.StateChallengeSucceeded || cannotComplete(a, method) != nil {
		return ctx, nil
	}
	return s.verifyAction(ctx, a, method, authID)
}

// VerifyPlannedCompletion is VerifyCompletion for an action a planned
// track creates as CHALLENGE_SUCCEEDED (see TrackPlan.CompleteOnCreate).
func (s *Service) VerifyPlannedCompletion(ctx context.Context, p *TrackPlan, method model.VerificationMethod, authID string) (context.Context, error) {
	if p.action.State != model.StateChallengeSucceeded {
		return ctx, nil
	}
	return s.verifyAction(ctx, p.action, method, authID)
}

// verifyAction sends action a's action.verify, if it has one.
func (s *Service) verifyAction(ctx context.Context, a model.Action, method model.VerificationMethod, authID string) (context.Context, error) {
	tenantID, key := a.TenantID, a.IdempotencyKey
	url, err := s.verificationURL(ctx, tenantID, a.Code)
	if err != nil || url == "" {
		return ctx, err
	}
	data := map[string]any{
		"userId": a.UserID, "action": a.Code, "idempotencyKey": a.IdempotencyKey,
		"verifiedAt": s.Now().UTC().Format(time.RFC3339), "state": string(model.StateChallengeSucceeded),
		"verificationMethod": string(method), "userAuthenticatorId": authID,
	}
	if err := s.webhooks.Send(ctx, tenantID, url, webhooks.ActionVerify, data, data); err != nil {
		s.log.InfoContext(ctx, "action.verify refused the sign-in", "tenant", tenantID, "action", a.Code, "err", err)
		if errors.Is(err, model.ErrForbidden) {
			return ctx, errSignInRefused
		}
		return ctx, err
	}
	approved, _ := ctx.Value(approvedKey{}).(map[string]bool)
	next := map[string]bool{tenantID + "/" + key: true}
	for k := range approved {
		next[k] = true
	}
	return context.WithValue(ctx, approvedKey{}, next), nil
}

// needsVerification reports an action whose configuration has an
// action.verify webhook that ctx carries no approval of. It runs inside
// the transaction of q, and reads through q.
func (s *Service) needsVerification(ctx context.Context, q Queries, a model.Action) (bool, error) {
	if approved, _ := ctx.Value(approvedKey{}).(map[string]bool); approved[a.TenantID+"/"+a.IdempotencyKey] {
		return false, nil
	}
	if s.webhooks == nil {
		return false, nil
	}
	cfg, err := s.tenancy.ActionConfigIn(ctx, q.ActionConfig, a.TenantID, a.Code)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return cfg.VerificationWebhookURL != "", err
}

// verificationURL is the action.verify webhook of the tenant's action
// code, from the cached configuration; empty when there is none, no
// configuration, or no webhook service.
func (s *Service) verificationURL(ctx context.Context, tenantID, code string) (string, error) {
	if s.webhooks == nil {
		return "", nil
	}
	cfg, err := s.tenancy.ActionConfig(ctx, tenantID, code)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil
	}
	return cfg.VerificationWebhookURL, err
}
