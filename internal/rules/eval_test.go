package rules

import (
	"testing"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name string
		cond string
		want bool
	}{
		// Literals and truthiness.
		{"true", `true`, true},
		{"false", `false`, false},
		{"null", `null`, false},
		{"zero", `0`, false},
		{"number", `-1.5`, true},
		{"empty string", `""`, false},
		{"string", `"0"`, true},
		{"empty array", `[]`, false},
		{"array", `[0]`, true},

		// var.
		{"bool fact", `{"var":"device.isNew"}`, true},
		{"var array form", `{"var":["device.isNew"]}`, true},
		{"false fact", `{"var":"device.isBot"}`, false},
		{"string fact", `{"==":[{"var":"user.userId"},"u-1"]}`, true},
		{"email", `{"==":[{"var":"user.email"},"ann@Example.com"]}`, true},
		{"username", `{"==":[{"var":"user.username"},"ann"]}`, true},
		{"isEnrolled", `{"var":"user.isEnrolled"}`, true},
		{"hasPasskey", `{"var":"user.hasPasskey"}`, true},
		{"passkeyCount", `{"==":[{"var":"user.passkeyCount"},2]}`, true},
		{"device id", `{"==":[{"var":"device.id"},"d-1"]}`, true},
		{"device count", `{"==":[{"var":"device.userDeviceCount"},3]}`, true},
		{"platform", `{"==":[{"var":"device.platform"},"macOS"]}`, true},
		{"browser", `{"==":[{"var":"device.browser"},"Chrome"]}`, true},
		{"ip", `{"==":[{"var":"ip.address"},"10.1.2.3"]}`, true},
		{"action code", `{"==":[{"var":"action.code"},"withdraw"]}`, true},
		{"action custom", `{"==":[{"var":"action.custom.currency"},"EUR"]}`, true},
		{"user custom string", `{"==":[{"var":"user.custom.tier"},"gold"]}`, true},
		{"user custom bool", `{"==":[{"var":"user.custom.vip"},true]}`, true},
		{"custom json.Number", `{"==":[{"var":"user.custom.logins"},7]}`, true},
		{"custom int", `{"==":[{"var":"user.custom.seats"},5]}`, true},
		{"custom dotted key", `{"==":[{"var":"user.custom.a.b"},"dotted"]}`, true},
		{"custom empty string is present", `{"==":[{"var":"user.custom.blank"},""]}`, true},
		{"custom object is truthy", `{"!!":{"var":"user.custom.profile"}}`, true},
		{"custom object equals nothing", `{"==":[{"var":"user.custom.profile"},{"var":"user.custom.profile"}]}`, false},
		{"default unused", `{"==":[{"var":["user.custom.tier","none"]},"gold"]}`, true},
		{"default for missing", `{"==":[{"var":["user.custom.absent","none"]},"none"]}`, true},
		{"default for null", `{"==":[{"var":["user.custom.nothing",1]},1]}`, true},
		{"default is an expression", `{"==":[{"var":["user.custom.absent",{"var":"action.code"}]},"withdraw"]}`, true},

		// and, or, !, !!.
		{"and all true", `{"and":[true,{"var":"device.isNew"},1]}`, true},
		{"and one false", `{"and":[true,{"var":"device.isBot"}]}`, false},
		{"and returns last", `{"==":[{"and":[1,"x"]},"x"]}`, true},
		{"and returns first falsy", `{"==":[{"and":[1,0,"x"]},0]}`, true},
		{"or one true", `{"or":[false,{"var":"device.isNew"}]}`, true},
		{"or none true", `{"or":[false,0,""]}`, false},
		{"or returns first truthy", `{"==":[{"or":[{"var":"user.custom.absent"},"fallback"]},"fallback"]}`, true},
		{"or returns last", `{"==":[{"or":[0,""]},""]}`, true},
		{"single argument and", `{"and":true}`, true},
		{"not", `{"!":[{"var":"device.isBot"}]}`, true},
		{"not shorthand", `{"!":{"var":"device.isNew"}}`, false},
		{"not of empty array", `{"!":[[]]}`, true},
		{"double not", `{"!!":["x"]}`, true},
		{"double not of zero", `{"!!":[0]}`, false},
		{"nested", `{"and":[{"or":[{"var":"device.isBot"},{"!":{"var":"user.hasPasskey"}},{"==":[{"var":"user.custom.tier"},"gold"]}]},{"!":{"and":[{"var":"device.isNew"},{"var":"device.isBot"}]}}]}`, true},
		{"nested false", `{"or":[{"and":[{"var":"device.isNew"},{"var":"device.isBot"}]},{"!":{"or":[{"var":"user.hasPasskey"}]}}]}`, false},

		// Equality.
		{"== numbers", `{"==":[1,1.0]}`, true},
		{"== strings", `{"==":["a","a"]}`, true},
		{"== bools", `{"==":[false,false]}`, true},
		{"== null null", `{"==":[null,null]}`, true},
		{"=== same", `{"===":[2,2]}`, true},
		{"== string number", `{"==":["1",1]}`, false},
		{"== bool number", `{"==":[true,1]}`, false},
		{"== null false", `{"==":[null,false]}`, false},
		{"== arrays", `{"==":[[],[]]}`, false},
		{"!= different", `{"!=":[1,2]}`, true},
		{"!= same", `{"!=":["a","a"]}`, false},
		{"!= string number", `{"!=":["1",1]}`, true},
		{"!== same", `{"!==":[true,true]}`, false},
		{"!== different", `{"!==":[true,false]}`, true},

		// Ordering.
		{"< numbers", `{"<":[1,2]}`, true},
		{"< equal", `{"<":[2,2]}`, false},
		{"<= equal", `{"<=":[2,2]}`, true},
		{"> numbers", `{">":[{"var":"action.custom.amount"},1000]}`, true},
		{">= equal", `{">=":[{"var":"user.custom.age"},42]}`, true},
		{">= less", `{">=":[1,2]}`, false},
		{"< strings", `{"<":["apple","banana"]}`, true},
		{"> strings", `{">":["b","a"]}`, true},
		{"between", `{"<":[1,{"var":"device.userDeviceCount"},5]}`, true},
		{"between outside", `{"<":[3,{"var":"device.userDeviceCount"},5]}`, false},
		{"between exclusive top", `{"<":[1,5,5]}`, false},
		{"between inclusive", `{"<=":[3,{"var":"device.userDeviceCount"},3]}`, true},
		{"between inclusive outside", `{"<=":[4,3,5]}`, false},
		{"< string number", `{"<":["1",2]}`, false},
		{"> string number", `{">":["3",2]}`, false},
		{"< number null", `{"<":[{"var":"user.custom.absent"},1]}`, false},
		{">= null null", `{">=":[null,null]}`, false},
		{"< bools", `{"<":[false,true]}`, false},
		{"< arrays", `{"<":[[1],[2]]}`, false},
		{"between mismatch", `{"<":[1,"2",3]}`, false},

		// in.
		{"in substring", `{"in":["mple",{"var":"user.emailDomain"}]}`, true},
		{"in substring missing", `{"in":["xyz","example.com"]}`, false},
		{"in number in string", `{"in":[1,"a1"]}`, false},
		{"in literal array", `{"in":[{"var":"device.platform"},["iOS","macOS"]]}`, true},
		{"in literal array miss", `{"in":[{"var":"device.platform"},["iOS","Android"]]}`, false},
		{"in array strict", `{"in":["1",[1,2]]}`, false},
		{"in array numbers", `{"in":[2,[1,2]]}`, true},
		{"in array of expressions", `{"in":["withdraw",[{"var":"action.code"}]]}`, true},
		{"in enrolledMethods", `{"in":["PASSKEY",{"var":"user.enrolledMethods"}]}`, true},
		{"in enrolledMethods miss", `{"in":["SMS",{"var":"user.enrolledMethods"}]}`, false},
		{"in custom array", `{"in":[3,{"var":"user.custom.tags"}]}`, true},
		{"in custom string array", `{"in":["AU",{"var":"user.custom.countries"}]}`, true},
		{"in custom array miss", `{"in":["c",{"var":"user.custom.tags"}]}`, false},
		{"in null", `{"in":["a",null]}`, false},
		{"in number", `{"in":[1,1]}`, false},
		{"enrolledMethods truthy", `{"!!":{"var":"user.enrolledMethods"}}`, true},

		// if.
		{"if then", `{"if":[true,"yes","no"]}`, true},
		{"if else", `{"==":[{"if":[false,"yes","no"]},"no"]}`, true},
		{"if no else", `{"==":[{"if":[false,"yes"]},null]}`, true},
		{"if chain", `{"==":[{"if":[false,1,{"var":"device.isNew"},2,3]},2]}`, true},
		{"if chain else", `{"==":[{"if":[false,1,false,2,3]},3]}`, true},
		{"ternary", `{"?:":[{"var":"device.isBot"},false,true]}`, true},
		{"if returns array", `{"in":["b",{"if":[true,["a","b"],[]]}]}`, true},

		// Value lists.
		{"in_list string", `{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]}`, true},
		{"in_list string miss", `{"in_list":["other.org","blocked-domains"]}`, false},
		{"in_list case-sensitive", `{"in_list":["Example.com","blocked-domains"]}`, false},
		{"in_list number", `{"in_list":[{"var":"user.custom.age"},"lucky-numbers"]}`, true},
		{"in_list number miss", `{"in_list":[8,"lucky-numbers"]}`, false},
		{"in_list number as string", `{"in_list":["42","lucky-numbers"]}`, false},
		{"in_list missing value", `{"in_list":[{"var":"user.custom.absent"},"blocked-domains"]}`, false},
		{"in_list array value", `{"in_list":[{"var":"user.enrolledMethods"},"blocked-domains"]}`, false},
		{"in_list missing list", `{"in_list":["example.com","no-such-list"]}`, false},
		{"in_list CIDR list", `{"in_list":["10.0.0.0/8","office-ips"]}`, false},
		{"in_cidr_list IPv4", `{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}`, true},
		{"in_cidr_list IPv4 miss", `{"in_cidr_list":["11.0.0.1","office-ips"]}`, false},
		{"in_cidr_list single address", `{"in_cidr_list":["192.0.2.1","office-ips"]}`, true},
		{"in_cidr_list single address miss", `{"in_cidr_list":["192.0.2.2","office-ips"]}`, false},
		{"in_cidr_list IPv6", `{"in_cidr_list":["2001:db8:1::5","office-ips"]}`, true},
		{"in_cidr_list IPv6 miss", `{"in_cidr_list":["2001:db9::1","office-ips"]}`, false},
		{"in_cidr_list IPv6 zone", `{"in_cidr_list":["2001:db8::1%eth0","office-ips"]}`, true},
		{"in_cidr_list IPv4-mapped", `{"in_cidr_list":["::ffff:10.9.9.9","office-ips"]}`, true},
		{"in_cidr_list not an address", `{"in_cidr_list":["not-an-ip","office-ips"]}`, false},
		{"in_cidr_list number", `{"in_cidr_list":[10,"office-ips"]}`, false},
		{"in_cidr_list missing list", `{"in_cidr_list":[{"var":"ip.address"},"no-such-list"]}`, false},
		{"in_cidr_list string list", `{"in_cidr_list":["10.1.2.3","blocked-domains"]}`, false},
		{"not in_cidr_list", `{"!":{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}}`, false},
	}
	f := sampleFacts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, tt.cond)
			if got := c.Eval(f); got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestEvalMissingFacts checks that unknown facts are null: empty strings,
