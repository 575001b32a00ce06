package codegen

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/nodekit/nodekit/dsl"
)

// model writes the type, constructor and methods of g.m to g.out.
func (g *gen) model() error {
	m, T := g.m, g.typ
	w := &g.out
	pr := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	// Net parameter counts must agree with runtime/nn's MLP layout.
	for _, n := range g.nets {
		sizes := n.Sizes()
		cnt := 0
		for i := 0; i+1 < len(sizes); i++ {
			cnt += sizes[i]*sizes[i+1] + sizes[i+1]
		}
		if cnt != n.NumParams || n.ParamOffset < m.NumDeclared || n.ParamOffset+n.NumParams > m.NumParams {
			return fmt.Errorf("%w: net %s: parameter layout does not match runtime/nn", ErrUnsupported, n.Name)
		}
	}
	sde := g.noise != nil
	sep := m.Hamiltonian != nil && m.Hamiltonian.Separable && g.dim%2 == 0
	diff := true

	// Type.
	pr("// %s is the model %s of %s, generated as Go code: the first-order\n", T, m.Name, g.source)
	if sde {
		pr("// SDE dy = f(t, y) dt + g(t, y) dW over %s, with\n", plural(g.dim, "state component", "state components"))
		pr("// %s noise (%s).\n//\n", g.m.NoiseKind, plural(g.m.NoiseDim, "Wiener process", "Wiener processes"))
	} else {
		pr("// system dy/dt = f(t, y) over %s.\n//\n", plural(g.dim, "state component", "state components"))
	}
	if len(g.fields) > 0 {
		pr("// Its exported fields are the trainable parameters: the declared ones,\n")
		pr("// then each net's weights. They lie next to each other in memory, in\n")
		pr("// the order of Params, which returns them as one slice without copying.\n")
	} else {
		pr("// It has no trainable parameters.\n")
	}
	if len(g.nets) > 0 || !g.netJacInEqs {
		pr("//\n// A %s keeps per-call workspaces (FuncSoA's rows", T)
		if len(g.nets) > 0 {
			pr(", its nets' activations")
		}
		pr("), so it\n// is not safe for concurrent use; Clone gives each goroutine its own.\n")
	}
	if len(g.nets) > 0 {
		pr("// Copy one only with Clone: a plain struct copy would share the nets,\n// which read the weights of the original.\n")
	}
	pr("type %s struct {\n", T)
	for _, f := range g.fields {
		if f.p != nil {
			def := make([]string, len(f.p.Default))
			for i, v := range f.p.Default {
				def[i] = number(v)
			}
			pr("// %s is parameter %s (declared default %s).\n", f.name, f.p.Name, strings.Join(def, ", "))
			if f.array {
				pr("%s [%d]float64\n", f.name, f.size)
			} else {
				pr("%s float64\n", f.name)
			}
			continue
		}
		n := g.nets[f.net]
		sizes := make([]string, 0, len(n.Sizes()))
		for _, sz := range n.Sizes() {
			sizes = append(sizes, strconv.Itoa(sz))
		}
		pr("// %s holds the weights and biases of net %s (an MLP with layer\n// widths %s), in runtime/nn's layout; the net reads them in place.\n", f.name, n.Name, strings.Join(sizes, ", "))
		pr("%s [%d]float64\n", f.name, f.size)
	}
	if len(g.fields) > 0 && (len(g.nets) > 0 || !g.netJacInEqs) {
		pr("\n")
	}
	for k := range g.nets {
		pr("n%d *nn.MLP\n", k)
		pr("n%dx, n%dy, n%dgy, n%dgx, n%djac, n%dbx, n%dby []float64\n", k, k, k, k, k, k, k)
		if g.netJacInEqs {
			pr("n%ddx, n%dgdy, n%dgx2, n%dhgx, n%dhess []float64 // second-order products\n", k, k, k, k, k)
		}
	}
	pr("ws []float64 // FuncSoA's scratch rows\n")
	pr("}\n\n")

	// Layout assertions: Params aliases the fields with unsafe.Slice, so
	// each must sit at its offset; these fail to compile otherwise.
	if len(g.fields) > 0 {
		pr("// Params relies on the parameter fields being consecutive: each of\n")
		pr("// these constants overflows, and the file does not compile, if a\n// field is not at its offset or the fields do not end at Params' length.\n")
		pr("const (\n")
		for _, f := range g.fields {
			pr("_ = unsafe.Offsetof(%s{}.%s) - %d\n", T, f.name, 8*f.off)
			pr("_ = %d - unsafe.Offsetof(%s{}.%s)\n", 8*f.off, T, f.name)
		}
		// The last field ends where the Params slice ends.
		last := g.fields[len(g.fields)-1]
		end := fmt.Sprintf("unsafe.Offsetof(%s{}.%s) + unsafe.Sizeof(%s{}.%s)", T, last.name, T, last.name)
		pr("_ = %s - %d\n", end, 8*m.NumParams)
		pr("_ = %d - (%s)\n", 8*m.NumParams, end)
		pr(")\n\n")
	}

	// Interface assertions.
	pr("var (\n")
	pr("_ ode.System = (*%s)(nil)\n", T)
	if diff {
		pr("_ ode.Differentiable = (*%s)(nil)\n_ ode.Jacobian = (*%s)(nil)\n_ ode.TimeDerivative = (*%s)(nil)\n", T, T, T)
	}
	pr("_ ode.Autonomous = (*%s)(nil)\n_ ode.BatchSystem = (*%s)(nil)\n_ ode.Cloner = (*%s)(nil)\n", T, T, T)
	if sde {
		pr("_ sde.System = (*%s)(nil)\n", T)
		if diff {
			pr("_ sde.Differentiable = (*%s)(nil)\n", T)
		}
		if g.m.NoiseKind == dsl.NoiseDiagonal {
			pr("_ sde.DiffusionDerivative = (*%s)(nil)\n", T)
		}
		pr("_ sde.BatchSystem = (*%s)(nil)\n_ sde.Replicator = (*%s)(nil)\n", T, T)
	}
	if sep {
		pr("_ ode.Separable = (*%s)(nil)\n", T)
	}
	pr(")\n\n")

	// Constructors.
	var inits []string
	for _, f := range g.fields {
		if f.p == nil {
			continue
		}
		def := make([]string, len(f.p.Default))
		for i, v := range f.p.Default {
			def[i] = number(v)
		}
		if f.array {
			inits = append(inits, fmt.Sprintf("%s: [%d]float64{%s}", f.name, f.size, strings.Join(def, ", ")))
		} else {
			inits = append(inits, f.name+": "+def[0])
		}
	}
	lit := T + "{" + strings.Join(inits, ", ") + "}"
	if len(inits) > 1 {
		lit = T + "{\n" + strings.Join(inits, ",\n") + ",\n}"
	}
	if len(g.nets) == 0 {
		pr("// New%s returns the model with its declared parameter defaults.\n", T)
		pr("func New%s() *%s {\nreturn &%s\n}\n\n", T, T, lit)
	} else {
		pr("// New%s returns the model with its declared parameter defaults and\n", T)
		pr("// net weights initialised as New%sWithSeed(0) does.\n", T)
		pr("func New%s() *%s { return New%sWithSeed(0) }\n\n", T, T, T)
		pr("// New%sWithSeed returns the model with its declared parameter\n", T)
		pr("// defaults and Glorot-uniform net weights (zero biases) drawn from\n")
		pr("// nn.NewRNG, one stream per net as package dsl/eval draws them.\n")
		pr("func New%sWithSeed(seed uint64) *%s {\n", T, T)
		pr("m := &%s\n", lit)
		for _, f := range g.fields {
			if f.p != nil {
				continue
			}
			k, n := f.net, g.nets[f.net]
			sizes := make([]string, 0, len(n.Sizes()))
			for _, s := range n.Sizes() {
				sizes = append(sizes, strconv.Itoa(s))
			}
			stream := uint64(k) * 0x9e3779b97f4a7c15
			pr("m.n%d = nn.NewMLP([]int{%s}, %s, nn.NewRNG(seed+%#x))\n", k, strings.Join(sizes, ", "), g.acts[k], stream)
			pr("copy(m.%s[:], m.n%d.Params())\n", f.name, k)
		}
		pr("m.bindNets()\nreturn m\n}\n\n")
		pr("// bindNets points the nets at the weight fields of m and allocates\n// their workspaces.\n")
		pr("func (m *%s) bindNets() {\n", T)
		for _, f := range g.fields {
			if f.p != nil {
				continue
			}
			k, n := f.net, g.nets[f.net]
			in, out := len(n.Inputs), n.Out
			pr("m.n%d.SetParams(m.%s[:])\n", k, f.name)
			pr("m.n%dx, m.n%dgx = make([]float64, %d), make([]float64, %d)\n", k, k, in, in)
			pr("m.n%dy, m.n%dgy = make([]float64, %d), make([]float64, %d)\n", k, k, out, out)
			pr("m.n%djac = make([]float64, %d)\n", k, in*out)
			if g.netJacInEqs {
				pr("m.n%ddx, m.n%dgx2, m.n%dhgx = make([]float64, %d), make([]float64, %d), make([]float64, %d)\n", k, k, k, in, in, in)
				pr("m.n%dgdy, m.n%dhess = make([]float64, %d), make([]float64, %d)\n", k, k, out, out*in*in)
			}
		}
		pr("}\n\n")
		pr("// growBatch makes the nets' batch buffers hold batch samples.\n")
		pr("func (m *%s) growBatch(batch int) {\n", T)
		for k, n := range g.nets {
			in, out := len(n.Inputs), n.Out
			pr("if len(m.n%dbx) < batch*%d {\nm.n%dbx = make([]float64, batch*%d)\nm.n%dby = make([]float64, batch*%d)\n}\n", k, in, k, in, k, out)
		}
		pr("}\n\n")
	}

	// Clone.
	pr("// Clone returns a copy of m with the same parameter values and its own\n")
	pr("// workspaces, for another goroutine (ode.SolveBatch). The copy has its\n")
	pr("// own parameter fields: later changes to m do not reach it.\n")
	pr("func (m *%s) Clone() ode.System {\n", T)
	pr("c := &%s{}\n", T)
	if len(g.fields) > 0 {
		pr("copy(c.Params(), m.Params())\n")
	}
	for k := range g.nets {
		pr("c.n%d = m.n%d.Clone()\n", k, k)
	}
	if len(g.nets) > 0 {
		pr("c.bindNets()\n")
	}
	pr("return c\n}\n\n")

	// Shape and names.
	pr("// Dim returns the number of state components, %d.\n", g.dim)
	pr("func (m *%s) Dim() int { return %d }\n\n", T, g.dim)
	init := make([]string, 0, g.dim)
	for _, v := range m.InitialState() {
		init = append(init, number(v))
	}
	if len(init) != g.dim {
		return fmt.Errorf("%w: model %s: %d initial values for %d states", ErrUnsupported, m.Name, len(init), g.dim)
	}
	pr("// InitialState returns a new slice holding the declared initial state.\n")
	pr("func (m *%s) InitialState() []float64 { return []float64{%s} }\n\n", T, strings.Join(init, ", "))
	var snames []string
	for _, s := range m.States {
		for i := 0; i < s.Size; i++ {
			idx := -1
			if s.Vector {
				idx = i
			}
			q, err := quoteName("state name", s.Name, idx)
			if err != nil {
				return err
			}
			snames = append(snames, q)
		}
	}
	pr("// StateNames returns one name per state component (the CSV columns).\n")
	pr("func (m *%s) StateNames() []string { return []string{%s} }\n\n", T, strings.Join(snames, ", "))

	// Parameters.
	pr("// Params returns θ: the declared parameters, then every net's weights.\n")
	pr("// It aliases the parameter fields of m: writing to it changes the model.\n")
	if len(g.fields) == 0 {
		pr("func (m *%s) Params() []float64 { return nil }\n\n", T)
	} else {
		pr("func (m *%s) Params() []float64 { return unsafe.Slice(%s, %d) }\n\n", T, g.firstParam(), m.NumParams)
	}
	var pnames []string
	for _, p := range m.Params {
		for i := 0; i < p.Size; i++ {
			idx := -1
			if p.Vector {
				idx = i
			}
			q, err := quoteName("parameter name", p.Name, idx)
			if err != nil {
				return err
			}
			pnames = append(pnames, q)
		}
	}
	pr("// ParamNames returns the names of the declared parameters, in the\n// order of Params.\n")
	pr("func (m *%s) ParamNames() []string { return []string{%s} }\n\n", T, strings.Join(pnames, ", "))

	// Right-hand side.
	g.method("// Func writes f(t, y) into dy.", "Func(t float64, y, dy []float64)", []string{"y", "dy"}, func(s *scope) {
		s.assignAll(func(i int) string { return "dy[" + strconv.Itoa(i) + "]" }, g.eqs)
	})
	pr("// Autonomous reports whether f does not depend on t.\n")
	pr("func (m *%s) Autonomous() bool { return %v }\n\n", T, g.auto)

	if diff {
		g.jacobian()
		g.vjp()
		g.method("// DfDt writes ∂f/∂t at (t, y) into dfdt.", "DfDt(t float64, y, dfdt []float64)", []string{"y", "dfdt"}, func(s *scope) {
			col := g.b.DiffAll(g.eqs, g.b.Time(), g.nets)
			s.assignAll(func(i int) string { return "dfdt[" + strconv.Itoa(i) + "]" }, col)
		})
	}
	g.batched(sde)

	// Outputs.
	var onames []string
	for _, o := range m.Outputs {
		for i := range o.Value {
			idx := -1
			if o.Vector {
				idx = i
			}
			q, err := quoteName("output name", o.Name, idx)
			if err != nil {
				return err
			}
			onames = append(onames, q)
		}
	}
	if len(onames) != len(g.outs) {
		return fmt.Errorf("%w: model %s: output names and values differ", ErrUnsupported, m.Name)
	}
	pr("// NumOutputs returns the number of output columns, %d.\n", len(g.outs))
	pr("func (m *%s) NumOutputs() int { return %d }\n\n", T, len(g.outs))
	pr("// OutputNames returns the output column names.\n")
	if len(onames) == 0 {
		pr("func (m *%s) OutputNames() []string { return nil }\n\n", T)
	} else {
		pr("func (m *%s) OutputNames() []string { return []string{%s} }\n\n", T, strings.Join(onames, ", "))
	}
	g.method("// Outputs writes the model's outputs at (t, y) into out.", "Outputs(t float64, y, out []float64)", nil, func(s *scope) {
		s.assignAll(func(i int) string { return "out[" + strconv.Itoa(i) + "]" }, g.outs)
	})

	if sde {
		g.noiseMethods(diff)
	}

	if g.ham != nil {
		g.method("// Hamiltonian returns the energy H(t, y).", "Hamiltonian(t float64, y []float64) float64", []string{"y"}, func(s *scope) {
			s.printf("return %s\n", s.atom(g.ham))
		})
	}
	if sep {
		h := g.dim / 2
		g.method("// Velocity writes q' = ∂H/∂p at momenta p into dq.", "Velocity(p, dq []float64)", nil, func(s *scope) {
			s.state = func(i int) string { return "p[" + strconv.Itoa(i-h) + "]" }
			s.printf("_ = p[%d]\n", h-1)
			s.time = "0"
			s.assignAll(func(i int) string { return "dq[" + strconv.Itoa(i) + "]" }, g.dhdp)
		})
		g.method("// Force writes p' = −∂H/∂q at (t, q) into dp.", "Force(t float64, q, dp []float64)", nil, func(s *scope) {
			s.state = func(i int) string { return "q[" + strconv.Itoa(i) + "]" }
			s.printf("_ = q[%d]\n", h-1)
			s.assignAll(func(i int) string { return "dp[" + strconv.Itoa(i) + "]" }, g.eqs[h:])
		})
	}

	g.helperMethods()
	return nil
}

