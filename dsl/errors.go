package dsl

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

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
		line, col := excerpt(e.Line, e.Pos.Column)
		b.WriteString("\n    ")
		b.WriteString(line)
		b.WriteString("\n    ")
		for i, r := range []rune(line) {
			if i+1 >= col {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('^')
	}
	return b.String()
}

// excerptWidth is the number of characters of a long source line shown
// on either side of the error's column.
const excerptWidth = 60

// excerpt returns the source line to print under an error and the
// column of the caret in it. Positions count characters (runes), so the
// line is handled as runes; control characters, bidirectional-text
// controls and invalid UTF-8 (from a binary file, say) become '?', one for one, so that nothing reaches the
// terminal but printable text; a line longer than 2·excerptWidth is cut
// to a window around the column, marked by "…" at each cut.
func excerpt(line string, col int) (string, int) {
	rs := []rune(line)
	for i, r := range rs {
		if r == utf8.RuneError || (r < 0x20 && r != '\t') || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			rs[i] = '?'
		}
	}
	if len(rs) <= 2*excerptWidth {
		return string(rs), col
	}
	lo := max(0, col-1-excerptWidth)
	hi := min(len(rs), col-1+excerptWidth)
	out := string(rs[lo:hi])
	if lo > 0 {
		out = "…" + out
		col = col - lo + 1
	}
	if hi < len(rs) {
		out += "…"
	}
	return out, col
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
