package managementapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

type valueListJSON struct {
	Alias          string              `json:"alias"`
	Name           string              `json:"name"`
	ItemType       model.ValueListType `json:"itemType"`
	ValueListItems []any               `json:"valueListItems"`
	IsActive       bool                `json:"isActive"`
	CreatedAt      string              `json:"createdAt"`
	UpdatedAt      string              `json:"updatedAt"`
}

func toValueListJSON(l model.ValueList) valueListJSON {
	items := make([]any, len(l.Items))
	for i, it := range l.Items {
		items[i] = it
		if l.ItemType == model.ListNumber {
			items[i] = json.Number(it)
		}
	}
	return valueListJSON{Alias: l.Alias, Name: l.Name, ItemType: l.ItemType, ValueListItems: items,
		IsActive: l.IsActive, CreatedAt: jsonapi.Time(l.CreatedAt), UpdatedAt: jsonapi.Time(l.UpdatedAt)}
}

// valueListInput is the body of create and update; absent fields keep
// their value on update.
type valueListInput struct {
	Alias          optional[string]              `json:"alias"`
	Name           optional[string]              `json:"name" text:"100"`
	ItemType       optional[model.ValueListType] `json:"itemType"`
	ValueListItems optional[[]json.RawMessage]   `json:"valueListItems"`
	IsActive       optional[bool]                `json:"isActive"`
}

// apply copies the input onto l; items are kept as text, numbers in their
// shortest form.
func (in valueListInput) apply(l *model.ValueList) error {
	in.Name.apply(&l.Name)
	in.ItemType.apply(&l.ItemType)
	in.IsActive.apply(&l.IsActive)
	if !in.ValueListItems.Set {
		return nil
	}
	l.Items = make([]string, 0, len(in.ValueListItems.Value))
	for i, raw := range in.ValueListItems.Value {
		var s string
		var f float64
		switch {
		case json.Unmarshal(raw, &s) == nil:
			l.Items = append(l.Items, s)
		case json.Unmarshal(raw, &f) == nil:
			l.Items = append(l.Items, strconv.FormatFloat(f, 'g', -1, 64))
		default:
			return model.Invalid("valueListItems[%d] must be a string or a number", i)
		}
	}
	return nil
}

func alias(r *http.Request) string { return r.PathValue("alias") }

// ListValueLists answers GET /v1/management/value-lists.
func (a *API) ListValueLists(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	ls, err := a.policy.ValueLists(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := []valueListJSON{}
	for _, l := range ls {
		out = append(out, toValueListJSON(l))
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// CreateValueList answers POST /v1/management/value-lists.
func (a *API) CreateValueList(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in valueListInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	l := model.ValueList{Alias: in.Alias.Value, IsActive: true}
	if err := in.apply(&l); err != nil {
		return err
	}
	l, err := a.policy.SaveValueList(r.Context(), t, l, true)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusCreated, toValueListJSON(l))
}

// GetValueList answers GET /v1/management/value-lists/{alias}.
func (a *API) GetValueList(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	l, err := a.policy.ValueList(r.Context(), t.ID, alias(r))
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toValueListJSON(l))
}

// UpdateValueList answers PATCH /v1/management/value-lists/{alias}.
func (a *API) UpdateValueList(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in valueListInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.Alias.Set && in.Alias.Value != alias(r) {
		return model.Invalid("alias cannot be changed")
	}
	l, err := a.policy.ValueList(r.Context(), t.ID, alias(r))
	if err != nil {
		return err
	}
	if err := in.apply(&l); err != nil {
		return err
	}
	if l, err = a.policy.SaveValueList(r.Context(), t, l, false); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toValueListJSON(l))
}

// DeleteValueList answers DELETE /v1/management/value-lists/{alias}.
func (a *API) DeleteValueList(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	if err := a.policy.DeleteValueList(r.Context(), t.ID, alias(r)); err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, map[string]bool{"success": true})
}
