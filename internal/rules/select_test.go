package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelect(t *testing.T) {
	newDevice := mustCompile(t, `{"==":[{"var":"device.isNew"},true]}`)
	blocked := mustCompile(t, `{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]}`)
	office := mustCompile(t, `{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}`)
	never := mustCompile(t, `{"var":"device.isBot"}`)
	tests := []struct {
		name        string
		rules       []Rule
		wantMatched []string
		wantWinner  int
	}{
		{"no rules", nil, nil, -1},
		{"no match", []Rule{{ID: "a", Priority: 1, Active: true, Condition: never}}, nil, -1},
		{"one match", []Rule{
			{ID: "a", Priority: 1, Active: true, Condition: never},
			{ID: "b", Priority: 2, Active: true, Condition: office},
		}, []string{"b"}, 1},
		{"lowest priority number wins", []Rule{
			{ID: "a", Priority: 50, Active: true, Condition: newDevice},
			{ID: "b", Priority: 10, Active: true, Condition: blocked},
			{ID: "c", Priority: 30, Active: true, Condition: office},
		}, []string{"a", "b", "c"}, 1},
		{"priority zero wins", []Rule{
			{ID: "a", Priority: 99, Active: true, Condition: newDevice},
			{ID: "b", Priority: 0, Active: true, Condition: office},
		}, []string{"a", "b"}, 1},
		{"tie goes to the earlier rule", []Rule{
			{ID: "old", Priority: 5, Active: true, Condition: newDevice},
			{ID: "new", Priority: 5, Active: true, Condition: blocked},
		}, []string{"old", "new"}, 0},
		{"tie after a better match is irrelevant", []Rule{
			{ID: "a", Priority: 7, Active: true, Condition: newDevice},
			{ID: "b", Priority: 3, Active: true, Condition: blocked},
			{ID: "c", Priority: 3, Active: true, Condition: office},
		}, []string{"a", "b", "c"}, 1},
		{"tie with non-matching earlier rule", []Rule{
			{ID: "a", Priority: 5, Active: true, Condition: never},
			{ID: "b", Priority: 5, Active: true, Condition: blocked},
			{ID: "c", Priority: 5, Active: true, Condition: office},
		}, []string{"b", "c"}, 1},
		{"inactive rules are skipped", []Rule{
			{ID: "a", Priority: 0, Active: false, Condition: newDevice},
			{ID: "b", Priority: 20, Active: true, Condition: blocked},
		}, []string{"b"}, 1},
		{"all inactive", []Rule{
			{ID: "a", Priority: 0, Active: false, Condition: newDevice},
			{ID: "b", Priority: 1, Active: false, Condition: blocked},
		}, nil, -1},
		{"nil condition never matches", []Rule{
			{ID: "a", Priority: 0, Active: true},
			{ID: "b", Priority: 1, Active: true, Condition: office},
		}, []string{"b"}, 1},
	}
	f := sampleFacts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			matched, winner := Select(tt.rules, f)
			if diff := cmp.Diff(tt.wantMatched, matched); diff != "" {
				t.Errorf("matched ids mismatch (-want +got):\n%s", diff)
			}
			if winner != tt.wantWinner {
				t.Errorf("winner = %d, want %d", winner, tt.wantWinner)
			}
		})
	}
}

func TestAppendMatchesReusesSlice(t *testing.T) {
	rules := benchmarkRules(t, 50)
	f := benchmarkFacts(t)
	buf := make([]string, 0, len(rules))
	matched, winner := AppendMatches(buf[:0], rules, f)
	if len(matched) == 0 || winner < 0 {
		t.Fatalf("AppendMatches matched %d rules, winner %d; want some", len(matched), winner)
	}
	allocs := testing.AllocsPerRun(100, func() {
		matched, _ = AppendMatches(buf[:0], rules, f)
	})
	if allocs != 0 {
		t.Errorf("AppendMatches with a reused slice allocates %v times per run, want 0", allocs)
	}
}
