package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var astOpts = cmp.Options{
	cmpopts.IgnoreTypes(lexer.Position{}),
	cmpopts.IgnoreFields(File{}, "Name", "Comments"),
	cmpopts.IgnoreUnexported(File{}),
}

func formatFile(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	f, err := Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return Format(f)
}

func TestFormatGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/format/*.node")
	if len(files) == 0 {
		t.Fatal("no format test files")
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := formatFile(t, path, src)
		golden(t, strings.TrimSuffix(path, ".node")+".golden", out)

		// Idempotent.
		again := formatFile(t, path, out)
		if diff := cmp.Diff(string(out), string(again)); diff != "" {
			t.Errorf("%s: fmt(fmt(x)) != fmt(x) (-once +twice):\n%s", path, diff)
		}
		// Same AST and the same comments.
		f1, _ := Parse(path, src)
		f2, _ := Parse(path, out)
		if diff := cmp.Diff(f1, f2, astOpts); diff != "" {
			t.Errorf("%s: AST changed by formatting (-before +after):\n%s", path, diff)
		}
		if len(f1.Comments) != len(f2.Comments) {
			t.Errorf("%s: %d comments before formatting, %d after", path, len(f1.Comments), len(f2.Comments))
		}
	}
}

func TestFormatExpr(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"a+b*c", "a + b*c"},
		{"(a+b)*c", "(a + b)*c"},
		{"a-(b-c)", "a - (b - c)"},
		{"(a-b)-c", "a - b - c"},
		{"a/(b*c)", "a/(b*c)"},
		{"(a^b)^c", "(a^b)^c"},
		{"a^(b^c)", "a^b^c"},
		{"-(a*b)", "-(a*b)"},
		{"(-a)*b", "-a*b"},
		{"-(a^2)", "-a^2"},
		{"(-a)^2", "(-a)^2"},
		{"- - a", "--a"},
		{"(a<b)<c", "(a < b) < c"},
		{"(a+b)[0]", "(a + b)[0]"},
		{"sin( x ,y )", "sin(x, y)"},
		{"[ 1,2 ]", "[1, 2]"},
		{"1.0e3", "1.0e3"},
	} {
		n, err := ParseExpr(c.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatExpr(n); got != c.want {
			t.Errorf("FormatExpr(%q) = %q, want %q", c.src, got, c.want)
		}
		back, err := ParseExpr(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(n, back, astOpts); diff != "" {
			t.Errorf("%q: reparsed AST differs:\n%s", c.src, diff)
		}
	}
}
