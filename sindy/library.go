package sindy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/nodekit/nodekit/dsl"
)

// Feature is one candidate term θ(t, x) of a library.
type Feature struct {
	// Name is the readable form, as pysindy prints it: "1", "x", "x y",
	// "x^2", "sin(1 x)".
	Name string
	// Expr is the same term in .node expression syntax: "1", "x", "x*y",
	// "x^2", "sin(x)". It is what the exported model contains.
	Expr string
	// Eval computes the term at time t and state x (ordered as the
	// variables the library was bound to). It must not allocate.
	Eval func(t float64, x []float64) float64
}

// isConst reports whether f is the constant feature 1.
func (f *Feature) isConst() bool { return f.Expr == "1" }

// Library builds candidate features for a list of state variables.
type Library interface {
	Features(vars []string) ([]Feature, error)
}

// Polynomial is the library of monomials of the variables up to Degree,
// ordered as pysindy (and scikit-learn) order them: by degree, then
// lexicographically. The zero value of the switches gives pysindy's
// defaults (bias and interaction terms included).
type Polynomial struct {
	Degree int
	// NoBias omits the constant term 1.
	NoBias bool
	// NoInteraction keeps only pure powers x^k (pysindy's
	// include_interaction=False).
	NoInteraction bool
	// InteractionOnly keeps only products of distinct variables, each to
	// the first power (scikit-learn's interaction_only).
	InteractionOnly bool
}

// Features implements Library.
func (p Polynomial) Features(vars []string) ([]Feature, error) {
	if p.Degree < 0 || p.Degree > 20 {
		return nil, fmt.Errorf("%w: polynomial degree %d", ErrSettings, p.Degree)
	}
	if err := checkVars(vars); err != nil {
		return nil, err
	}
	var out []Feature
	if !p.NoBias {
		out = append(out, constFeature())
	}
	idx := make([]int, 0, p.Degree)
	var rec func(start, left int)
	for deg := 1; deg <= p.Degree; deg++ {
		rec = func(start, left int) {
			if left == 0 {
				if f, ok := p.monomial(vars, idx); ok {
					out = append(out, f)
				}
				return
			}
			for v := start; v < len(vars); v++ {
				idx = append(idx, v)
				rec(v, left-1)
				idx = idx[:len(idx)-1]
			}
		}
		rec(0, deg)
	}
	return out, nil
}

// monomial builds the product of vars[idx[k]] (idx non-decreasing).
func (p Polynomial) monomial(vars []string, idx []int) (Feature, bool) {
	type factor struct{ v, pow int }
	var fs []factor
	for _, v := range idx {
		if n := len(fs); n > 0 && fs[n-1].v == v {
			fs[n-1].pow++
		} else {
			fs = append(fs, factor{v, 1})
		}
	}
	if p.NoInteraction && len(fs) > 1 {
		return Feature{}, false
	}
	if p.InteractionOnly && len(fs) != len(idx) {
		return Feature{}, false
	}
	names := make([]string, len(fs))
	exprs := make([]string, len(fs))
	for k, f := range fs {
		names[k] = vars[f.v]
		if f.pow > 1 {
			names[k] += "^" + strconv.Itoa(f.pow)
		}
	}
	copy(exprs, names)
	ix := append([]int(nil), idx...)
	var eval func(t float64, x []float64) float64
	switch len(ix) {
	case 1:
		a := ix[0]
		eval = func(_ float64, x []float64) float64 { return x[a] }
	case 2:
		a, b := ix[0], ix[1]
		eval = func(_ float64, x []float64) float64 { return x[a] * x[b] }
	case 3:
		a, b, c := ix[0], ix[1], ix[2]
		eval = func(_ float64, x []float64) float64 { return x[a] * x[b] * x[c] }
	default:
		eval = func(_ float64, x []float64) float64 {
			r := 1.0
			for _, k := range ix {
				r *= x[k]
			}
			return r
		}
	}
	return Feature{Name: strings.Join(names, " "), Expr: strings.Join(exprs, "*"), Eval: eval}, true
}

func constFeature() Feature {
	return Feature{Name: "1", Expr: "1", Eval: func(float64, []float64) float64 { return 1 }}
}

// Fourier is the library sin(k·x), cos(k·x) for k = 1..Frequencies and
// every variable x, in pysindy's order (frequency, then variable, sin
// before cos).
type Fourier struct {
	Frequencies  int
	NoSin, NoCos bool
}

// Features implements Library.
func (f Fourier) Features(vars []string) ([]Feature, error) {
	if f.Frequencies < 1 || (f.NoSin && f.NoCos) {
		return nil, fmt.Errorf("%w: Fourier library with %d frequencies, sin %v, cos %v", ErrSettings, f.Frequencies, !f.NoSin, !f.NoCos)
	}
	if err := checkVars(vars); err != nil {
		return nil, err
	}
	var out []Feature
	for k := 1; k <= f.Frequencies; k++ {
		w := float64(k)
		for j, v := range vars {
			arg := v
			if k > 1 {
				arg = strconv.Itoa(k) + "*" + v
			}
			j, name := j, strconv.Itoa(k)+" "+v
			if !f.NoSin {
				out = append(out, Feature{Name: "sin(" + name + ")", Expr: "sin(" + arg + ")",
					Eval: func(_ float64, x []float64) float64 { return math.Sin(w * x[j]) }})
			}
			if !f.NoCos {
				out = append(out, Feature{Name: "cos(" + name + ")", Expr: "cos(" + arg + ")",
					Eval: func(_ float64, x []float64) float64 { return math.Cos(w * x[j]) }})
			}
		}
	}
	return out, nil
}