// method writes one method whose body fill emits with a scalar scope.
// bce names slices of length Dim to bounds-check once up front.
func (g *gen) method(doc, sig string, bce []string, fill func(s *scope)) {
	var body bytes.Buffer
	s := g.newScope(&body)
	fill(s)
	w := &g.out
	fmt.Fprintf(w, "%s\nfunc (m *%s) %s {\n", doc, g.typ, sig)
	for _, v := range bce {
		fmt.Fprintf(w, "_ = %s[%d]\n", v, g.dim-1)
	}
	w.Write(body.Bytes())
	w.WriteString("}\n\n")
}

// assignAll evaluates every root first, then stores them, so dst may
// alias the inputs.
func (s *scope) assignAll(dst func(i int) string, roots []*dsl.Expr) {
	vals := make([]string, len(roots))
	for i, r := range roots {
		vals[i] = s.atom(r)
	}
	for i, v := range vals {
		s.printf("%s = %s\n", dst(i), unparen(v))
	}
}

// unparen drops the parentheses around a negative literal on the right of
// an assignment.
func unparen(v string) string {
	if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") && !strings.ContainsAny(v[1:len(v)-1], "()") {
		return v[1 : len(v)-1]
	}
	return v
}

// jacobian writes Jac from the symbolic derivatives ∂f_i/∂y_j.
func (g *gen) jacobian() {
	n := g.dim
	g.method("// Jac writes ∂f/∂y at (t, y) into J, row-major: J[i*Dim+j] = ∂f_i/∂y_j.", "Jac(t float64, y []float64, J []float64)", []string{"y"}, func(s *scope) {
		s.printf("_ = J[%d]\nclear(J[:%d])\n", n*n-1, n*n)
		var dst []string
		var roots []*dsl.Expr
		for j := 0; j < n; j++ {
			col := g.b.DiffAll(g.eqs, g.b.State(j), g.nets)
			for i, e := range col {
				if e.IsConst(0) {
					continue
				}
				dst = append(dst, "J["+strconv.Itoa(i*n+j)+"]")
				roots = append(roots, e)
			}
		}
		s.assignAll(func(i int) string { return dst[i] }, roots)
	})
}

