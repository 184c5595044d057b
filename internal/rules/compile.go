package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Condition is a compiled JSONLogic condition, safe for concurrent use.
type Condition struct {
	root  node
	src   []byte   // the condition as compact JSON
	lists []string // value lists it names, in order of appearance
	nodes int      // JSON values it held
	depth int      // deepest nesting of arrays and objects
}

// node is one operation or literal of a compiled condition.
type node struct {
	op   opcode
	args []node // operands; for opVar the optional default
	lit  value  // opLiteral
	fact fact   // opVar
	key  string // opVar: custom data key; opInList, opInCIDRList: list name
}

// Compile validates a JSONLogic condition and prepares it for evaluation.
// Every rejection is an *Error naming the problem and where it is.
func Compile(raw json.RawMessage) (*Condition, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &Error{Kind: ErrSyntax, Detail: "condition is empty"}
	}
	if len(raw) > MaxConditionSize {
		return nil, &Error{Kind: ErrLimit, Detail: fmt.Sprintf(
			"condition is %d bytes, more than the limit of %d", len(raw), MaxConditionSize)}
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(raw))}
	p.dec.UseNumber()
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Kind: ErrSyntax, Detail: "condition is not valid JSON: it has more data after its end"}
	}
	var src bytes.Buffer
	if err := json.Compact(&src, raw); err != nil {
		return nil, &Error{Kind: ErrSyntax, Detail: "condition is not valid JSON: " + err.Error()}
	}
	return &Condition{root: root, src: src.Bytes(), lists: p.lists, nodes: p.nodes, depth: p.maxDepth}, nil
}

// Lists returns the names of the value lists the condition uses, each once.
func (c *Condition) Lists() []string {
	if c == nil {
		return nil
	}
	return slices.Clone(c.lists)
}

// MarshalJSON returns the condition as compact JSON, as it was compiled.
func (c *Condition) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	return slices.Clone(c.src), nil
}

// String returns the condition as compact JSON.
func (c *Condition) String() string {
	if c == nil {
		return "null"
	}
	return string(c.src)
}

// parser turns a token stream into nodes, tracking where it is for error
// messages and counting values and depth against the limits.
type parser struct {
	dec      *json.Decoder
	path     []string
	nodes    int
	depth    int
	maxDepth int
	lists    []string
}

func (p *parser) errorf(kind error, format string, args ...any) *Error {
	// Segments are known operators and array indices, none of which holds
	// the "~" or "/" that a JSON Pointer would have to escape.
	path := ""
	if len(p.path) > 0 {
		path = "/" + strings.Join(p.path, "/")
	}
	return &Error{Kind: kind, Path: path, Detail: fmt.Sprintf(format, args...)}
}

func (p *parser) syntaxError(err error) *Error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return &Error{Kind: ErrSyntax, Detail: fmt.Sprintf(
			"condition is not valid JSON: %v at byte %d", syntax, syntax.Offset)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Kind: ErrSyntax, Detail: "condition is not valid JSON: it ends too soon"}
	}
	return &Error{Kind: ErrSyntax, Detail: "condition is not valid JSON: " + err.Error()}
}

// open enters an array or object.
func (p *parser) open() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(ErrLimit, "condition is nested more than %d levels deep", MaxDepth)
	}
	p.maxDepth = max(p.maxDepth, p.depth)
	return nil
}

// closeToken consumes the closing delimiter of an array or object.
func (p *parser) closeToken() error {
	if _, err := p.dec.Token(); err != nil {
		return p.syntaxError(err)
	}
	p.depth--
	return nil
}

// parse reads one JSON value.
func (p *parser) parse() (node, error) {
	p.nodes++
	if p.nodes > MaxNodes {
		return node{}, p.errorf(ErrLimit, "condition has more than %d values", MaxNodes)
	}
	tok, err := p.dec.Token()
	if err != nil {
		return node{}, p.syntaxError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			return p.array()
		case '{':
			return p.operation()
		}
		return node{}, &Error{Kind: ErrSyntax, Detail: fmt.Sprintf(
			"condition is not valid JSON: unexpected %q", string(t))}
	case string:
		if len(t) > MaxStringLength {
			return node{}, p.errorf(ErrLimit, "string is %d bytes, more than the limit of %d", len(t), MaxStringLength)
		}
		return node{op: opLiteral, lit: value{kind: kindString, s: t}}, nil
	case json.Number:
		n, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return node{}, p.errorf(ErrArgument, "number %s is out of range", quote(string(t)))
		}
		return node{op: opLiteral, lit: numberValue(n)}, nil
	case bool:
		return node{op: opLiteral, lit: boolValue(t)}, nil
	case nil:
		return node{op: opLiteral}, nil
	}
	return node{}, &Error{Kind: ErrSyntax, Detail: fmt.Sprintf("condition holds an unexpected %T", tok)}
}

