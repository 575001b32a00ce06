package sindy

import (
	"fmt"

	"github.com/nodekit/nodekit/dsl"
)

// Expressions is a library of terms written in the .node expression
// syntax, such as "sin(x)" or "x*exp(-y)". They may use the state
// variables, t, and every function of the language. The features it
// returns share one compiled evaluator each, so they must not be evaluated
// concurrently.
type Expressions []string

// Features implements Library.
func (e Expressions) Features(vars []string) ([]Feature, error) {
	if err := checkVars(vars); err != nil {
		return nil, err
	}
	names := append(append([]string(nil), vars...), "t")
	out := make([]Feature, len(e))
	for i, src := range e {
		ev, err := dsl.CompileExpr(src, names)
		if err != nil {
			return nil, fmt.Errorf("%w: term %q: %v", ErrSettings, src, err)
		}
		buf := make([]float64, len(names))
		d := len(vars)
		out[i] = Feature{Name: src, Expr: src, Eval: func(t float64, x []float64) float64 {
			copy(buf, x[:d])
			buf[d] = t
			return ev.Eval(buf)
		}}
	}
	return out, nil
}