// vjp writes VJP from the symbolic adjoint of f.
func (g *gen) vjp() {
	g.vjpMethod("// VJP computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ at (t, y);\n// ap may be nil.",
		"VJP(t float64, y, a, ay, ap []float64)", []string{"y", "a", "ay"}, g.eqs, "a")
}

// vjpMethod writes a method computing ay = Σ_k seed_k ∂roots_k/∂y and
// accumulating ap += Σ_k seed_k ∂roots_k/∂θ, where seed is the name of
// the method's cotangent argument (len(roots) values).
func (g *gen) vjpMethod(doc, sig string, bce []string, roots []*dsl.Expr, seed string) {
	n := g.dim
	seeds := make([]*dsl.Expr, len(roots))
	for i := range seeds {
		seeds[i] = g.b.State(n + i) // placeholder leaf rendered as seed[i]
	}
	adj := g.adjoint(roots, seeds)
	g.method(doc, sig, bce, func(s *scope) {
		s.seed = seed
		s.bwd = func(s *scope, k int) {
			if !s.fwdDone[k] { // Backward needs this call's forward pass
				s.fwdDone[k] = true
				s.fwd(s, k)
			}
			gy := adj.netGy[k]
			vals := make([]string, len(gy))
			for o, e := range gy {
				vals[o] = s.atom(e)
			}
			for o, v := range vals {
				s.printf("m.n%dgy[%d] = %s\n", k, o, v)
			}
			n := g.nets[k]
			s.printf("var gp%d []float64\nif ap != nil {\ngp%d = ap[%d:%d]\n}\n", k, k, n.ParamOffset, n.ParamOffset+n.NumParams)
			s.printf("m.n%d.Backward(m.n%dgy, m.n%dgx, gp%d)\n", k, k, k, k)
		}
		// The second-order pass: for each output o whose input-Jacobian
		// row has an adjoint g, the gradient of e_oᵀ(∂U/∂x)·g with
		// respect to the inputs (summed into hgx) and the weights.
		s.bwd2 = func(s *scope, k int) {
			if !s.fwdDone[k] { // sets the net's inputs
				s.fwdDone[k] = true
				s.fwd(s, k)
			}
			n := g.nets[k]
			rows := adj.netGdx[k]
			vals := make([][]string, len(rows))
			for o, row := range rows {
				for _, e := range row {
					vals[o] = append(vals[o], s.atom(e))
				}
			}
			s.printf("var gq%d []float64\nif ap != nil {\ngq%d = ap[%d:%d]\n}\n", k, k, n.ParamOffset, n.ParamOffset+n.NumParams)
			s.printf("clear(m.n%dhgx)\n", k)
			for o, row := range vals {
				if row == nil {
					continue
				}
				for i, v := range row {
					s.printf("m.n%ddx[%d] = %s\n", k, i, v)
				}
				s.printf("clear(m.n%dgdy)\nm.n%dgdy[%d] = 1\n", k, k, o)
				s.printf("m.n%d.VJPJVP(m.n%dx, m.n%ddx, nil, m.n%dgdy, m.n%dgx2, nil, gq%d, 1)\n", k, k, k, k, k, k)
				s.printf("for i, v := range m.n%dgx2 {\nm.n%dhgx[i] += v\n}\n", k, k)
			}
		}
		zero := g.b.Const(0)
		ay := make([]*dsl.Expr, n)
		for j := range ay {
			ay[j] = adj.state[j]
			if ay[j] == nil {
				ay[j] = zero
			}
		}
		s.assignAll(func(i int) string { return "ay[" + strconv.Itoa(i) + "]" }, ay)
		var block bytes.Buffer
		c := s.child(&block)
		for k, gy := range adj.netGy {
			if gy != nil && !c.bwdDone[k] {
				c.bwdDone[k] = true
				c.bwd(c, k)
			}
		}
		for k, gdx := range adj.netGdx {
			if gdx != nil && !c.bwd2Done[k] {
				c.bwd2Done[k] = true
				c.bwd2(c, k)
			}
		}
		var dst []string
		var roots []*dsl.Expr
		for k, e := range adj.param {
			if e == nil || e.IsConst(0) {
				continue
			}
			dst = append(dst, "ap["+strconv.Itoa(k)+"]")
			roots = append(roots, e)
		}
		vals := make([]string, len(roots))
		for i, r := range roots {
			vals[i] = c.atom(r)
		}
		for i, v := range vals {
			c.printf("%s += %s\n", dst[i], v)
		}
		if block.Len() > 0 {
			s.printf("if ap != nil {\n")
			s.w.Write(block.Bytes())
			s.printf("}\n")
		}
	})
}

