package prompt

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// RolloutBucket is the user's stable rollout bucket, 0 to
// uplift.RolloutBuckets-1: the first 8 bytes of SHA-256 over the tenant
// id, a zero byte and the user id, read as a big-endian number, modulo
// the number of buckets. The same user always lands in the same bucket,
// on every instance, so raising the rollout percentage only adds users.
func RolloutBucket(tenantID, userID string) int {
	h := sha256.New()
	h.Write([]byte(tenantID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	sum := h.Sum(nil)
	return int(binary.BigEndian.Uint64(sum[:8]) % uplift.RolloutBuckets)
}

// OptOut records that the user chose "Don't ask again" on the prompt: an
// opted_out event for the dashboard and the choice itself, which holds on
// every device until an admin resets it. The tenant must offer the choice.
func (s *Service) OptOut(ctx context.Context, t model.Tenant, a model.Action, deviceID string) error {
	return s.optOut(ctx, t, a, deviceID, model.SurfaceHosted)
}

// optOut is OptOut for a prompt shown on surface.
func (s *Service) optOut(ctx context.Context, t model.Tenant, a model.Action, deviceID string, surface model.PromptSurface) error {
	if !t.Passkey.EnrollmentPromptAllowOptOut {
		return model.Invalid("the passkey configuration does not offer Don't ask again (enrollmentPromptAllowOptOut)")
	}
	platform := ""
	if d, err := s.store.Device(ctx, t.ID, deviceID); err == nil {
		platform = devices.ParseUserAgent(d.UserAgent).OSName
	}
	variant, err := s.variantOf(ctx, t.ID, a.UserID)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.store.InTx(ctx, func(q Queries) error {
		if err := q.RecordUpliftOptOut(ctx, t.ID, a.UserID, deviceID, now); err != nil {
			return err
		}
		return q.RecordUpliftEvent(ctx, model.UpliftEvent{
			ID: s.NewID(), TenantID: t.ID, UserID: a.UserID, DeviceID: deviceID, IdempotencyKey: a.IdempotencyKey,
			ActionCode: a.Code, Kind: model.UpliftOptedOut, Platform: platform, Variant: variant, Surface: surface, At: now,
		})
	})
}

// ResetOptOut forgets the user's "Don't ask again", so the prompt may
// appear again on any of the user's devices. It reports whether the user
// had opted out.
func (s *Service) ResetOptOut(ctx context.Context, tenantID, userID string) (bool, error) {
	if _, err := s.store.User(ctx, tenantID, userID); err != nil {
		return false, err
	}
	return s.store.ResetUpliftOptOut(ctx, tenantID, userID)
}

// OptedOutAt returns when the user chose "Don't ask again"; the zero time
// when the user has not, or an admin reset it.
func (s *Service) OptedOutAt(ctx context.Context, tenantID, userID string) (time.Time, error) {
	return s.store.UpliftOptOut(ctx, tenantID, userID)
}
