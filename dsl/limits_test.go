package dsl

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
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

// TestSizeBudgets: a file cannot make the checker allocate without bound,
// whether through many large declarations, elementwise operations on a
// large vector or many large nets; each excess is an error with a
// position. (Before the budgets, 160 states of 65536 components — a state
// vector of 10⁷ — took minutes and gigabytes, and h*h*…*h on h[65536]
// built a node per factor and component.) The budgets are lowered 64×
// to keep the test fast; the parameter cases run at full size.
func TestSizeBudgets(t *testing.T) {
	defer func(c, n int) { maxComponents, maxNodes = c, n }(maxComponents, maxNodes)
	fullComponents, fullNodes := maxComponents, maxNodes

	var b strings.Builder
	b.WriteString("model Big {\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  state h%d[1024] = 0\n  h%d' = -h%d\n", i, i, i)
	}
	b.WriteString("}\n")
	many := b.String()

	b.Reset()
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "model M%d {\n  state h[1000] = 0\n  h' = h\n}\n", i)
	}
	models := b.String()

	b.Reset()
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  param w%d[65536] = 1\n", i)
	}
	params := b.String()

	b.Reset()
	b.WriteString("model Nets {\n  state x = 1\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "  net U%d = mlp(x; hidden = [4096, 4096], out = 1)\n", i)
	}
	b.WriteString("  x' = U0[0]\n}\n")
	nets := b.String()

	for _, tc := range []struct {
		name, src, want string
		full            bool // at the real budgets
	}{
		// The 17th state of 1024 components passes 16384.
		{"states", many, "big.node:34:9: the file declares too many components", false},
		// The budget is per file: the 17th model's state passes it.
		{"models", models, "big.node:66:9: the file declares too many components", false},
		{"nodes", "model N {\n  state h[1024] = 1\n  h' = h" + strings.Repeat("*(h+1)", 40) + "\n}\n",
			"big.node:3:183: the model is too large: more than 32768 expression nodes", false},
		// The 17th parameter vector of 65536 passes 2^20 components.
		{"params", "model P {\n  state x = 1\n" + params + "  x' = -x\n}\n",
			"big.node:19:9: the file declares too many components (more than 1048576 in all)", true},
		{"nets", nets, "big.node:1:1: model Nets has too many parameters (83968005 > 67108864 in all)", true},
	} {
		if tc.full {
			maxComponents, maxNodes = fullComponents, fullNodes
		} else {
			maxComponents, maxNodes = fullComponents/64, fullNodes/64 // 16384, 32768
		}
		_, err := Compile("big.node", []byte(tc.src))
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %.300v, want %q", tc.name, err, tc.want)
		}
		if n := len(err.(ErrorList)); n != 1 {
			t.Errorf("%s: %d errors, want the size error alone:\n%v", tc.name, n, err)
		}
	}
	// Within the budgets.
	maxComponents, maxNodes = fullComponents, fullNodes
	ok := "model OK {\n  state h[8192] = 1\n  param w[8192] = 0.5\n  h' = -w*h*(h+1)\n}\n"
	prog, err := Compile("ok.node", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if m := prog.Models[0]; m.Dim != 8192 || m.NumParams != 8192 {
		t.Errorf("dim %d, params %d", m.Dim, m.NumParams)
	}
}

// TestErrorExcerpt: the caret counts characters as positions do (it used
// to count bytes, so it drifted right after a non-ASCII character); a
// line from a binary file or with terminal escapes is printed with '?'
// for each control character or invalid byte; a long line is cut to a
// window around the column.
func TestErrorExcerpt(t *testing.T) {
	for _, tc := range []struct {
		line string
		col  int
		want string
	}{
		{"αβγ x", 5, "αβγ x\n        ^"},
		{"\tx = 1", 2, "\tx = 1\n    \t^"},
		{"x = \x1b[31m\x00\xff\u202ey", 11, "x = ?[31m???y\n              ^"},
		{strings.Repeat("a", 200) + "X" + strings.Repeat("b", 200), 201,
			"…" + strings.Repeat("a", 60) + "X" + strings.Repeat("b", 59) + "…\n    " + strings.Repeat(" ", 61) + "^"},
		{"X" + strings.Repeat("b", 300), 1, "X" + strings.Repeat("b", 59) + "…\n    ^"},
	} {
		e := &Error{Pos: lexerPos(1, tc.col), Msg: "m", Kind: ErrSyntax, Line: tc.line}
		want := "f.node:1:" + strconv.Itoa(tc.col) + ": m\n    " + tc.want
		if got := e.Error(); got != want {
			t.Errorf("line %.30q col %d:\ngot  %q\nwant %q", tc.line, tc.col, got, want)
		}
	}
	// End to end: a binary file's error names a position and prints no
	// control character.
	src := []byte("model M {\n  state x = 1\n  x' = \x1b]0;pwned\x07\n}\n")
	_, err := Parse("bin.node", src)
	if err == nil || !strings.HasPrefix(err.Error(), "bin.node:3:") {
		t.Fatalf("got %v", err)
	}
	for _, r := range err.Error() {
		if r < 0x20 && r != '\n' && r != '\t' {
			t.Fatalf("control character %q in %q", r, err.Error())
		}
	}
}

func lexerPos(line, col int) lexer.Position {
	return lexer.Position{Filename: "f.node", Line: line, Column: col}
}

