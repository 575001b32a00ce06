package adjoint

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/ode"
)

// Workspace computes gradients for one system with one set of options.
// It owns the solvers and every buffer, so repeated calls to Gradient
// allocate nothing once the buffers have grown to the largest problem
// seen. A Workspace is not safe for concurrent use.
type Workspace struct {
	sys   ode.Differentiable
	fv    FuncVJPer
	sv    StageVJPer
	opts  Options
	n, np int

	fwd  *ode.Solver
	fsol ode.Solution
	g    [][]float64 // ∂Lᵢ/∂y(tᵢ)
	f0   []float64   // scratch for f
	td   *timeDeriv  // nil unless TimeGradient

	bs *backsolveState
	cp *checkpointState
	dc *discreteState
}

// NewWorkspace validates opts for sys and prepares the solvers. A nil opts
// means Backsolve with the ode defaults.
func NewWorkspace(sys ode.Differentiable, opts *Options) (*Workspace, error) {
	w := &Workspace{sys: sys}
	if opts != nil {
		w.opts = *opts
	}
	w.n = sys.Dim()
	w.np = len(sys.Params())
	if w.n <= 0 {
		return nil, fmt.Errorf("adjoint: system dimension %d, need at least 1", w.n)
	}
	w.fv, _ = sys.(FuncVJPer)
	w.sv, _ = sys.(StageVJPer)
	if w.opts.Checkpoints < 0 {
		return nil, fmt.Errorf("adjoint: Checkpoints = %d must not be negative", w.opts.Checkpoints)
	}
	var fo ode.Options
	if w.opts.Solver != nil {
		fo = *w.opts.Solver
	}
	fo.Dense, fo.SaveSteps, fo.Events = false, false, nil
	w.f0 = make([]float64, w.n)
	if w.opts.TimeGradient {
		w.td = newTimeDeriv(sys)
	}
	var err error
	switch w.opts.Method {
	case Backsolve:
		w.bs, err = newBacksolve(w, fo)
	case Checkpoint:
		w.cp, err = newCheckpoint(w, fo)
	case Discrete:
		if w.opts.TimeGradient {
			return nil, ErrTimeGradient
		}
		w.dc, err = newDiscrete(w, &fo)
	default:
		return nil, fmt.Errorf("%w: %v", ErrMethod, w.opts.Method)
	}
	if err != nil {
		return nil, err
	}
	var fsys ode.System = sys
	if w.dc != nil {
		fsys = w.dc.rec
	}
	if w.fwd, err = ode.NewSolver(fsys, &fo); err != nil {
		return nil, err
	}
	return w, nil
}

// adjointOptions returns the backward solver's options for an adjoint
// state whose first normDims components carry the error control under
// SemiNorm.
func (w *Workspace) adjointOptions(fo ode.Options, normDims int) *ode.Options {
	var a ode.Options
	if w.opts.AdjointSolver != nil {
		a = *w.opts.AdjointSolver
	} else {
		a = fo
		a.ATolVec = nil
		a.NormDims = 0
		a.FirstStep = 0
	}
	a.Dense, a.SaveSteps, a.Events = false, false, nil
	if w.opts.SemiNorm {
		a.NormDims = normDims
	}
	return &a
}

// Gradient computes the loss Σᵢ loss(i, y(tᵢ)) of the solution from y0
// observed at ts (strictly monotonic, at least two times) and its
// gradients, into res (whose slices are reused).
func (w *Workspace) Gradient(y0, ts []float64, loss LossFunc, res *Result) error {
	if len(y0) != w.n {
		return fmt.Errorf("adjoint: len(y0) = %d, want the dimension %d", len(y0), w.n)
	}
	if len(ts) < 2 {
		return fmt.Errorf("adjoint: need at least two observation times, got %d", len(ts))
	}
	res.Loss = 0
	res.Stats = Stats{}
	res.DParams = resize(res.DParams, w.np)
	res.DY0 = resize(res.DY0, w.n)
	if w.opts.TimeGradient {
		res.DT = resize(res.DT, len(ts))
	} else {
		res.DT = nil
	}
	w.g = grow(w.g, len(ts), w.n)
	var err error
	switch {
	case w.bs != nil:
		err = w.backsolve(y0, ts, loss, res)
	case w.cp != nil:
		err = w.checkpoint(y0, ts, loss, res)
	default:
		err = w.discrete(y0, ts, loss, res)
	}
	if err != nil {
		return err
	}
	if !finite(res.DParams) || !finite(res.DY0) || !finite(res.DT) || math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return ErrNonFinite
	}
	return nil
}

