// Package rules compiles and evaluates the conditions of action rules and
// picks the rule that decides a tracked action's outcome. It is pure: the
// caller assembles the facts and value lists and passes them in.
//
// Conditions are JSONLogic, the format of Authsignal's Management API, for
// example {"and":[{"==":[{"var":"device.isNew"},true]}]}. Compile validates a
// condition once, when a rule is saved, and turns it into a tree of typed
// nodes; Eval walks that tree against a [Facts] without allocating.
// The package has its own evaluator instead of using
// github.com/diegoholiveira/jsonlogic: that library re-parses generic
// map[string]any trees on every call, reads facts from JSON-shaped data,
// keeps custom operators in unsynchronised package state and can only say
// whether a rule is valid, not which fact or operator is wrong, so it can
// neither reject unknown facts at save time nor evaluate fifty rules per
// track without allocating.
//
// # Facts
//
// A var names one of these facts (see [FactNames]):
//
//	user.userId user.email user.emailDomain user.username user.isEnrolled
//	user.enrolledMethods user.hasPasskey user.passkeyCount user.custom.<key>
//	device.id device.isNew device.userDeviceCount device.platform
//	device.browser device.isBot
//	ip.address
//	action.code action.custom.<key>
//
// Any other name fails to compile. A custom key is everything after
// "custom.", looked up as one exact key of the custom data (dots included);
// it must be 1 to [MaxCustomKeyLength] bytes of UTF-8 without control
// characters. A string fact that is empty and a custom key that is absent or
// holds JSON null evaluate to null; booleans and counts are always present
// (false, 0); user.enrolledMethods is always an array. A nil *Facts is the
// same as empty facts.
//
// # Operators
//
//   - {"var":"name"} or {"var":["name", default]}: the fact's value; the
//     default (any expression) replaces null. The name must be a literal.
//   - and, or (one or more arguments): JSONLogic short-circuit; "and" returns
//     the first falsy argument or the last, "or" the first truthy or the last.
//   - ! and !! (one argument): the negated truthiness, the truthiness.
//   - == and === (two arguments) are the same strict equality; != and !==
//     are its negation. Values of different types are never equal (no
//     coercion: "1" == 1 is false), null == null is true, and arrays and
//     objects equal nothing.
//   - <, <=, >, >= (two arguments; < and <= also take three, the
//     "between" form a < b < c): numbers compare numerically, strings
//     byte-wise; any other pair, including a string and a number or a null,
//     is false.
//   - in (two arguments): substring test when the second argument is a
//     string (the first must be a string too), membership under strict
//     equality when it is an array; false otherwise.
//   - if (two or more arguments: condition, result, ..., [else]) and ?:
//     (exactly three): the result of the first truthy condition, else the
//     else argument or null.
//   - {"in_list":[value, "list-name"]}: whether value is an item of the
//     named string or number value list; a string matches only string items,
//     a number only number items, anything else is false.
//   - {"in_cidr_list":[value, "list-name"]}: whether value is an IP address
//     (IPv4 or IPv6; an IPv4-mapped IPv6 address counts as IPv4, a zone is
//     ignored) inside one of the ranges of the named CIDR value list. This is
//     the ip "inRange" lookup of the specification.
//
// A list name must be a literal string; a list absent from [Facts.Lists]
// matches nothing. [Condition.Lists] reports the names a condition uses.
//
// Truthiness follows JSONLogic: null, false, 0, NaN, "" and [] are falsy,
// everything else is truthy. A condition matches when its value is truthy.
//
// # Limits
//
// A condition is at most [MaxConditionSize] bytes, [MaxNodes] JSON values,
// [MaxDepth] levels of nested arrays and objects, and its strings at most
// [MaxStringLength] bytes. There are no loops, so evaluation visits each
// node at most once and its work is bounded by the condition's size, the
// lengths of the facts and the sizes of the value lists.
//
// # Selection
//
// [Select] evaluates every active rule. Among those that match, the lowest
// priority number wins; between equal priorities the rule that comes first
// in the slice wins, and callers pass rules in creation order (oldest
// first), so the older rule wins a tie.
package rules
