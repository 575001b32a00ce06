// Package eval interprets a checked .node model (a *dsl.Model) as an
// ode.System without generating code.
//
// The model's equations, noise, outputs and Hamiltonian derivatives are
// compiled once to dsl.Machine register programs; Func runs one program.
// For a model without neural terms (and at most MaxSymbolicDim states and
// MaxSymbolicParams declared parameters) the
// Jacobian, the vector–Jacobian products aᵀ∂f/∂(y, θ) and bᵀ∂g/∂(y, θ),
// ∂f/∂t and the diffusion's diagonal derivative are differentiated
// symbolically once (dsl.Builder.DiffAll, with the adjoint seeds as extra
// leaves), so each is one forward program, much like the code nodekit gen
// writes. Models with nets run f (or g) and propagate adjoints back
// through it instead (reverse mode, exact to rounding), through the nets
// via runtime/nn. No method allocates.
//
//	prog, err := dsl.Compile("lorenz.node", src)
//	sys, err := eval.New(prog.Model("Lorenz"), nil)
//	sol, err := ode.Solve(sys, sys.InitialState(), ts, nil)
//
// A *System implements ode.System, ode.Jacobian, ode.Differentiable,
// ode.TimeDerivative, ode.Autonomous and, for models with noise,
// sde.System and sde.Differentiable (DiffusionVJP), with the model's noise
// kind: diagonal for `noise` lines alone; scalar, additive or general
// for models that declare `wiener` processes (see dsl.NoiseKind). Diagonal
// models also implement sde.DiffusionDerivative.
// Hamiltonian models have Hamiltonian(t, y), the energy; those with
// H = T(p) + V(q) also offer AsSeparable for the symplectic integrators.
//
// A hamiltonian may use nets (a Hamiltonian neural network in one line:
// `net H = mlp(q, p; …, out = 1)` and `hamiltonian = H`). The equations
// q' = ∂H/∂p, p' = −∂H/∂q then contain the net's input gradient, which
// the Machine computes by one back-propagation; Jac, VJP and DfDt
// differentiate it once more in reverse mode with the net's second-order
// product (runtime/nn's VJPJVP: ∂/∂(x, θ) of gᵀ(∂U/∂x)·dx), so they are
// exact for the net's weights too. A net V(q) in H = T(p) + V(q) keeps the
// model separable.
package eval

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nodekit/nodekit/dsl"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
	"github.com/nodekit/nodekit/runtime/sde"
)

// Errors.
var (
	ErrUnknownName = errors.New("eval: unknown parameter or state")
	ErrNoModel     = errors.New("eval: nil model")
)

// Options configure New. A nil *Options means the defaults.
type Options struct {
	// Seed selects the initial weights of neural terms (Glorot-uniform
	// weights, zero biases, one stream per net).
	Seed uint64

	reverse bool // tests: use reverse mode even where symbolic applies
}

const (
	progF = iota
	progG
	progOut
	progVel
	progForce
	progHam
	// Symbolic derivative programs (models without nets).
	progJac   // J[i*Dim+j] = ∂f_i/∂y_j
	progVJP   // ay_j = Σ_i a_i ∂f_i/∂y_j
	progVJPP  // ay, then ap_k = Σ_i a_i ∂f_i/∂θ_k
	progDfDt  // ∂f_i/∂t
	progDDiag // ∂g_i/∂y_i
	progGVJP  // ay_j = Σ_k b_k ∂g_k/∂y_j
	progGVJPP // ay, then ap_k = Σ_l b_l ∂g_l/∂θ_k
	numProgs
)

// MaxSymbolicDim is the largest state dimension for which New
// differentiates a net-free model symbolically; larger models use reverse
// mode, whose cost grows with Dim rather than Dim².
const MaxSymbolicDim = 64

// MaxSymbolicParams is the largest number of declared parameters for which
// New differentiates symbolically: the symbolic programs take one pass
// over the model per parameter.
const MaxSymbolicParams = 1024

// System is an interpreted model. It is not safe for concurrent use;
// Clone gives each goroutine its own.
type System struct {
	Model *dsl.Model

	mach   *dsl.Machine
	params []float64
	nets   []*nn.MLP
	auto   bool
	nout   int
	sym    bool // derivatives are the symbolic programs; a (or b) is loaded at y[Dim:]

	unit []float64 // one-hot adjoint, length Dim
	row  []float64
}

