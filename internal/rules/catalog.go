package rules

import "strings"

// FactKind is the type of value a fact holds, as an editor that builds
// conditions needs to know it to offer operators and type values.
type FactKind string

// Fact kinds.
const (
	// FactBoolean facts are true or false, never null.
	FactBoolean FactKind = "boolean"
	// FactNumber facts are counts, never null.
	FactNumber FactKind = "number"
	// FactString facts are text, null when unknown.
	FactString FactKind = "string"
	// FactStrings facts are arrays of strings, such as user.enrolledMethods.
	FactStrings FactKind = "strings"
	// FactAddress facts are IP addresses, for in_cidr_list.
	FactAddress FactKind = "address"
	// FactCustom facts are custom data: any JSON value under a key the
	// condition names after the fact's prefix.
	FactCustom FactKind = "custom"
)

// FactInfo describes one fact a condition may name.
type FactInfo struct {
	// Name is the fact's name as FactNames gives it.
	Name string
	Kind FactKind
	// Prefix is set on custom data facts: a var names Prefix followed by
	// the key, such as "user.custom.plan".
	Prefix string
}

// Catalog describes every fact of FactNames, in the same order. The kinds
// come from the values the evaluator gives empty facts, so they cannot
// disagree with it.
func Catalog() []FactInfo {
	names := FactNames()
	out := make([]FactInfo, len(names))
	for i, name := range names {
		out[i] = FactInfo{Name: name, Kind: FactString}
		if prefix, ok := strings.CutSuffix(name, "<key>"); ok {
			out[i].Kind, out[i].Prefix = FactCustom, prefix
			continue
		}
		id := lookupFact(name)
		switch emptyFact(id).kind {
		case kindBool:
			out[i].Kind = FactBoolean
		case kindNumber:
			out[i].Kind = FactNumber
		case kindArray:
			out[i].Kind = FactStrings
		default:
			if id == factIPAddress {
				out[i].Kind = FactAddress
			}
		}
	}
	return out
}

// Comparisons returns the operators that compare a fact of kind k with a
// value, as JSONLogic keys. Each is written {op: [{"var": fact}, value]},
// except "in", which is written {"in": [value, {"var": fact}]} (the fact
// contains the value), and in_list and in_cidr_list, whose value is a
// value list's name.
func (k FactKind) Comparisons() []string {
	switch k {
	case FactBoolean:
		return []string{"==", "!="}
	case FactNumber:
		return []string{"==", "!=", ">", ">=", "<", "<=", "in_list"}
	case FactString:
		return []string{"==", "!=", "in", "in_list"}
	case FactStrings:
		return []string{"in"}
	case FactAddress:
		return []string{"==", "!=", "in_cidr_list"}
	case FactCustom:
		return []string{"==", "!=", ">", ">=", "<", "<=", "in", "in_list"}
	}
	return nil
}
