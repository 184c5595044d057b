package rules

import (
	"encoding/json"
	"errors"
	"testing"
)

func FuzzCompileEval(f *testing.F) {
	for _, seed := range []string{
		`{"and":[{"==":[{"var":"device.isNew"},true]}]}`,
		`{"or":[{"in_cidr_list":[{"var":"ip.address"},"office-ips"]},{">=":[{"var":"action.custom.amount"},1000]}]}`,
		`{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]}`,
		`{"<":[1,{"var":["device.userDeviceCount",0]},5]}`,
		`{"if":[{"in":["PASSKEY",{"var":"user.enrolledMethods"}]},["a",{"var":"user.custom.tier"}],"no"]}`,
		`{"in":[{"var":"user.custom.tags"},{"?:":[{"var":"user.custom.vip"},"abc",[1,"b"]]}]}`,
		`{"!":{"!!":[{"var":"action.custom.x"}]}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"==":[1e400,1]}`,
		`{"var":"user.custom."}`,
		`{}`,
		``,
	} {
		f.Add([]byte(seed))
	}
	factSets := []*Facts{nil, {}, sampleFacts(f), benchmarkFacts(f)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Compile(json.RawMessage(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil || e.Detail == "" {
				t.Fatalf("Compile error %#v is not an *Error with a kind and a detail", err)
			}
			return
		}
		// The limits bound the work: a tree of at most MaxNodes nodes and
		// no loops, so each evaluation visits each node at most once.
		if len(data) > MaxConditionSize || c.nodes > MaxNodes || c.depth > MaxDepth {
			t.Fatalf("compiled a condition of %d bytes, %d values, depth %d: over the limits",
				len(data), c.nodes, c.depth)
		}
		if got := countNodes(&c.root); got > c.nodes {
			t.Fatalf("tree has %d nodes, parser counted %d", got, c.nodes)
		}
		again, err := Compile(c.src)
		if err != nil {
			t.Fatalf("the compiled condition %s does not compile again: %v", c.src, err)
		}
		for _, facts := range factSets {
			if got, want := again.Eval(facts), c.Eval(facts); got != want {
				t.Fatalf("Eval of %s = %v, of its recompiled JSON = %v", data, want, got)
			}
		}
	})
}

// countNodes returns the size of a compiled tree.
func countNodes(n *node) int {
	count := 1
	for i := range n.args {
		count += countNodes(&n.args[i])
	}
	return count
}