// Custom is a library of user-written terms.
type Custom []CustomTerm

// CustomTerm is one user-written term. Expr is its .node expression (used
// in the exported model and, when Name is empty, as its name); Func
// evaluates it given the time and the state values in the order of the
// bound variables.
type CustomTerm struct {
	Name string
	Expr string
	Func func(t float64, x []float64) float64
}

// Features implements Library.
func (c Custom) Features(vars []string) ([]Feature, error) {
	if err := checkVars(vars); err != nil {
		return nil, err
	}
	out := make([]Feature, len(c))
	for i, term := range c {
		if term.Expr == "" || term.Func == nil {
			return nil, fmt.Errorf("%w: custom term %d needs an expression and a function", ErrSettings, i)
		}
		name := term.Name
		if name == "" {
			name = term.Expr
		}
		out[i] = Feature{Name: name, Expr: term.Expr, Eval: term.Func}
	}
	return out, nil
}

// Concat is the sum of libraries: their features one after another.
// Features whose expression repeats an earlier one are dropped (they would
// make the regression singular).
func Concat(libs ...Library) Library { return concat(libs) }

type concat []Library

func (c concat) Features(vars []string) ([]Feature, error) {
	var out []Feature
	seen := map[string]bool{}
	for _, l := range c {
		fs, err := l.Features(vars)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if !seen[f.Expr] {
				seen[f.Expr] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// Tensor is the tensor product of two libraries: every product of a
// feature of a with a feature of b. A constant factor is left out of the
// product (1·θ = θ) and repeated expressions are dropped.
func Tensor(a, b Library) Library { return tensor{a, b} }

type tensor struct{ a, b Library }

func (tp tensor) Features(vars []string) ([]Feature, error) {
	fa, err := tp.a.Features(vars)
	if err != nil {
		return nil, err
	}
	fb, err := tp.b.Features(vars)
	if err != nil {
		return nil, err
	}
	var out []Feature
	seen := map[string]bool{}
	for _, f := range fa {
		for _, g := range fb {
			var p Feature
			switch {
			case f.isConst():
				p = g
			case g.isConst():
				p = f
			default:
				fe, ge := f.Eval, g.Eval
				p = Feature{
					Name: f.Name + " " + g.Name,
					Expr: factorExpr(f.Expr) + "*" + factorExpr(g.Expr),
					Eval: func(t float64, x []float64) float64 { return fe(t, x) * ge(t, x) },
				}
			}
			if !seen[p.Expr] {
				seen[p.Expr] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// factorExpr parenthesises e unless it is safe as an operand of '*': a
// product of atoms, powers and calls with no top-level '+', '-' or '/'.
func factorExpr(e string) string {
	depth := 0
	for i, r := range e {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case '+', '/':
			if depth == 0 {
				return "(" + e + ")"
			}
		case '-':
			if depth == 0 && !(i > 0 && e[i-1] == '^') && !exponentSign(e, i) {
				return "(" + e + ")"
			}
		}
	}
	return e
}

// exponentSign reports whether the '-' at e[i] is the sign of a number's
// exponent, as in 1e-5.
func exponentSign(e string, i int) bool {
	if i < 2 || (e[i-1] != 'e' && e[i-1] != 'E') {
		return false
	}
	j := i - 1
	for j > 0 && (isAlnum(e[j-1]) || e[j-1] == '.') {
		j--
	}
	return '0' <= e[j] && e[j] <= '9' || e[j] == '.'
}

func isAlnum(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// keywords of the .node language that cannot name a variable.
var keywords = map[string]bool{
	"model": true, "param": true, "const": true, "state": true, "let": true, "output": true,
	"noise": true, "coord": true, "momentum": true, "hamiltonian": true, "net": true, "augment": true,
	"t": true, "sin": true, "cos": true, "tan": true, "exp": true, "log": true, "sqrt": true, "abs": true,
	"tanh": true, "sigmoid": true, "softplus": true, "relu": true, "min": true, "max": true, "pow": true,
	"ifelse": true, "mlp": true, "wiener": true, "sign": true,
}

// ValidName reports whether s can name a state in a .node file: an
// identifier (letter or '_' then letters, digits, '_') that is not a
// keyword or built-in function. The answer is the .node compiler's own:
// a name that passes the quick checks is declared in a one-line model and
// compiled (once per name), so the two cannot drift apart.
func ValidName(s string) bool {
	if s == "" || keywords[s] {
		return false
	}
	for i, r := range s {
		ok := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9')
		if !ok {
			return false
		}
	}
	if v, ok := validNames.Load(s); ok {
		return v.(bool)
	}
	src := "model M {\n    state " + s + " = 0\n    " + s + "' = 0\n}\n"
	_, err := dsl.Compile("name.node", []byte(src))
	validNames.Store(s, err == nil)
	return err == nil
}

// validNames caches ValidName's compilations.
var validNames sync.Map

func checkVars(vars []string) error {
	if len(vars) == 0 {
		return fmt.Errorf("%w: no variables", ErrName)
	}
	seen := map[string]bool{}
	for _, v := range vars {
		if !ValidName(v) {
			return fmt.Errorf("%w: %q (want an identifier that is not a .node keyword)", ErrName, v)
		}
		if seen[v] {
			return fmt.Errorf("%w: %q repeated", ErrName, v)
		}
		seen[v] = true
	}
	return nil
}
