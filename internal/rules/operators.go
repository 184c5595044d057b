package rules

import (
	"strconv"
	"strings"
)

// opcode is the operation a node performs.
type opcode uint8

const (
	opLiteral opcode = iota
	opArray
	opVar
	opAnd
	opOr
	opNot
	opTruthy
	opEqual
	opNotEqual
	opLess
	opLessOrEqual
	opGreater
	opGreaterOrEqual
	opIn
	opIf
	opInList
	opInCIDRList
)

// operator describes a JSONLogic operator: its opcode and how many
// arguments it takes (max < 0: no upper bound).
type operator struct {
	op       opcode
	min, max int
}

// operatorNames lists the supported operators, for messages.
const operatorNames = "var, and, or, !, !!, ==, ===, !=, !==, <, <=, >, >=, in, if, ?:, in_list, in_cidr_list"

// lookupOperator returns the operator a JSONLogic key names.
func lookupOperator(name string) (operator, bool) {
	switch name {
	case "var":
		return operator{opVar, 1, 2}, true
	case "and":
		return operator{opAnd, 1, -1}, true
	case "or":
		return operator{opOr, 1, -1}, true
	case "!":
		return operator{opNot, 1, 1}, true
	case "!!":
		return operator{opTruthy, 1, 1}, true
	case "==", "===":
		return operator{opEqual, 2, 2}, true
	case "!=", "!==":
		return operator{opNotEqual, 2, 2}, true
	case "<":
		return operator{opLess, 2, 3}, true
	case "<=":
		return operator{opLessOrEqual, 2, 3}, true
	case ">":
		return operator{opGreater, 2, 2}, true
	case ">=":
		return operator{opGreaterOrEqual, 2, 2}, true
	case "in":
		return operator{opIn, 2, 2}, true
	case "if":
		return operator{opIf, 2, -1}, true
	case "?:":
		return operator{opIf, 3, 3}, true
	case "in_list":
		return operator{opInList, 2, 2}, true
	case "in_cidr_list":
		return operator{opInCIDRList, 2, 2}, true
	}
	return operator{}, false
}

// arityText describes how many arguments an operator takes.
func (o operator) arityText() string {
	switch {
	case o.max < 0:
		return "at least " + plural(o.min, "argument")
	case o.min == o.max:
		return plural(o.min, "argument")
	case o.max == o.min+1:
		return strconv.Itoa(o.min) + " or " + plural(o.max, "argument")
	}
	return strconv.Itoa(o.min) + " to " + plural(o.max, "argument")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// suggestFact returns a fixed fact name that differs from name only in
// case, or "".
func suggestFact(name string) string {
	for _, known := range FactNames() {
		if strings.EqualFold(known, name) && !strings.Contains(known, "<") {
			return known
		}
	}
	lower := strings.ToLower(name)
	for _, prefix := range []string{userCustomPrefix, actionCustomPrefix} {
		if strings.HasPrefix(lower, prefix) {
			return prefix + name[len(prefix):]
		}
	}
	return ""
}