// helperMethods writes the scalar functions the bodies used, with the
// exact formulas of package dsl (ops.go) so generated code and the
// interpreter agree bit for bit.
func (g *gen) helperMethods() {
	T := g.typ
	w := &g.out
	for _, h := range g.sortedHelpers() {
		switch h {
		case "b2f":
			fmt.Fprintf(w, "func (*%s) b2f(b bool) float64 {\nif b {\nreturn 1\n}\nreturn 0\n}\n\n", T)
		case "sigmoid":
			fmt.Fprintf(w, "func (*%s) sigmoid(x float64) float64 {\nif x >= 0 {\nreturn 1 / (1 + math.Exp(-x))\n}\ne := math.Exp(x)\nreturn e / (1 + e)\n}\n\n", T)
		case "softplus":
			fmt.Fprintf(w, "func (*%s) softplus(x float64) float64 {\nif x > 30 {\nreturn x + math.Log1p(math.Exp(-x))\n}\nreturn math.Log1p(math.Exp(x))\n}\n\n", T)
		case "relu":
			fmt.Fprintf(w, "func (*%s) relu(x float64) float64 {\nif x > 0 {\nreturn x\n}\nreturn 0\n}\n\n", T)
		case "sign":
			fmt.Fprintf(w, "func (*%s) sign(x float64) float64 {\nswitch {\ncase x > 0:\nreturn 1\ncase x < 0:\nreturn -1\n}\nreturn 0\n}\n\n", T)
		case "ifelse":
			fmt.Fprintf(w, "func (*%s) ifelse(c, a, b float64) float64 {\nif c > 0 {\nreturn a\n}\nreturn b\n}\n\n", T)
		}
	}
}

