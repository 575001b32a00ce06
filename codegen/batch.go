package codegen

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"

	"github.com/nodekit/nodekit/dsl"
)

// batched writes the forms that evaluate many states per call:
// FuncBatch (rows, ode.BatchSystem's layout), FuncSoA (structure of
// arrays: component i of state r at Y[i*batch+r]) and, for SDEs,
// DriftBatch and DiffusionBatch (sde.BatchSystem, structure of arrays).
//
// Each is one loop over the states with the straight-line body of the
// scalar form; nodes that do not depend on the state (parameters,
// constants, t) are computed once before the loop, and each net runs once
// per call on the whole batch (one matrix–matrix product per layer).
func (g *gen) batched(sde bool) {
	T := g.typ
	w := &g.out
	if g.netJacInEqs {
		// f contains a net's input Jacobian (one backward pass per
		// output and state): the batched forms call the scalar ones.
		n := g.dim
		fmt.Fprintf(w, "// FuncBatch evaluates f for batch states stored row after row:\n// state r is Y[r*Dim:(r+1)*Dim].\n")
		fmt.Fprintf(w, "func (m *%s) FuncBatch(t float64, Y, dY []float64, batch int) {\nfor r := range batch {\nm.Func(t, Y[r*%d:(r+1)*%d], dY[r*%d:(r+1)*%d])\n}\n}\n\n", T, n, n, n, n)
		fmt.Fprintf(w, "// FuncSoA evaluates f for batch states stored structure-of-arrays:\n// component i of state r is Y[i*batch+r], and likewise dY, one state\n// at a time.\n")
		fmt.Fprintf(w, "func (m *%s) FuncSoA(t float64, Y, dY []float64, batch int) {\n", T)
		fmt.Fprintf(w, "y, dy := m.scratch(%d)[:%d], m.ws[%d:%d]\n", 2*n, n, n, 2*n)
		fmt.Fprintf(w, "for r := range batch {\nfor i := range %d {\ny[i] = Y[i*batch+r]\n}\nm.Func(t, y, dy)\nfor i := range %d {\ndY[i*batch+r] = dy[i]\n}\n}\n}\n\n", n, n)
		fmt.Fprintf(w, "// scratch returns n scratch values.\n")
		fmt.Fprintf(w, "func (m *%s) scratch(n int) []float64 {\nif len(m.ws) < n {\nm.ws = make([]float64, n)\n}\nreturn m.ws[:n]\n}\n\n", T)
		if sde {
			gl := len(g.noise)
			fmt.Fprintf(w, "// DriftBatch is FuncSoA (sde.BatchSystem).\n")
			fmt.Fprintf(w, "func (m *%s) DriftBatch(t float64, Y, dY []float64, paths int) { m.FuncSoA(t, Y, dY, paths) }\n\n", T)
			fmt.Fprintf(w, "// DiffusionBatch writes g(t, y) of every path, structure-of-arrays:\n// entry k of path r is G[k*batch+r] (sde.BatchSystem).\n")
			fmt.Fprintf(w, "func (m *%s) DiffusionBatch(t float64, Y, G []float64, batch int) {\n", T)
			fmt.Fprintf(w, "y, g := m.scratch(%d)[:%d], m.ws[%d:%d]\n", n+gl, n, n, n+gl)
			fmt.Fprintf(w, "for r := range batch {\nfor i := range %d {\ny[i] = Y[i*batch+r]\n}\nm.Diffusion(t, y, g)\nfor k := range %d {\nG[k*batch+r] = g[k]\n}\n}\n}\n\n", n, gl)
		}
		return
	}
	g.batchMethod("// FuncBatch evaluates f for batch states stored row after row:\n// state r is Y[r*Dim:(r+1)*Dim] (ode.BatchSystem).",
		"FuncBatch(t float64, Y, dY []float64, batch int)", false, g.eqs, "dY")
	fmt.Fprintf(w, "// FuncSoA evaluates f for batch states stored structure-of-arrays:\n// component i of state r is Y[i*batch+r], and likewise dY, which must\n// not overlap Y. From %d states on it runs as runtime/simd kernel calls\n// over tiles of the batch, below as one fused loop.\n", soaKernelsMin)
	fmt.Fprintf(w, "func (m *%s) FuncSoA(t float64, Y, dY []float64, batch int) {\n", T)
	fmt.Fprintf(w, "if batch >= %d {\nm.funcSoAKernels(t, Y, dY, batch)\nreturn\n}\nm.funcSoALoop(t, Y, dY, batch)\n}\n\n", soaKernelsMin)
	g.batchMethod("// funcSoALoop is FuncSoA as one loop over the batch with the\n// straight-line body of Func.",
		"funcSoALoop(t float64, Y, dY []float64, batch int)", true, g.eqs, "dY")
	nrows := g.soaKernels("// funcSoAKernels is FuncSoA as a sequence of runtime/simd kernel calls,\n// one per node of f over the whole batch.",
		"funcSoAKernels", g.eqs, "dY")
	fmt.Fprintf(w, "// scratch returns the kernel form's %d rows of batch values.\n", nrows)
	fmt.Fprintf(w, "func (m *%s) scratch(n int) []float64 {\nif len(m.ws) < n {\nm.ws = make([]float64, n)\n}\nreturn m.ws[:n]\n}\n\n", T)
	if sde {
		fmt.Fprintf(w, "// DriftBatch is FuncSoA (sde.BatchSystem).\n")
		fmt.Fprintf(w, "func (m *%s) DriftBatch(t float64, Y, dY []float64, paths int) { m.FuncSoA(t, Y, dY, paths) }\n\n", T)
		layout := "G[i*batch+r]"
		if k := g.m.NoiseKind; k == dsl.NoiseAdditive || k == dsl.NoiseGeneral {
			layout = fmt.Sprintf("G[(i*%d+j)*batch+r]", g.m.NoiseDim)
		}
		g.batchMethod("// DiffusionBatch writes g(t, y) of every path, structure-of-arrays:\n// "+layout+" (sde.BatchSystem).",
			"DiffusionBatch(t float64, Y, G []float64, batch int)", true, g.noise, "G")
	}
}

