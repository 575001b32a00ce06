package dsl

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestNestingLimit: input nested deeper than MaxNesting is a syntax error
// at the token that goes too deep, not a stack overflow (100 000 open
// parentheses used to crash the process with "goroutine stack exceeds
// 1000000000-byte limit").
func TestNestingLimit(t *testing.T) {
	const deep = 100000
	for _, tc := range []struct {
		name, expr string
	}{
		{"parens", strings.Repeat("(", deep) + "x" + strings.Repeat(")", deep)},
		{"brackets", strings.Repeat("[", deep) + "x" + strings.Repeat("]", deep)},
		{"calls", strings.Repeat("sin(", deep) + "x" + strings.Repeat(")", deep)},
		{"unary minus", strings.Repeat("-", deep) + "x"},
		{"unary minus spaced", strings.Repeat("- ", deep) + "x"},
		{"powers", "x" + strings.Repeat("^x", deep)},
		{"powers over lines", "x" + strings.Repeat("^\nx", deep)},
		{"negated powers", "x" + strings.Repeat("^-x", deep)},
		{"mixed", strings.Repeat("-(x^", deep) + "x" + strings.Repeat(")", deep)},
	} {
		src := "model M {\n  state x = 1\n  x' = " + tc.expr + "\n}\n"
		_, err := Parse("deep.node", []byte(src))
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("%s: got %.200v, want a nesting error", tc.name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "deep.node:") {
			t.Errorf("%s: error without position: %.200v", tc.name, err)
		}
		if _, err := ParseExpr(tc.expr); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("ParseExpr %s: got %.200v, want a nesting error", tc.name, err)
		}
	}
	// The position is that of the first token past the limit.
	src := "model M {\n  state x = 1\n  x' = " + strings.Repeat("(", MaxNesting+5) + "x" + strings.Repeat(")", MaxNesting+5) + "\n}\n"
	_, err := Parse("deep.node", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "deep.node:3:"+strconv.Itoa(8+MaxNesting)+": ") {
		t.Errorf("got %.120v, want position 3:%d", err, 8+MaxNesting)
	}
}

// TestNestingWithinLimit: MaxNesting levels still parse and check, and
// long flat expressions (binary operators reset the count) are not
// mistaken for deep ones.
func TestNestingWithinLimit(t *testing.T) {
	n := MaxNesting - 1
	for _, expr := range []string{
		strings.Repeat("(", n) + "x" + strings.Repeat(")", n),
		strings.Repeat("-", n/2) + "x",
		strings.Repeat("x - ", 5000) + "x",
		strings.Repeat("-x*", 5000) + "x",
		strings.Repeat("x^-2 + ", 5000) + "x",
		strings.Repeat("(x - -x) + ", 3000) + "x",
	} {
		src := "model M {\n  state x = 1\n  x' = " + expr + "\n}\n"
		if _, err := Compile("ok.node", []byte(src)); err != nil {
			t.Errorf("%.40s…: %.200v", expr, err)
		}
	}
}
