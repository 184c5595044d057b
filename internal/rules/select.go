package rules

// Rule is what selection needs to know about one rule of an action.
type Rule struct {
	// ID is reported in the matched ids.
	ID string
	// Priority orders matching rules; the lowest number wins.
	Priority int
	// Active rules are evaluated; inactive ones are skipped.
	Active bool
	// Condition decides whether the rule matches; a nil condition never does.
	Condition *Condition
}

// Select evaluates every active rule against the facts and returns the ids
// of those that match, in slice order, and the index of the winner, or -1
// when none matches. The winner has the lowest priority number; on a tie the
// earlier rule in the slice wins, so pass rules in creation order.
func Select(rules []Rule, f *Facts) (matched []string, winner int) {
	return AppendMatches(nil, rules, f)
}

// AppendMatches is Select appending the matched ids to dst, so a caller can
// reuse one slice across evaluations and avoid allocating.
func AppendMatches(dst []string, rules []Rule, f *Facts) (matched []string, winner int) {
	winner = -1
	for i := range rules {
		r := &rules[i]
		if !r.Active || !r.Condition.Eval(f) {
			continue
		}
		dst = append(dst, r.ID)
		if winner < 0 || r.Priority < rules[winner].Priority {
			winner = i
		}
	}
	return dst, winner
}