// noiseMethods writes the sde.System methods of a model with noise, with
// the diffusion in runtime/sde's layout for its kind, and DiffusionVJP
// when the model is differentiable.
func (g *gen) noiseMethods(diff bool) {
	T, m := g.typ, g.m
	w := &g.out
	pr := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	kind := map[dsl.NoiseKind]string{dsl.NoiseDiagonal: "Diagonal", dsl.NoiseScalar: "Scalar", dsl.NoiseAdditive: "Additive", dsl.NoiseGeneral: "General"}[m.NoiseKind]
	what := map[dsl.NoiseKind]string{
		dsl.NoiseDiagonal: "one Wiener process per component",
		dsl.NoiseScalar:   "one Wiener process drives every component",
		dsl.NoiseAdditive: "g does not depend on the state",
		dsl.NoiseGeneral:  "a state-dependent Dim×NoiseDim matrix",
	}[m.NoiseKind]
	pr("// Noise returns sde.%s: %s.\n", kind, what)
	pr("func (m *%s) Noise() sde.NoiseKind { return sde.%s }\n\n", T, kind)
	pr("// Replica returns Clone (sde.Replicator), so that sde.SolvePaths gives\n// each goroutine its own workspaces.\n")
	pr("func (m *%s) Replica() sde.System { return m.Clone().(sde.System) }\n\n", T)
	pr("// NoiseDim returns the number of Wiener processes, %d.\n", m.NoiseDim)
	pr("func (m *%s) NoiseDim() int { return %d }\n\n", T, m.NoiseDim)
	doc := "// Diffusion writes g(t, y) into g: g[i] multiplies dW_i in component i."
	switch m.NoiseKind {
	case dsl.NoiseScalar:
		doc = "// Diffusion writes g(t, y) into g: g[i] multiplies the single dW in\n// component i."
	case dsl.NoiseAdditive, dsl.NoiseGeneral:
		doc = fmt.Sprintf("// Diffusion writes the %d×%d matrix g(t, y) into g, row-major:\n// g[i*%d+j] multiplies dW_j in component i.", g.dim, m.NoiseDim, m.NoiseDim)
	}
	last := len(g.noise) - 1
	g.method(doc, "Diffusion(t float64, y, g []float64)", []string{"y"}, func(s *scope) {
		s.printf("_ = g[%d]\n", last)
		s.assignAll(func(i int) string { return "g[" + strconv.Itoa(i) + "]" }, g.noise)
	})
	if m.NoiseKind == dsl.NoiseDiagonal {
		g.method("// DiffusionDerivative writes dg[i] = ∂g_i/∂y_i.", "DiffusionDerivative(t float64, y, dg []float64)", []string{"y", "dg"}, func(s *scope) {
			d := make([]*dsl.Expr, g.dim)
			for i := range d {
				d[i] = g.b.DiffAll(g.noise[i:i+1], g.b.State(i), g.nets)[0]
			}
			s.assignAll(func(i int) string { return "dg[" + strconv.Itoa(i) + "]" }, d)
		})
	}
	if diff {
		g.vjpMethod(fmt.Sprintf("// DiffusionVJP computes ay = Σ_k b_k ∂g_k/∂y and accumulates\n// ap += Σ_k b_k ∂g_k/∂θ at (t, y), where k runs over the entries of g in\n// Diffusion's layout (%s; sde.Differentiable); ap may be nil.", plural(len(g.noise), "entry", "entries")),
			"DiffusionVJP(t float64, y, b, ay, ap []float64)", []string{"y", "ay"}, g.noise, "b")
	}
}

// plural writes n and the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