// absent custom data, absent custom maps, no device and a nil *Facts.
func TestEvalMissingFacts(t *testing.T) {
	tests := []struct {
		name string
		cond string
		want bool
	}{
		{"empty email is null", `{"==":[{"var":"user.email"},null]}`, true},
		{"empty email is not empty string", `{"==":[{"var":"user.email"},""]}`, false},
		{"empty ip is null", `{"==":[{"var":"ip.address"},null]}`, true},
		{"empty device id default", `{"==":[{"var":["device.id","none"]},"none"]}`, true},
		{"absent custom map", `{"==":[{"var":"action.custom.amount"},null]}`, true},
		{"absent custom compares false", `{">":[{"var":"action.custom.amount"},0]}`, false},
		{"absent custom not equal", `{"!=":[{"var":"action.custom.amount"},0]}`, true},
		{"counts are present", `{"==":[{"var":"user.passkeyCount"},0]}`, true},
		{"booleans are present", `{"==":[{"var":"device.isNew"},false]}`, true},
		{"nil methods is an empty array", `{"!":{"var":"user.enrolledMethods"}}`, true},
		{"in nil methods", `{"in":["PASSKEY",{"var":"user.enrolledMethods"}]}`, false},
		{"no lists", `{"in_list":["a","blocked-domains"]}`, false},
		{"no cidr lists", `{"!":{"in_cidr_list":[{"var":"ip.address"},"office-ips"]}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, tt.cond)
			if got := c.Eval(&Facts{}); got != tt.want {
				t.Errorf("Eval(%s) on empty facts = %v, want %v", tt.cond, got, tt.want)
			}
			if got := c.Eval(nil); got != tt.want {
				t.Errorf("Eval(%s) on nil facts = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

func TestEvalNilCondition(t *testing.T) {
	var c *Condition
	if got := c.Eval(sampleFacts(t)); got {
		t.Errorf("nil condition Eval = %v, want false", got)
	}
}

func TestEvalDoesNotAllocate(t *testing.T) {
	c := mustCompile(t, `{"and":[
		{"==":[{"var":"device.isNew"},true]},
		{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]},
		{"in_cidr_list":[{"var":"ip.address"},"office-ips"]},
		{"in":["PASSKEY",{"var":"user.enrolledMethods"}]},
		{"in":[{"var":"device.platform"},["iOS","macOS"]]},
		{"<":[1000,{"var":["action.custom.amount",0]},5000]},
		{"in":[3,{"var":"user.custom.tags"}]}]}`)
	f := sampleFacts(t)
	if !c.Eval(f) {
		t.Fatal("condition does not hold for the sample facts")
	}
	if got := testing.AllocsPerRun(100, func() { c.Eval(f) }); got != 0 {
		t.Errorf("Eval allocates %v times per run, want 0", got)
	}
}

func TestEvalNilFactsDoesNotAllocate(t *testing.T) {
	c := mustCompile(t, `{"or":[{"in":["PASSKEY",{"var":"user.enrolledMethods"}]},{"==":[{"var":"user.passkeyCount"},0]}]}`)
	if !c.Eval(nil) {
		t.Fatal("condition does not hold for nil facts")
	}
	if got := testing.AllocsPerRun(100, func() { c.Eval(nil) }); got != 0 {
		t.Errorf("Eval(nil) allocates %v times per run, want 0", got)
	}
}
