package passkeys

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// maxDeviceID is the longest device id accepted.
const maxDeviceID = 128

// resolveDeviceID picks the device a client step happens on: the id the
// request carries, else the one the token's action was tracked with.
func resolveDeviceID(requested, fromToken string) (string, error) {
	if len(requested) > maxDeviceID {
		return "", model.Invalid("deviceId is longer than %d characters", maxDeviceID)
	}
	if requested != "" {
		return requested, nil
	}
	return fromToken, nil
}

// notePasskeyOnDevice records that the device was seen and, when rel is
// not empty, how the passkey is known on it. Without a device id it does
// nothing.
func notePasskeyOnDevice(ctx context.Context, q Queries, tenantID, deviceID, userAgent, authID string,
	rel model.DevicePasskeyRelation, now time.Time) error {
	if deviceID == "" {
		return nil
	}
	if err := q.TouchDevice(ctx, model.Device{TenantID: tenantID, ID: deviceID, UserAgent: userAgent,
		CreatedAt: now, LastSeenAt: now}); err != nil {
		return err
	}
	if rel == "" {
		return nil
	}
	return q.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: tenantID, DeviceID: deviceID,
		AuthenticatorID: authID, Relation: rel, FirstAt: now, LastAt: now})
}

// DevicePasskeys lists how the user's passkeys are known on a device:
// created there, or used there through a platform authenticator.
func (s *Service) DevicePasskeys(ctx context.Context, tenantID, userID, deviceID string) ([]model.DevicePasskey, error) {
	all, err := s.store.DevicePasskeys(ctx, tenantID, deviceID)
	if err != nil {
		return nil, err
	}
	mine, err := s.store.Passkeys(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	owned := map[string]bool{}
	for _, p := range mine {
		owned[p.AuthenticatorID] = true
	}
	var out []model.DevicePasskey
	for _, dp := range all {
		if owned[dp.AuthenticatorID] {
			out = append(out, dp)
		}
	}
	return out, nil
}