var (
	_ ode.Differentiable      = (*System)(nil)
	_ ode.Jacobian            = (*System)(nil)
	_ ode.TimeDerivative      = (*System)(nil)
	_ ode.Autonomous          = (*System)(nil)
	_ sde.System              = (*System)(nil)
	_ sde.DiffusionDerivative = (*System)(nil)
	_ sde.Differentiable      = (*System)(nil)
	_ sde.Replicator          = (*System)(nil)
	_ ode.Separable           = (*Separable)(nil)
)

// New compiles m. Parameters start at their declared defaults and net
// weights at a seeded random initialisation.
func New(m *dsl.Model, opts *Options) (*System, error) {
	if m == nil {
		return nil, ErrNoModel
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &System{Model: m}
	s.params = make([]float64, m.NumParams)
	copy(s.params, m.DefaultParams())
	for i, n := range m.Nets {
		act, err := nn.ParseActivation(n.Act)
		if err != nil {
			return nil, fmt.Errorf("eval: net %s: %w", n.Name, err)
		}
		mlp := nn.NewMLP(n.Sizes(), act, nn.NewRNG(o.Seed+uint64(i)*0x9e3779b97f4a7c15))
		if mlp.NumParams() != n.NumParams {
			return nil, fmt.Errorf("eval: net %s: runtime/nn has %d parameters, the IR %d", n.Name, mlp.NumParams(), n.NumParams)
		}
		region := s.params[n.ParamOffset : n.ParamOffset+n.NumParams : n.ParamOffset+n.NumParams]
		copy(region, mlp.Params())
		mlp.SetParams(region)
		s.nets = append(s.nets, mlp)
	}
	roots := make([][]*dsl.Expr, numProgs)
	roots[progF] = m.Eqs
	roots[progG] = m.Noise
	for _, out := range m.Outputs {
		roots[progOut] = append(roots[progOut], out.Value...)
		s.nout += len(out.Value)
	}
	if h := m.Hamiltonian; h != nil {
		roots[progHam] = []*dsl.Expr{h.H}
		if h.Separable {
			roots[progVel] = h.DHDp
			roots[progForce] = m.Eqs[len(h.Coords):]
		}
	}
	dim := m.Dim
	s.sym = len(m.Nets) == 0 && m.Dim <= MaxSymbolicDim && m.NumDeclared <= MaxSymbolicParams && !o.reverse
	if s.sym {
		symbolic(m, roots)
		dim = m.Dim + max(m.Dim, len(m.Noise)) // the adjoint seeds a or b follow the state
	}
	s.mach = dsl.NewMachine(dim, m.NumDeclared, m.Nets, roots...)
	for i, mlp := range s.nets {
		s.mach.SetNet(i, mlp)
	}
	s.auto = !dependsOnTime(m.Eqs)
	s.unit = make([]float64, m.Dim)
	s.row = make([]float64, m.Dim)
	return s, nil
}

// symbolic fills the derivative root sets of a net-free model. The
// expressions are built in a private builder so that the model's own
// (which code generators number their temporaries by) is left untouched;
// the adjoint seed a_i is the state leaf Dim+i.
func symbolic(m *dsl.Model, roots [][]*dsl.Expr) {
	n := m.Dim
	b := dsl.NewBuilder()
	imp := func(es []*dsl.Expr) []*dsl.Expr {
		out := make([]*dsl.Expr, len(es))
		for i, e := range es {
			out[i] = b.Import(e)
		}
		return out
	}
	eqs := imp(m.Eqs)
	// dot returns Σ_i a_i·d_i (the seeds are b_i for the diffusion).
	dot := func(d []*dsl.Expr) *dsl.Expr {
		acc := b.Const(0)
		for i, e := range d {
			acc = b.Add(acc, b.Mul(b.State(n+i), e))
		}
		return acc
	}
	jac := make([]*dsl.Expr, n*n)
	vjp := make([]*dsl.Expr, n, n+m.NumDeclared)
	for j := 0; j < n; j++ {
		col := b.DiffAll(eqs, b.State(j), nil)
		for i, e := range col {
			jac[i*n+j] = e
		}
		vjp[j] = dot(col)
	}
	roots[progJac] = jac
	roots[progVJP] = vjp
	vjpp := vjp
	for k := 0; k < m.NumDeclared; k++ {
		vjpp = append(vjpp, dot(b.DiffAll(eqs, b.Param(k), nil)))
	}
	roots[progVJPP] = vjpp
	roots[progDfDt] = b.DiffAll(eqs, b.Time(), nil)
	if m.Noise == nil {
		return
	}
	g := imp(m.Noise)
	if m.NoiseKind == dsl.NoiseDiagonal {
		dg := make([]*dsl.Expr, n)
		for i := range dg {
			dg[i] = b.Diff(g[i], b.State(i))
		}
		roots[progDDiag] = dg
	}
	gvjp := make([]*dsl.Expr, n, n+m.NumDeclared)
	for j := 0; j < n; j++ {
		gvjp[j] = dot(b.DiffAll(g, b.State(j), nil))
	}
	roots[progGVJP] = gvjp
	gvjpp := gvjp
	for k := 0; k < m.NumDeclared; k++ {
		gvjpp = append(gvjpp, dot(b.DiffAll(g, b.Param(k), nil)))
	}
	roots[progGVJPP] = gvjpp
}

func dependsOnTime(es []*dsl.Expr) bool {
	found := false
	dsl.Walk(es, func(e *dsl.Expr) {
		if e.Op == dsl.OpTime {
			found = true
		}
	})
	return found
}

// Clone returns an independent System sharing the parameter vector (so
// training one trains all) but with its own registers and net workspaces.
func (s *System) Clone() *System {
	c := *s
	c.mach = s.mach.Clone()
	c.nets = make([]*nn.MLP, len(s.nets))
	for i, n := range s.Model.Nets {
		act, _ := nn.ParseActivation(n.Act)
		mlp := nn.NewMLP(n.Sizes(), act, nil)
		mlp.SetParams(s.params[n.ParamOffset : n.ParamOffset+n.NumParams : n.ParamOffset+n.NumParams])
		c.nets[i] = mlp
		c.mach.SetNet(i, mlp)
	}
	c.unit = make([]float64, len(s.unit))
	c.row = make([]float64, len(s.row))
	return &c
}

// Replica returns Clone (sde.Replicator), so that sde.SolvePaths gives
// each goroutine its own registers.
func (s *System) Replica() sde.System { return s.Clone() }

// Dim returns the number of flat state components.
func (s *System) Dim() int { return s.Model.Dim }

// Func writes f(t, y) into dy.
func (s *System) Func(t float64, y, dy []float64) {
	s.load(t, y)
	s.mach.Run(progF)
	s.mach.Roots(progF, dy)
}

// load sets t, y and the declared parameters.
func (s *System) load(t float64, y []float64) {
	s.mach.LoadState(0, y[:s.Model.Dim])
	s.mach.LoadParams(s.params)
	s.mach.SetTime(t)
}

// Params returns θ: the declared parameters followed by every net's
// weights. It aliases the system: writing to it changes the model.
func (s *System) Params() []float64 { return s.params }

// VJP computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ.
func (s *System) VJP(t float64, y, a, ay, ap []float64) {
	s.load(t, y)
	if !s.sym {
		s.mach.Run(progF)
		s.mach.Reverse(progF, a, ay, ap)
		return
	}
	n := s.Model.Dim
	s.mach.LoadState(n, a[:n])
	if ap == nil {
		s.mach.Run(progVJP)
		s.mach.CopyRoots(progVJP, 0, ay[:n])
		return
	}
	s.mach.Run(progVJPP)
	s.mach.CopyRoots(progVJPP, 0, ay[:n])
	s.mach.AddRoots(progVJPP, n, ap[:s.Model.NumDeclared])
}

// Jac writes ∂f/∂y row-major into J.
func (s *System) Jac(t float64, y []float64, J []float64) {
	n := s.Model.Dim
	s.load(t, y)
	if s.sym {
		s.mach.Run(progJac)
		s.mach.Roots(progJac, J[:n*n])
		return
	}
	s.mach.Run(progF)
	for i := 0; i < n; i++ {
		s.unit[i] = 1
		s.mach.Reverse(progF, s.unit, J[i*n:(i+1)*n], nil)
		s.unit[i] = 0
	}
}

// DfDt writes ∂f/∂t into dfdt.
func (s *System) DfDt(t float64, y []float64, dfdt []float64) {
	s.load(t, y)
	if s.sym {
		s.mach.Run(progDfDt)
		s.mach.Roots(progDfDt, dfdt[:s.Model.Dim])
		return
	}
	s.mach.Run(progF)
	for i := range dfdt[:s.Model.Dim] {
		s.unit[i] = 1
		dfdt[i] = s.mach.Reverse(progF, s.unit, s.row, nil)
		s.unit[i] = 0
	}
}

// Autonomous reports whether f does not depend on t.
func (s *System) Autonomous() bool { return s.auto }

// Noise returns the model's noise kind: sde.Diagonal for `noise` lines
// without wiener declarations (and for a model without noise), otherwise
// sde.Scalar, sde.Additive or sde.General as the checker classified it.
func (s *System) Noise() sde.NoiseKind {
	switch s.Model.NoiseKind {
	case dsl.NoiseScalar:
		return sde.Scalar
	case dsl.NoiseAdditive:
		return sde.Additive
	case dsl.NoiseGeneral:
		return sde.General
	}
	return sde.Diagonal
}

// NoiseDim returns the number of Wiener processes: Dim for diagonal noise
// (and for a model without noise), the declared number otherwise.
func (s *System) NoiseDim() int {
	if s.Model.Noise == nil {
		return s.Model.Dim
	}
	return s.Model.NoiseDim
}

// Diffusion writes g(t, y) into g in runtime/sde's layout for Noise():
// Dim entries for diagonal and scalar noise, the Dim×NoiseDim matrix
// row-major otherwise (all zero for a model without noise).
func (s *System) Diffusion(t float64, y, g []float64) {
	if s.Model.Noise == nil {
		clear(g[:s.Model.Dim])
		return
	}
	s.load(t, y)
	s.mach.Run(progG)
	s.mach.Roots(progG, g)
}

// DiffusionVJP writes ay = Σ_k b_k ∂g_k/∂y and accumulates
// ap += Σ_k b_k ∂g_k/∂θ (sde.Differentiable), where k runs over the entries
// of g in Diffusion's layout; ap may be nil.
func (s *System) DiffusionVJP(t float64, y, b, ay, ap []float64) {
	n := s.Model.Dim
	if s.Model.Noise == nil {
		clear(ay[:n])
		return
	}
	s.load(t, y)
	if !s.sym {
		s.mach.Run(progG)
		s.mach.Reverse(progG, b, ay, ap)
		return
	}
	s.mach.LoadState(n, b[:len(s.Model.Noise)])
	if ap == nil {
		s.mach.Run(progGVJP)
		s.mach.CopyRoots(progGVJP, 0, ay[:n])
		return
	}
	s.mach.Run(progGVJPP)
	s.mach.CopyRoots(progGVJPP, 0, ay[:n])
	s.mach.AddRoots(progGVJPP, n, ap[:s.Model.NumDeclared])
}

// DiffusionDerivative writes dg[i] = ∂g_i/∂y_i (sde.DiffusionDerivative).
// It is defined for diagonal noise only and panics for the other kinds.
func (s *System) DiffusionDerivative(t float64, y, dg []float64) {
	if s.Model.Noise == nil {
		clear(dg[:s.Model.Dim])
		return
	}
	if s.Model.NoiseKind != dsl.NoiseDiagonal {
		panic("eval: DiffusionDerivative of " + s.Model.NoiseKind.String() + " noise: it is defined for diagonal noise only")
	}
	s.load(t, y)
	if s.sym {
		s.mach.Run(progDDiag)
		s.mach.Roots(progDDiag, dg[:s.Model.Dim])
		return
	}
	s.mach.Run(progG)
	for i := range dg[:s.Model.Dim] {
		s.unit[i] = 1
		s.mach.Reverse(progG, s.unit, s.row, nil)
		s.unit[i] = 0
		dg[i] = s.row[i]
	}
}

// NumOutputs returns the number of output columns.
func (s *System) NumOutputs() int { return s.nout }

// OutputNames returns the output column names.
func (s *System) OutputNames() []string {
	var c []string
	for _, o := range s.Model.Outputs {
		c = append(c, o.Columns()...)
	}
	return c
}

// Outputs writes the model's outputs at (t, y) into out.
func (s *System) Outputs(t float64, y, out []float64) {
	if s.nout == 0 {
		return
	}
	s.load(t, y)
	s.mach.Run(progOut)
	s.mach.Roots(progOut, out)
}

// InitialState returns the declared initial state.
func (s *System) InitialState() []float64 { return s.Model.InitialState() }

// SetParam sets declared parameter name (or component name[i]) to v.
func (s *System) SetParam(name string, v float64) error {
	base, idx, err := splitIndex(name)
	if err != nil {
		return err
	}
	for _, p := range s.Model.Params {
		if p.Name != base {
			continue
		}
		if idx < 0 {
			for i := 0; i < p.Size; i++ {
				s.params[p.Offset+i] = v
			}
			return nil
		}
		if idx >= p.Size {
			return fmt.Errorf("%w: %s has %d components", ErrUnknownName, base, p.Size)
		}
		s.params[p.Offset+idx] = v
		return nil
	}
	return fmt.Errorf("%w: no parameter %s", ErrUnknownName, base)
}

// SetInitial sets the component(s) of y0 that belong to state name (or
// name[i]).
func (s *System) SetInitial(y0 []float64, name string, v float64) error {
	base, idx, err := splitIndex(name)
	if err != nil {
		return err
	}
	for _, st := range s.Model.States {
		if st.Name != base {
			continue
		}
		if idx < 0 {
			for i := 0; i < st.Size; i++ {
				y0[st.Offset+i] = v
			}
			return nil
		}
		if idx >= st.Size {
			return fmt.Errorf("%w: %s has %d components", ErrUnknownName, base, st.Size)
		}
		y0[st.Offset+idx] = v
		return nil
	}
	return fmt.Errorf("%w: no state %s", ErrUnknownName, base)
}

func splitIndex(name string) (string, int, error) {
	i := strings.IndexByte(name, '[')
	if i < 0 {
		return name, -1, nil
	}
	if !strings.HasSuffix(name, "]") {
		return "", 0, fmt.Errorf("%w: malformed name %q", ErrUnknownName, name)
	}
	k, err := strconv.Atoi(name[i+1 : len(name)-1])
	if err != nil || k < 0 {
		return "", 0, fmt.Errorf("%w: malformed index in %q", ErrUnknownName, name)
	}
	return name[:i], k, nil
}

// Hamiltonian returns the energy H(t, y) of a Hamiltonian model; it
// panics for a model without a hamiltonian.
func (s *System) Hamiltonian(t float64, y []float64) float64 {
	if s.Model.Hamiltonian == nil {
		panic("eval: Hamiltonian of model " + s.Model.Name + ", which has no hamiltonian")
	}
	s.load(t, y)
	s.mach.Run(progHam)
	return s.mach.Root(progHam, 0)
}

// Separable is a System whose Hamiltonian is H = T(p) + V(q), with the
// split form that symplectic integrators need.
type Separable struct {
	*System
	half int
}

// AsSeparable returns the separable view of s, or nil when the model is
// not a separable Hamiltonian system.
func (s *System) AsSeparable() *Separable {
	if h := s.Model.Hamiltonian; h == nil || !h.Separable {
		return nil
	}
	return &Separable{System: s, half: s.Model.Dim / 2}
}

// Velocity writes q' = ∂H/∂p at momenta p into dq.
func (s *Separable) Velocity(p, dq []float64) {
	s.mach.LoadParams(s.params)
	s.mach.LoadState(s.half, p[:s.half])
	s.mach.Run(progVel)
	s.mach.Roots(progVel, dq)
}

// Force writes p' = −∂H/∂q at (t, q) into dp.
func (s *Separable) Force(t float64, q, dp []float64) {
	s.mach.LoadParams(s.params)
	s.mach.LoadState(0, q[:s.half])
	s.mach.SetTime(t)
	s.mach.Run(progForce)
	s.mach.Roots(progForce, dp)
}
