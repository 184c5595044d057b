package rules

// Eval reports whether the condition holds for the facts: whether its value
// is truthy. A nil condition holds for nothing; a nil *Facts is empty facts.
func (c *Condition) Eval(f *Facts) bool {
	if c == nil {
		return false
	}
	return c.root.eval(f).truthy()
}

// eval computes a node's value. Each node is visited at most once per
// evaluation of its parent, and nothing here allocates.
func (n *node) eval(f *Facts) value {
	switch n.op {
	case opLiteral:
		return n.lit
	case opArray:
		return value{kind: kindArray, arr: n}
	case opVar:
		v := f.get(n.fact, n.key)
		if v.kind == kindNull && len(n.args) == 1 {
			return n.args[0].eval(f)
		}
		return v
	case opAnd:
		var v value
		for i := range n.args {
			if v = n.args[i].eval(f); !v.truthy() {
				return v
			}
		}
		return v
	case opOr:
		var v value
		for i := range n.args {
			if v = n.args[i].eval(f); v.truthy() {
				return v
			}
		}
		return v
	case opNot:
		return boolValue(!n.args[0].eval(f).truthy())
	case opTruthy:
		return boolValue(n.args[0].eval(f).truthy())
	case opEqual:
		return boolValue(equal(n.args[0].eval(f), n.args[1].eval(f)))
	case opNotEqual:
		return boolValue(!equal(n.args[0].eval(f), n.args[1].eval(f)))
	case opLess:
		return boolValue(n.ordered(f, func(c int) bool { return c < 0 }))
	case opLessOrEqual:
		return boolValue(n.ordered(f, func(c int) bool { return c <= 0 }))
	case opGreater:
		return boolValue(n.ordered(f, func(c int) bool { return c > 0 }))
	case opGreaterOrEqual:
		return boolValue(n.ordered(f, func(c int) bool { return c >= 0 }))
	case opIn:
		return boolValue(contains(f, n.args[0].eval(f), n.args[1].eval(f)))
	case opIf:
		i := 0
		for ; i+1 < len(n.args); i += 2 {
			if n.args[i].eval(f).truthy() {
				return n.args[i+1].eval(f)
			}
		}
		if i < len(n.args) {
			return n.args[i].eval(f)
		}
		return value{}
	case opInList:
		l, ok := f.list(n.key)
		return boolValue(ok && l.has(n.args[0].eval(f)))
	case opInCIDRList:
		l, ok := f.list(n.key)
		return boolValue(ok && l.containsAddr(n.args[0].eval(f)))
	}
	return value{}
}

// ordered applies a comparison to each adjacent pair of arguments (two, or
// three for the between form); a pair that cannot be ordered fails it.
func (n *node) ordered(f *Facts, holds func(int) bool) bool {
	a := n.args[0].eval(f)
	for i := 1; i < len(n.args); i++ {
		b := n.args[i].eval(f)
		c, ok := compare(a, b)
		if !ok || !holds(c) {
			return false
		}
		a = b
	}
	return true
}
