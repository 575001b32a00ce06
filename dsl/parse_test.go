package dsl

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGrammarGolden(t *testing.T) {
	golden(t, "testdata/grammar.ebnf", []byte(Grammar()+"\n"))
}

// dump renders the AST with positions, one node per line.
func dump(f *File) string {
	var b strings.Builder
	var expr func(n Node, indent string)
	expr = func(n Node, indent string) {
		p := n.Position()
		at := fmt.Sprintf("@%d:%d", p.Line, p.Column)
		switch n := n.(type) {
		case *Number:
			fmt.Fprintf(&b, "%sNumber %s %s\n", indent, n.Text, at)
		case *Ident:
			fmt.Fprintf(&b, "%sIdent %s %s\n", indent, n.Name, at)
		case *Unary:
			fmt.Fprintf(&b, "%sUnary %s %s\n", indent, n.Op, at)
			expr(n.X, indent+"  ")
		case *Binary:
			fmt.Fprintf(&b, "%sBinary %s %s\n", indent, n.Op, at)
			expr(n.X, indent+"  ")
			expr(n.Y, indent+"  ")
		case *Call:
			fmt.Fprintf(&b, "%sCall %s %s\n", indent, n.Fun, at)
			for _, a := range n.Args {
				expr(a, indent+"  ")
			}
		case *Index:
			fmt.Fprintf(&b, "%sIndex %s\n", indent, at)
			expr(n.X, indent+"  ")
			expr(n.Index, indent+"  ")
		case *Vector:
			fmt.Fprintf(&b, "%sVector %s\n", indent, at)
			for _, a := range n.Elems {
				expr(a, indent+"  ")
			}
		}
	}
	for _, m := range f.Models {
		fmt.Fprintf(&b, "Model %s @%d:%d-%d:%d\n", m.Name, m.Pos.Line, m.Pos.Column, m.EndPos.Line, m.EndPos.Column)
		for _, it := range m.Items {
			p := it.Position()
			at := fmt.Sprintf("@%d:%d", p.Line, p.Column)
			switch it := it.(type) {
			case *DeclItem:
				fmt.Fprintf(&b, "  %s %s\n", it.Kind, at)
				for _, d := range it.Decls {
					fmt.Fprintf(&b, "    Decl %s size=%q @%d:%d\n", d.Name, d.Size, d.Pos.Line, d.Pos.Column)
					if d.Value != nil {
						expr(d.Value, "      ")
					}
				}
			case *NetItem:
				fmt.Fprintf(&b, "  net %s = %s %s\n", it.Name, it.Kind, at)
				for _, in := range it.Inputs {
					expr(in, "    ")
				}
				for _, o := range it.Options {
					fmt.Fprintf(&b, "    Option %s\n", o.Name)
					expr(o.Value, "      ")
				}
			case *HamiltonianItem:
				fmt.Fprintf(&b, "  hamiltonian %s\n", at)
				expr(it.Value, "    ")
			case *EquationItem:
				fmt.Fprintf(&b, "  equation %v order=%d group=%v %s\n", it.Names, it.Order, it.Group, at)
				expr(it.Value, "    ")
			}
		}
	}
	for _, c := range f.Comments {
		fmt.Fprintf(&b, "Comment %q @%d:%d\n", c.Text, c.Pos.Line, c.Pos.Column)
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	for _, name := range []string{"examples", "noise", "format/messy"} {
		src, err := os.ReadFile(filepath.Join("testdata", name+".node"))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(name+".node", src)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", name+".ast.golden"), []byte(dump(f)))
	}
}

func TestParsePrecedence(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"a + b*c", "(a + (b * c))"},
		{"a - b - c", "((a - b) - c)"},
		{"a/b/c", "((a / b) / c)"},
		{"a^b^c", "(a ^ (b ^ c))"},
		{"-a^2", "(-(a ^ 2))"},
		{"(-a)^2", "((-a) ^ 2)"},
		{"2^-a", "(2 ^ (-a))"},
		{"-a*b", "((-a) * b)"},
		{"a*-b", "(a * (-b))"},
		{"a < b + 1", "(a < (b + 1))"},
		{"f(a, b)[1]^2", "(f(a, b)[1] ^ 2)"},
		{"1.5e-3 + .5 + 2E+2", "((1.5e-3 + .5) + 2E+2)"},
		{"a +\n  b", "(a + b)"},
	} {
		n, err := ParseExpr(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := sexpr(n); got != c.want {
			t.Errorf("%q parsed as %s, want %s", c.src, got, c.want)
		}
	}
}

func sexpr(n Node) string {
	switch n := n.(type) {
	case *Number:
		return n.Text
	case *Ident:
		return n.Name
	case *Unary:
		return "(" + n.Op + sexpr(n.X) + ")"
	case *Binary:
		return "(" + sexpr(n.X) + " " + n.Op + " " + sexpr(n.Y) + ")"
	case *Call:
		s := make([]string, len(n.Args))
		for i, a := range n.Args {
			s[i] = sexpr(a)
		}
		return n.Fun + "(" + strings.Join(s, ", ") + ")"
	case *Index:
		return sexpr(n.X) + "[" + sexpr(n.Index) + "]"
	case *Vector:
		s := make([]string, len(n.Elems))
		for i, a := range n.Elems {
			s[i] = sexpr(a)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	return "?"
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, pos, msg string }{
		{"model A {\n  state x = 1\n  x' = (1 + \n}", "a.node:4:1", "unexpected"},
		{"model A {\n  state x = 1 2\n}", "a.node:2:15", "unexpected"},
		{"model {\n}", "a.node:1:7", "unexpected"},
		{"model A {\n  x' = 1e999\n}", "a.node:2:8", "out of range"},
		{"model A {\n  state x = $\n}", "a.node:2:13", "invalid character"},
	} {
		_, err := Parse("a.node", []byte(c.src))
		if err == nil {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.pos+": ") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %q, want position %s and %q", c.src, err, c.pos, c.msg)
		}
		if !strings.Contains(err.Error(), "^") {
			t.Errorf("%q: error has no caret excerpt: %q", c.src, err)
		}
	}
}
