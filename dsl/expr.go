package dsl

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Evaluator is a compiled standalone expression over named variables, as
// made by CompileExpr. Eval and Grad allocate nothing. An Evaluator is not
// safe for concurrent use; Clone gives each goroutine its own.
type Evaluator struct {
	Vars []string
	Expr *Expr // the IR: variable i is the OpState leaf with Index i
	m    *Machine
	one  [1]float64
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CompileExpr parses, checks and compiles a scalar expression such as
// "x*exp(-y)" over the variables vars (variable i is vals[i] in Eval).
// Every function of the .node language is available; t is an ordinary
// name here and must be listed in vars to be used.
func CompileExpr(src string, vars []string) (*Evaluator, error) {
	n, err := ParseExpr(src)
	if err != nil {
		return nil, err
	}
	f := &File{lines: splitLines(src)}
	c := &checker{f: f}
	mc := &modelChecker{c: c, b: NewBuilder(), syms: map[string]*symbol{}, m: &Model{}}
	for i, v := range vars {
		if !identRE.MatchString(v) {
			return nil, fmt.Errorf("dsl: variable %q is not a valid name", v)
		}
		if _, isFn := functions[v]; isFn {
			return nil, fmt.Errorf("dsl: variable %q is the name of a built-in function", v)
		}
		if _, dup := mc.syms[v]; dup {
			return nil, fmt.Errorf("dsl: variable %q listed twice", v)
		}
		mc.syms[v] = &symbol{kind: symState, name: v, val: scalar(mc.b.State(i)), resolved: true}
	}
	val := mc.eval(n)
	if len(c.errs) == 0 && !val.bad() {
		if val.vec || len(val.e) != 1 {
			c.errorf(ErrDimension, n.Position(), "expression has %d components, want a scalar", len(val.e))
		} else if DependsOn(val.e[0], func(l *Expr) bool { return l.Op == OpTime }) {
			c.errorf(ErrUndefined, findIdent(n, "t"), "undefined name t (list it among the variables)")
		}
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	e := val.e[0]
	return &Evaluator{Vars: append([]string(nil), vars...), Expr: e, m: NewMachine(len(vars), 0, nil, []*Expr{e})}, nil
}

// MustCompileExpr is CompileExpr that panics on error, for expressions
// fixed in source code.
func MustCompileExpr(src string, vars []string) *Evaluator {
	e, err := CompileExpr(src, vars)
	if err != nil {
		panic(err)
	}
	return e
}

// Eval returns the expression's value at vals (len(vals) == len(Vars)).
func (ev *Evaluator) Eval(vals []float64) float64 {
	if len(vals) != len(ev.Vars) {
		panic(fmt.Sprintf("dsl: Evaluator.Eval with %d values for %d variables", len(vals), len(ev.Vars)))
	}
	ev.m.Load(0, vals, nil)
	ev.m.Run(0)
	return ev.m.Root(0, 0)
}

// Grad returns the value at vals and writes its gradient with respect to
// each variable into grad.
func (ev *Evaluator) Grad(vals, grad []float64) float64 {
	v := ev.Eval(vals)
	if len(grad) != len(ev.Vars) {
		panic(fmt.Sprintf("dsl: Evaluator.Grad with %d gradient slots for %d variables", len(grad), len(ev.Vars)))
	}
	ev.one[0] = 1
	ev.m.Reverse(0, ev.one[:], grad, nil)
	return v
}

// Clone returns an independent copy for use in another goroutine.
func (ev *Evaluator) Clone() *Evaluator {
	return &Evaluator{Vars: ev.Vars, Expr: ev.Expr, m: ev.m.Clone()}
}

func findIdent(n Node, name string) lexer.Position {
	var pos lexer.Position
	found := false
	var walk func(n Node)
	walk = func(n Node) {
		if found || n == nil {
			return
		}
		switch n := n.(type) {
		case *Ident:
			if n.Name == name {
				pos, found = n.Pos, true
			}
		case *Unary:
			walk(n.X)
		case *Binary:
			walk(n.X)
			walk(n.Y)
		case *Call:
			for _, a := range n.Args {
				walk(a)
			}
		case *Index:
			walk(n.X)
			walk(n.Index)
		case *Vector:
			for _, a := range n.Elems {
				walk(a)
			}
		}
	}
	walk(n)
	if !found {
		return n.Position()
	}
	return pos
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
