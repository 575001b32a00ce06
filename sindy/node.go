package sindy

import (
	"fmt"
	"strconv"
	"strings"
)

// Node returns the model as the text of a .node file declaring model name
// with one param per nonzero coefficient (c0, c1, …, written with full
// precision so the file reproduces the model exactly), the states with the
// initial values x0, and one equation per state:
//
//	model Found {
//	    param c0 = -9.99..., c1 = 9.99...   // x'
//	    state x = -8, y = 8, z = 27
//	    x' = c0*x + c1*y
//	    ...
//	}
//
// `nodekit check` accepts the result and `nodekit sim` runs it.
func (m *Model) Node(name string, x0 []float64) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("%w: model name %q", ErrName, name)
	}
	if len(x0) != len(m.Names) {
		return "", fmt.Errorf("%w: %d initial values for %d states", ErrShape, len(x0), len(m.Names))
	}
	if !allFinite(x0) {
		return "", fmt.Errorf("%w: initial state %v", ErrNonFinite, x0)
	}
	taken := map[string]bool{name: true}
	for _, v := range m.Names {
		taken[v] = true
	}
	next := 0
	param := func() string {
		for {
			p := "c" + strconv.Itoa(next)
			next++
			if !taken[p] {
				return p
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Discovered by nodekit sindy: %d terms.\n", m.NumTerms())
	for _, eq := range m.Equations(4) {
		fmt.Fprintf(&b, "//   %s\n", eq)
	}
	fmt.Fprintf(&b, "model %s {\n", name)
	eqs := make([]string, len(m.Names))
	for i, v := range m.Names {
		var decl, rhs []string
		for j, f := range m.Features {
			c := m.Coef.At(i, j)
			if c == 0 {
				continue
			}
			p := param()
			decl = append(decl, p+" = "+strconv.FormatFloat(c, 'g', -1, 64))
			term := p
			if !f.isConst() {
				term += "*" + factorExpr(f.Expr)
			}
			rhs = append(rhs, term)
		}
		if len(decl) > 0 {
			fmt.Fprintf(&b, "    param %s   // %s'\n", strings.Join(decl, ", "), v)
		}
		if len(rhs) == 0 {
			rhs = []string{"0"}
		}
		eqs[i] = fmt.Sprintf("    %s' = %s\n", v, strings.Join(rhs, " + "))
	}
	st := make([]string, len(m.Names))
	for i, v := range m.Names {
		st[i] = v + " = " + strconv.FormatFloat(x0[i], 'g', -1, 64)
	}
	fmt.Fprintf(&b, "    state %s\n", strings.Join(st, ", "))
	for _, e := range eqs {
		b.WriteString(e)
	}
	b.WriteString("}\n")
	return b.String(), nil
}