// TestNonFiniteAndHugeValues: declarations whose constant value folds to
// NaN or ±Inf are errors at the value (a state x = 0/0 used to reach the
// solver, which rejected y0 without a position; a param a = 1/0 ran
// silently), and a size that overflows int is "too large", not "not a
// positive integer".
func TestNonFiniteAndHugeValues(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"model M {\n  state x = 0/0\n  x' = -x\n}", "v.node:2:14: the value of state x is NaN, not a finite number"},
		{"model M {\n  state x = 1\n  param a = 1/0\n  x' = -a*x\n}", "v.node:3:14: the value of param a is +Inf, not a finite number"},
		{"model M {\n  state x = 1\n  const c[2] = [1, -1e308*10]\n  x' = -c[0]*x\n}", "v.node:3:16: the value of const c is -Inf, not a finite number"},
		{"model M {\n  coord q = 1\n  momentum p = exp(1000)\n  hamiltonian = p^2/2 + q^2/2\n}", "v.node:3:16: the value of momentum p is +Inf"},
		{"model M {\n  state h[99999999999999999999] = 1\n  h' = -h\n}", "v.node:2:9: size of h is too large (99999999999999999999 > 65536)"},
		{"model M {\n  state h[65537] = 1\n  h' = -h\n}", "v.node:2:9: size of h is too large (65537 > 65536)"},
		{"model M {\n  state x = 1\n  net U = mlp(x; hidden = [100000], out = 1)\n  x' = U[0]\n}", "v.node:3:27: want positive integers (at most 16384)"},
		{"model M {\n  state x = 1\n  net U = mlp(x; hidden = [16384, 16384], out = 1)\n  x' = U[0]\n}", "v.node:3:3: net U is too large (268500993 parameters, at most 67108864)"},
	} {
		_, err := Compile("v.node", []byte(tc.src))
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\ngot  %.200v\nwant %s", tc.src, err, tc.want)
		}
	}
}

// TestParseErrorCount: like Check, Parse reports at most maxErrors errors
// (a file of 10⁴ out-of-range numbers printed 10⁴ errors).
func TestParseErrorCount(t *testing.T) {
	src := "model M {\n  state x = 1\n  x' = " + strings.Repeat("1e999 + ", 10000) + "x\n}\n"
	_, err := Parse("n.node", []byte(src))
	list, ok := err.(ErrorList)
	if !ok || len(list) != maxErrors || !strings.HasPrefix(err.Error(), "n.node:3:8: number 1e999 is out of range") {
		t.Fatalf("%d errors: %.200v", len(list), err)
	}
}

// TestByteOrderMark: a file that starts with a UTF-8 byte order mark
// parses (it was "invalid input text"), with columns as an editor shows
// them.
func TestByteOrderMark(t *testing.T) {
	if _, err := Compile("bom.node", []byte("\ufeffmodel M {\n  state x = 1\n  x' = -x\n}\n")); err != nil {
		t.Fatal(err)
	}
	_, err := Compile("bom.node", []byte("\ufeffmodel 1 {}\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "bom.node:1:7: ") {
		t.Errorf("got %v, want an error at 1:7", err)
	}
}

// TestDepthLimit: chains of lets build IR deeper than any source nesting;
// beyond maxDepth they are an error with a position, since everything
// that walks the IR recurses that deep (a chain of 10⁶ sin nodes
// overflowed the stack in NewMachine). Lets used before their
// declaration resolve recursively, so their nesting is bounded too.
// maxDepth is lowered to keep the test fast.
func TestDepthLimit(t *testing.T) {
	defer func(d int) { maxDepth = d }(maxDepth)
	maxDepth = 1000
	var fwd, rev strings.Builder
	fwd.WriteString("model F {\n  state x = 1\n  let a0 = x\n")
	rev.WriteString("model R {\n  state x = 1\n  x' = a1200\n")
	for i := 1; i <= 1200; i++ {
		fmt.Fprintf(&fwd, "  let a%d = sin(a%d)\n", i, i-1)
		fmt.Fprintf(&rev, "  let a%d = a%d + 1\n", 1201-i, 1200-i)
	}
	fwd.WriteString("  x' = a1200\n}\n")
	rev.WriteString("  let a0 = x\n}\n")
	for _, tc := range []struct{ src, want string }{
		// a999 = sin(…sin(x)) is 1000 deep; a1000 is one more.
		{fwd.String(), "d.node:1003:15: expressions nested too deeply: more than 1000 levels through lets"},
		// x' = a1200 starts the chain; the 1001st resolution (a200, used
		// by a201) fails.
		{rev.String(), "d.node:1003:14: let a200: definitions nested too deeply (more than 1000 levels)"},
	} {
		_, err := Compile("d.node", []byte(tc.src))
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("got %.300v\nwant %s", err, tc.want)
		}
	}
	maxDepth = 1300
	for _, src := range []string{fwd.String(), rev.String()} {
		if _, err := Compile("d.node", []byte(src)); err != nil {
			t.Errorf("within the limit: %.200v", err)
		}
	}
}

// TestSyntaxMessages: syntax errors speak of expressions, names and the
// end of the file, not of the grammar's Go types (GMul, GExpr) or of
// grammar fragments.
func TestSyntaxMessages(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"model M {\n  state x = 1\n  x' = (1 +\n}\n", `m.node:4:1: unexpected token "}" (expected an expression)`},
		{"model M {\n  state x = \n}\n", `m.node:3:1: unexpected token "}" (expected an expression)`},
		{"model M {\n  state x = 1\n  x' = (x,\n}\n", `m.node:3:10: unexpected token ","` + "\n"},
		{"model M {\n  state x = 1\n", "m.node:3:1: unexpected end of file (expected \"}\")"},
		{"model M {\n  state x = 1\n  x' = σ\n}\n", `m.node:3:8: invalid character at "σ\n}\n"`},
	} {
		_, err := Parse("m.node", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("got %q\nwant prefix %q", err, tc.want)
		}
		if err != nil && regexp.MustCompile(`\bG[A-Z]|<eol>|<EOF>`).MatchString(err.Error()) {
			t.Errorf("grammar internals in %q", err)
		}
	}
}