// soaKernelsMin is the batch size from which FuncSoA calls the kernel
// form rather than the fused loop. BenchmarkSoA in
// codegen/internal/lorenzgen puts the two about level at 64 states for
// Lorenz (the kernel calls' fixed cost against the vector width); from
// 128 on the kernels win, by 1.2–1.7× from 1024 states on AVX2.
const soaKernelsMin = 128

func (g *gen) batchMethod(doc, sig string, soa bool, roots []*dsl.Expr, dstName string) {
	n := g.dim
	var pre, body bytes.Buffer
	// Parameters are loaded into locals once: the compiler could not keep
	// a field in a register across the loop's stores.
	usedParam := map[int]bool{}
	s0 := g.newScope(&pre)
	s0.param = func(i int) string {
		usedParam[i] = true
		return "p" + strconv.Itoa(i)
	}

	varies := g.variesFunc()
	netOrder := g.netOrder(roots)

	// Uniform nodes once, before any loop.
	all := append([]*dsl.Expr{}, roots...)
	for _, k := range netOrder {
		all = append(all, g.nets[k].Inputs...)
	}
	dsl.Walk(all, func(e *dsl.Expr) {
		if !e.Op.IsLeaf() && !varies(e) {
			s0.atom(e)
		}
	})

	usedState := map[int]bool{}
	state := func(i int) string {
		if soa {
			usedState[i] = true
			return "y" + strconv.Itoa(i) + "[r]"
		}
		return "Y[r*" + strconv.Itoa(n) + "+" + strconv.Itoa(i) + "]"
	}
	loop := func() *scope {
		c := s0.child(&body)
		c.state = state
		c.netOut = func(k, o int) string {
			return fmt.Sprintf("m.n%dby[r*%d+%d]", k, g.nets[k].Out, o)
		}
		c.fwd = func(*scope, int) {} // every net ran before this loop
		return c
	}
	for _, k := range netOrder {
		nt := g.nets[k]
		in := len(nt.Inputs)
		body.WriteString("for r := range batch {\n")
		c := loop()
		vals := make([]string, in)
		for j, x := range nt.Inputs {
			vals[j] = c.atom(x)
		}
		for j, v := range vals {
			c.printf("m.n%dbx[r*%d+%d] = %s\n", k, in, j, v)
		}
		body.WriteString("}\n")
		fmt.Fprintf(&body, "m.n%d.Forward(m.n%dbx[:batch*%d], m.n%dby[:batch*%d], batch)\n", k, k, in, k, nt.Out)
	}
	body.WriteString("for r := range batch {\n")
	c := loop()
	c.assignAll(func(i int) string {
		if soa {
			return "d" + strconv.Itoa(i) + "[r]"
		}
		return dstName + "[r*" + strconv.Itoa(n) + "+" + strconv.Itoa(i) + "]"
	}, roots)
	body.WriteString("}\n")

	w := &g.out
	fmt.Fprintf(w, "%s\nfunc (m *%s) %s {\n", doc, g.typ, sig)
	var pidx []int
	for i := range usedParam {
		pidx = append(pidx, i)
	}
	sort.Ints(pidx)
	for _, i := range pidx {
		fmt.Fprintf(w, "p%d := %s\n", i, g.paramRef(i))
	}
	if len(netOrder) > 0 {
		w.WriteString("m.growBatch(batch)\n")
	}
	if soa {
		var idx []int
		for i := range usedState {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			fmt.Fprintf(w, "y%d := Y[%d*batch : %d*batch]\n", i, i, i+1)
		}
		for i := range roots {
			fmt.Fprintf(w, "d%d := %s[%d*batch : %d*batch]\n", i, dstName, i, i+1)
		}
	}
	w.Write(pre.Bytes())
	w.Write(body.Bytes())
	w.WriteString("}\n\n")
}

// variesFunc returns a memoised predicate: whether a node varies from
// state to state (depends on a state or a net output) rather than being
// uniform over the batch (constants, parameters, t).
func (g *gen) variesFunc() func(e *dsl.Expr) bool {
	vary := map[*dsl.Expr]bool{}
	var varies func(e *dsl.Expr) bool
	varies = func(e *dsl.Expr) bool {
		if v, ok := vary[e]; ok {
			return v
		}
		v := false
		switch e.Op {
		case dsl.OpState, dsl.OpNet, dsl.OpNetJac:
			v = true
		default:
			for _, a := range e.Args {
				if varies(a) {
					v = true
				}
			}
		}
		vary[e] = v
		return v
	}
	return varies
}

// netOrder returns the nets that roots need, each after the nets its
// inputs need.
func (g *gen) netOrder(roots []*dsl.Expr) []int {
	var order []int
	seen := map[int]bool{}
	var visit func(es []*dsl.Expr)
	visit = func(es []*dsl.Expr) {
		dsl.Walk(es, func(e *dsl.Expr) {
			if e.Op == dsl.OpNet && !seen[e.Index] {
				seen[e.Index] = true
				visit(g.nets[e.Index].Inputs)
				order = append(order, e.Index)
			}
		})
	}
	visit(roots)
	return order
}
