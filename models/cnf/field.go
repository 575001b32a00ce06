package cnf

import (
	"fmt"

	"github.com/nodekit/nodekit/runtime/nn"
)

// TraceMode selects how the divergence tr(∂f/∂z) is computed.
type TraceMode int

const (
	// Hutchinson estimates tr(∂f/∂z) by εᵀ(∂f/∂z)ε with one probe ε per
	// sample, held fixed for a whole solve (FFJORD): one forward-mode
	// pass per evaluation, for any dimension. The log-density is then an
	// unbiased estimate.
	Hutchinson TraceMode = iota
	// Exact sums the Jacobian diagonal with one forward-mode pass per
	// dimension: Σₖ eₖᵀ(∂f/∂z)eₖ. Meant for low dimensions (2-D toys)
	// and for checking the Hutchinson path.
	Exact
)

// String returns "hutchinson" or "exact".
func (m TraceMode) String() string {
	switch m {
	case Hutchinson:
		return "hutchinson"
	case Exact:
		return "exact"
	}
	return fmt.Sprintf("TraceMode(%d)", int(m))
}

// Field is the augmented dynamics of a continuous normalizing flow for a
// batch of samples,
//
//	dz/dt = f(z, t; θ),   dΔ/dt = −tr(∂f/∂z),
//
// with state y = [z₁ … z_B, Δ₁ … Δ_B] (Batch·D values of z, sample-major,
// then Batch values of Δ). f is a network of D inputs and D outputs whose
// TimeInput layers receive t (Sequential.SetTime). Field implements
// ode.Differentiable and adjoint.FuncVJPer; its VJP includes the
// gradient of the trace term, through nn's forward-over-reverse
// derivatives (Sequential.BackwardJVP). It is not safe for concurrent
// use and shares the network's workspace.
type Field struct {
	net   *nn.Sequential
	d, b  int
	mode  TraceMode
	eps   []float64   // Hutchinson probe, b×d
	basis [][]float64 // exact: d probes eₖ repeated over the batch
	jv    []float64
	gdy   []float64
	gz    []float64
	fbuf  []float64
}

// NewField returns the augmented dynamics of net for batch samples. It
// panics if net is not square or not differentiable in forward mode
// (every layer a DualLayer) or if batch < 1.
func NewField(net *nn.Sequential, batch int, mode TraceMode) *Field {
	if net.InSize() != net.OutSize() {
		panic(fmt.Sprintf("cnf: NewField: the network maps %d values to %d; a flow needs equal sizes", net.InSize(), net.OutSize()))
	}
	if !net.IsDual() {
		panic("cnf: NewField: every layer of the network must be an nn.DualLayer")
	}
	if batch < 1 {
		panic(fmt.Sprintf("cnf: NewField: batch %d < 1", batch))
	}
	if mode != Hutchinson && mode != Exact {
		panic(fmt.Sprintf("cnf: NewField: unknown trace mode %d", int(mode)))
	}
	d := net.InSize()
	n := batch * d
	f := &Field{net: net, d: d, b: batch, mode: mode,
		jv: make([]float64, n), gdy: make([]float64, n), gz: make([]float64, n), fbuf: make([]float64, n)}
	if mode == Hutchinson {
		f.eps = make([]float64, n)
	} else {
		f.basis = make([][]float64, d)
		for k := range d {
			e := make([]float64, n)
			for r := range batch {
				e[r*d+k] = 1
			}
			f.basis[k] = e
		}
	}
	return f
}

// Dim returns Batch·(D+1).
func (f *Field) Dim() int { return f.b * (f.d + 1) }

// Batch returns the number of samples.
func (f *Field) Batch() int { return f.b }

// Mode returns the trace mode.
func (f *Field) Mode() TraceMode { return f.mode }

// Params aliases the network's parameters.
func (f *Field) Params() []float64 { return f.net.Params() }

// Probe returns the Hutchinson probe ε (Batch·D values, sample-major) for
// the caller to fill before a solve; it must not change during a solve
// or between a forward solve and its adjoint. It is nil in Exact mode.
func (f *Field) Probe() []float64 { return f.eps }

// Func writes [f(z, t), −tr] into dy.
func (f *Field) Func(t float64, y, dy []float64) { f.eval(t, y, nil, dy, nil, nil) }

// VJP computes ay = aᵀ∂F/∂y and accumulates ap += aᵀ∂F/∂θ for the
// augmented right-hand side F = [f, −tr].
func (f *Field) VJP(t float64, y, a, ay, ap []float64) { f.eval(t, y, a, nil, ay, ap) }

// FuncVJP does Func and VJP with one forward pass per probe.
func (f *Field) FuncVJP(t float64, y, a, dy, ay, ap []float64) { f.eval(t, y, a, dy, ay, ap) }

func (f *Field) eval(t float64, y, a, dy, ay, ap []float64) {
	d, b := f.d, f.b
	n := b * d
	z := y[:n]
	f.net.SetTime(t)
	var out, dl []float64
	if dy != nil {
		out, dl = dy[:n], dy[n:n+b]
	}
	if f.mode == Hutchinson {
		f.net.JVP(z, f.eps, out, f.jv, b)
		if dl != nil {
			for r := range b {
				s := 0.0
				for j := r * d; j < (r+1)*d; j++ {
					s += f.eps[j] * f.jv[j]
				}
				dl[r] = -s
			}
		}
		if a == nil {
			return
		}
		al := a[n : n+b]
		for r := range b {
			g := -al[r]
			for j := r * d; j < (r+1)*d; j++ {
				f.gdy[j] = g * f.eps[j]
			}
		}
		f.net.BackwardJVP(a[:n], f.gdy, ay[:n], nil, ap)
		clear(ay[n : n+b])
		return
	}
	// Exact: one forward-mode pass per coordinate direction.
	if a != nil {
		clear(f.gdy)
	}
	for k := range d {
		o := out
		if k > 0 {
			o = nil
		}
		f.net.JVP(z, f.basis[k], o, f.jv, b)
		if dl != nil {
			for r := range b {
				if k == 0 {
					dl[r] = -f.jv[r*d]
				} else {
					dl[r] -= f.jv[r*d+k]
				}
			}
		}
		if a == nil {
			continue
		}
		al := a[n : n+b]
		for r := range b {
			f.gdy[r*d+k] = -al[r]
		}
		if k == 0 {
			f.net.BackwardJVP(a[:n], f.gdy, ay[:n], nil, ap)
		} else {
			f.net.BackwardJVP(nil, f.gdy, f.gz, nil, ap)
			for i, v := range f.gz {
				ay[i] += v
			}
		}
		for r := range b {
			f.gdy[r*d+k] = 0
		}
	}
	if a != nil {
		clear(ay[n : n+b])
	}
}

// zField is the plain flow dz/dt = f(z, t) for a batch, used for sampling.
type zField struct {
	net  *nn.Sequential
	d, b int
}

func (f *zField) Dim() int { return f.b * f.d }
func (f *zField) Func(t float64, y, dy []float64) {
	f.net.SetTime(t)
	f.net.Forward(y, dy, f.b)
}