// Gradient is a one-shot convenience around NewWorkspace and
// Workspace.Gradient.
func Gradient(sys ode.Differentiable, y0, ts []float64, loss LossFunc, opts *Options) (*Result, error) {
	w, err := NewWorkspace(sys, opts)
	if err != nil {
		return nil, err
	}
	res := new(Result)
	if err := w.Gradient(y0, ts, loss, res); err != nil {
		return nil, err
	}
	return res, nil
}

// losses evaluates every loss term on the states ys[idx(i)]. A term or
// gradient that is NaN or Inf is an error before any backward work: it
// would otherwise reach the backward solve as a non-finite initial value.
func (w *Workspace) losses(nobs int, state func(i int) []float64, loss LossFunc, res *Result) error {
	for i := 0; i < nobs; i++ {
		g := w.g[i]
		clear(g)
		l := loss(i, state(i), g)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("%w: loss term %d is %g", ErrNonFinite, i, l)
		}
		if !finite(g) {
			return fmt.Errorf("%w: gradient of loss term %d is not finite", ErrNonFinite, i)
		}
		res.Loss += l
	}
	return nil
}

// timeJump returns ∂L/∂tᵢ = gᵢᵀ f(tᵢ, yᵢ) for an observation after t₀.
func (w *Workspace) timeJump(t float64, y, g []float64, st *ode.Stats) float64 {
	w.sys.Func(t, y, w.f0)
	st.NFE++
	return dot(g, w.f0)
}

// timeDeriv evaluates aᵀ∂f/∂t: zero for autonomous systems, exactly for
// ode.TimeDerivative systems, by central differences otherwise.
type timeDeriv struct {
	sys    ode.System
	td     ode.TimeDerivative
	auto   bool
	f1, f2 []float64
}

func newTimeDeriv(sys ode.System) *timeDeriv {
	d := &timeDeriv{sys: sys}
	if a, ok := sys.(ode.Autonomous); ok && a.Autonomous() {
		d.auto = true
		return d
	}
	d.td, _ = sys.(ode.TimeDerivative)
	n := sys.Dim()
	d.f1 = make([]float64, n)
	d.f2 = make([]float64, n)
	return d
}

func (d *timeDeriv) dot(t float64, z, a []float64) float64 {
	if d.auto {
		return 0
	}
	if d.td != nil {
		d.td.DfDt(t, z, d.f1)
		return dot(a, d.f1)
	}
	h := 6e-6 * math.Max(1, math.Abs(t))
	d.sys.Func(t+h, z, d.f1)
	d.sys.Func(t-h, z, d.f2)
	s := 0.0
	for i, v := range a {
		s += v * (d.f1[i] - d.f2[i])
	}
	return s / (2 * h)
}

func addStats(dst *ode.Stats, s ode.Stats) {
	dst.NFE += s.NFE
	dst.NJac += s.NJac
	dst.NLU += s.NLU
	dst.Accepted += s.Accepted
	dst.Rejected += s.Rejected
	dst.NSwitch += s.NSwitch
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func resize(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func grow(buf [][]float64, n, m int) [][]float64 {
	if cap(buf) < n {
		nb := make([][]float64, n)
		copy(nb, buf[:cap(buf)])
		buf = nb
	}
	buf = buf[:n]
	for i := range buf {
		if cap(buf[i]) < m {
			buf[i] = make([]float64, m)
		}
		buf[i] = buf[i][:m]
	}
	return buf
}
