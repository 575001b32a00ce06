package dsl

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Kinds of model errors; every *Error wraps one, so errors.Is works.
var (
	ErrSyntax    = errors.New("dsl: syntax error")
	ErrUndefined = errors.New("dsl: undefined name")
	ErrDuplicate = errors.New("dsl: duplicate declaration")
	ErrEquation  = errors.New("dsl: missing or extra equation")
	ErrDimension = errors.New("dsl: dimension mismatch")
	ErrArgCount  = errors.New("dsl: wrong number of arguments")
	ErrInvalid   = errors.New("dsl: invalid model")
)

// Error is a model error at a source position.
type Error struct {
	Pos  lexer.Position
	Msg  string
	Kind error  // one of the Err… sentinels
	Line string // the source line, for the excerpt; may be empty
}

// Error returns "file:line:col: message", followed by the source line and
// a caret under the column when the line is known.
func (e *Error) Error() string {
	var b strings.Builder
	name := e.Pos.Filename
	if name == "" {
		name = "<input>"
	}
	fmt.Fprintf(&b, "%s:%d:%d: %s", name, e.Pos.Line, e.Pos.Column, e.Msg)
	if e.Line != "" {
		b.WriteString("\n    ")
		b.WriteString(e.Line)
		b.WriteString("\n    ")
		col := 1
		for _, r := range e.Line {
			if col >= e.Pos.Column {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
			col += len(string(r))
		}
		b.WriteByte('^')
	}
	return b.String()
}

// Unwrap returns the error kind.
func (e *Error) Unwrap() error { return e.Kind }

// ErrorList is every error found in a file, in source order.
type ErrorList []*Error

// Error joins the errors, one per paragraph.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the errors, so errors.Is and errors.As see each.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// sourceLine returns line n (1-based) of lines, or "".
func sourceLine(lines []string, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[n-1], "\r")
}