// array reads the elements of an array whose '[' was consumed.
func (p *parser) array() (node, error) {
	if err := p.open(); err != nil {
		return node{}, err
	}
	var elems []node
	for i := 0; p.dec.More(); i++ {
		p.path = append(p.path, strconv.Itoa(i))
		el, err := p.parse()
		if err != nil {
			return node{}, err
		}
		p.path = p.path[:len(p.path)-1]
		elems = append(elems, el)
	}
	if err := p.closeToken(); err != nil {
		return node{}, err
	}
	return node{op: opArray, args: elems}, nil
}

// operation reads an object whose '{' was consumed: one operator key and
// its arguments.
func (p *parser) operation() (node, error) {
	if err := p.open(); err != nil {
		return node{}, err
	}
	if !p.dec.More() {
		return node{}, p.errorf(ErrArgument, "an operation is an object with exactly one key, the operator; this object is empty")
	}
	tok, err := p.dec.Token()
	if err != nil {
		return node{}, p.syntaxError(err)
	}
	name, _ := tok.(string)
	op, ok := lookupOperator(name)
	if !ok {
		return node{}, p.errorf(ErrOperator, "unknown operator %s; the operators are %s", quote(name), operatorNames)
	}
	p.path = append(p.path, name)
	operand, err := p.parse()
	if err != nil {
		return node{}, err
	}
	args := []node{operand}
	if operand.op == opArray {
		args = operand.args
	}
	if len(args) < op.min || (op.max >= 0 && len(args) > op.max) {
		return node{}, p.errorf(ErrArity, "%s takes %s, got %d", quote(name), op.arityText(), len(args))
	}
	n, err := p.prepare(op.op, name, args)
	if err != nil {
		return node{}, err
	}
	p.path = p.path[:len(p.path)-1]
	if p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return node{}, p.syntaxError(err)
		}
		other, _ := tok.(string)
		return node{}, p.errorf(ErrArgument,
			"an operation is an object with exactly one key, the operator; this one also has %s", quote(other))
	}
	if err := p.closeToken(); err != nil {
		return node{}, err
	}
	return n, nil
}

// prepare checks the arguments that must be literals and builds the node.
func (p *parser) prepare(op opcode, name string, args []node) (node, error) {
	switch op {
	case opVar:
		if args[0].op != opLiteral || args[0].lit.kind != kindString {
			return node{}, p.errorf(ErrArgument, "var takes a fact name as a literal string")
		}
		id, key, err := p.resolveFact(args[0].lit.s)
		if err != nil {
			return node{}, err
		}
		return node{op: opVar, fact: id, key: key, args: args[1:]}, nil
	case opInList, opInCIDRList:
		list := args[1]
		if list.op != opLiteral || list.lit.kind != kindString || list.lit.s == "" {
			return node{}, p.errorf(ErrArgument, "%s takes a value list name as a literal, non-empty string second", quote(name))
		}
		if len(list.lit.s) > MaxListNameLength {
			return node{}, p.errorf(ErrLimit, "value list name is %d bytes, more than the limit of %d",
				len(list.lit.s), MaxListNameLength)
		}
		if !slices.Contains(p.lists, list.lit.s) {
			p.lists = append(p.lists, list.lit.s)
		}
		return node{op: op, key: list.lit.s, args: args[:1]}, nil
	}
	return node{op: op, args: args}, nil
}

// resolveFact checks a var's name and returns the fact and custom key.
func (p *parser) resolveFact(name string) (fact, string, error) {
	for _, c := range []struct {
		prefix string
		id     fact
	}{{userCustomPrefix, factUserCustom}, {actionCustomPrefix, factActionCustom}} {
		key, ok := strings.CutPrefix(name, c.prefix)
		if !ok {
			continue
		}
		switch {
		case key == "":
			return 0, "", p.errorf(ErrFact, "fact %s names no custom data key", quote(name))
		case len(key) > MaxCustomKeyLength:
			return 0, "", p.errorf(ErrFact, "custom data key in %s is %d bytes, more than the limit of %d",
				quote(name), len(key), MaxCustomKeyLength)
		case !utf8.ValidString(key) || strings.ContainsFunc(key, unicode.IsControl):
			return 0, "", p.errorf(ErrFact, "custom data key in %s holds invalid or control characters", quote(name))
		}
		return c.id, key, nil
	}
	if id := lookupFact(name); id != factNone {
		return id, "", nil
	}
	if s := suggestFact(name); s != "" {
		return 0, "", p.errorf(ErrFact, "unknown fact %s; did you mean %s?", quote(name), quote(s))
	}
	return 0, "", p.errorf(ErrFact, "unknown fact %s; the facts are %s", quote(name), strings.Join(FactNames(), ", "))
}
