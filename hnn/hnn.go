package hnn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Errors.
var (
	ErrData    = errors.New("hnn: malformed training data")
	ErrOptions = errors.New("hnn: invalid training options")
	ErrDiverge = errors.New("hnn: training diverged")
)

// Model is a Hamiltonian neural network over Dof degrees of freedom: the
// state is x = (q, p) of length 2·Dof and the net maps x to the scalar
// H_θ(x). It is not safe for concurrent use (the net keeps workspaces).
type Model struct {
	Net *nn.MLP
	Dof int

	one, gx []float64 // batch of ones (gy and gdy of the scalar output), ∇H
	w, gx2  []float64
	y       []float64
}

var (
	_ ode.System         = (*Model)(nil)
	_ ode.Differentiable = (*Model)(nil)
)

// New returns a Hamiltonian neural network for dof degrees of freedom
// with the given hidden widths and activation, weights drawn from
// nn.NewRNG(0) (Glorot uniform, zero biases). The activation must be
// twice differentiable for the gradient to be meaningful (tanh, softplus,
// sigmoid, sin, gelu, …; not relu).
func New(dof int, hidden []int, act nn.Activation) *Model {
	return NewWithRNG(dof, hidden, act, nn.NewRNG(0))
}

// NewWithRNG is New with the weights drawn from rng.
func NewWithRNG(dof int, hidden []int, act nn.Activation, rng *rand.Rand) *Model {
	if dof <= 0 {
		panic(fmt.Sprintf("hnn: %d degrees of freedom", dof))
	}
	sizes := append(append([]int{2 * dof}, hidden...), 1)
	return &Model{Net: nn.NewMLP(sizes, act, rng), Dof: dof}
}

// Dim returns the state dimension 2·Dof.
func (m *Model) Dim() int { return 2 * m.Dof }

// Params returns the net's weights (aliasing them).
func (m *Model) Params() []float64 { return m.Net.Params() }

func (m *Model) grow(batch int) {
	n := 2 * m.Dof
	if len(m.one) < batch {
		m.one = make([]float64, batch)
		for i := range m.one {
			m.one[i] = 1
		}
		m.y = make([]float64, batch)
		m.gx = make([]float64, batch*n)
		m.w = make([]float64, batch*n)
		m.gx2 = make([]float64, batch*n)
	}
}

// Energy returns the learned Hamiltonian H_θ(x) at x = (q, p).
func (m *Model) Energy(x []float64) float64 {
	m.grow(1)
	m.Net.Forward(x[:2*m.Dof], m.y[:1], 1)
	return m.y[0]
}

// Gradient writes ∇H_θ(x) = (∂H/∂q, ∂H/∂p) into g.
func (m *Model) Gradient(x, g []float64) {
	m.grow(1)
	m.Net.VJP(x[:2*m.Dof], m.one[:1], g[:2*m.Dof], nil, 1)
}

// Func writes Hamilton's equations of H_θ, (∂H/∂p, −∂H/∂q), into dy.
func (m *Model) Func(_ float64, y, dy []float64) {
	n := m.Dof
	m.grow(1)
	g := m.gx[:2*n]
	m.Net.VJP(y[:2*n], m.one[:1], g, nil, 1)
	symplectic(g, dy[:2*n], n)
}

// symplectic writes J·g = (g_p, −g_q) into f (f must not alias g).
func symplectic(g, f []float64, n int) {
	for i := 0; i < n; i++ {
		f[i] = g[n+i]
		f[n+i] = -g[i]
	}
}

// transpose writes Jᵀ·a = (−a_p, a_q) into w.
func transpose(a, w []float64, n int) {
	for i := 0; i < n; i++ {
		w[i] = -a[n+i]
		w[n+i] = a[i]
	}
}

// VJP computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ for the field
// f = J∇H_θ: with w = Jᵀa, aᵀf = (∇H_θ)·w, whose gradient is one
// second-order product of the net.
func (m *Model) VJP(_ float64, y, a, ay, ap []float64) {
	n := m.Dof
	m.grow(1)
	w := m.w[:2*n]
	transpose(a, w, n)
	m.Net.VJPJVP(y[:2*n], w, nil, m.one[:1], ay[:2*n], nil, ap, 1)
}

// Loss returns the mean squared field error (1/N) Σ_r ‖J∇H_θ(x_r) − ẋ_r‖²
// over the N = len(x)/Dim() samples of x (row after row) with their time
// derivatives dx, and accumulates its gradient with respect to θ into grad
// (nil skips it).
func (m *Model) Loss(x, dx, grad []float64) float64 {
	d := 2 * m.Dof
	if len(x)%d != 0 || len(dx) != len(x) {
		panic(fmt.Sprintf("hnn: Loss with %d values of x and %d of dx for dimension %d", len(x), len(dx), d))
	}
	b := len(x) / d
	if b == 0 {
		return 0
	}
	m.grow(b)
	g := m.gx[:b*d]
	m.Net.VJP(x, m.one[:b], g, nil, b)
	loss := 0.0
	w := m.w[:b*d]
	scale := 2 / float64(b)
	for r := 0; r < b; r++ {
		gr, dr, wr := g[r*d:(r+1)*d], dx[r*d:(r+1)*d], w[r*d:(r+1)*d]
		for i := 0; i < m.Dof; i++ {
			eq := gr[m.Dof+i] - dr[i]  // q' error
			ep := -gr[i] - dr[m.Dof+i] // p' error
			loss += eq*eq + ep*ep
			// w = Jᵀ ∂L/∂f: ∂L/∂f = scale·(eq, ep).
			wr[i] = -scale * ep
			wr[m.Dof+i] = scale * eq
		}
	}
	if grad != nil {
		m.Net.VJPJVP(x, w, nil, m.one[:b], m.gx2[:b*d], nil, grad, b)
	}
	return loss / float64(b)
}

// Rollout integrates the learned dynamics from y0 and returns the states
// at ts (ode.Solve with opts; nil means dopri5 at its default tolerances).
func (m *Model) Rollout(y0, ts []float64, opts *ode.Options) (*ode.Solution, error) {
	return ode.Solve(m, y0, ts, opts)
}

// Baseline is the unconstrained neural ODE ẋ = f_θ(x), an MLP from the
// state to its time derivative, trained like Model for comparison.
type Baseline struct {
	Net *nn.MLP
	Dof int

	f, gf []float64
}

var (
	_ ode.System         = (*Baseline)(nil)
	_ ode.Differentiable = (*Baseline)(nil)
)

// NewBaseline returns a neural ODE for dof degrees of freedom with the
// given hidden widths, weights drawn from nn.NewRNG(0).
func NewBaseline(dof int, hidden []int, act nn.Activation) *Baseline {
	return NewBaselineWithRNG(dof, hidden, act, nn.NewRNG(0))
}

// NewBaselineWithRNG is NewBaseline with the weights drawn from rng.
func NewBaselineWithRNG(dof int, hidden []int, act nn.Activation, rng *rand.Rand) *Baseline {
	if dof <= 0 {
		panic(fmt.Sprintf("hnn: %d degrees of freedom", dof))
	}
	sizes := append(append([]int{2 * dof}, hidden...), 2*dof)
	return &Baseline{Net: nn.NewMLP(sizes, act, rng), Dof: dof}
}

// Dim returns the state dimension 2·Dof.
func (b *Baseline) Dim() int { return 2 * b.Dof }

// Params returns the net's weights (aliasing them).
func (b *Baseline) Params() []float64 { return b.Net.Params() }

// Func writes f_θ(y) into dy.
func (b *Baseline) Func(_ float64, y, dy []float64) {
	b.Net.Forward(y[:2*b.Dof], dy[:2*b.Dof], 1)
}

// VJP computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ.
func (b *Baseline) VJP(_ float64, y, a, ay, ap []float64) {
	b.Net.VJP(y[:2*b.Dof], a[:2*b.Dof], ay[:2*b.Dof], ap, 1)
}

// Loss returns (1/N) Σ_r ‖f_θ(x_r) − ẋ_r‖² and accumulates its gradient
// into grad (nil skips it), as Model.Loss.
func (b *Baseline) Loss(x, dx, grad []float64) float64 {
	d := 2 * b.Dof
	if len(x)%d != 0 || len(dx) != len(x) {
		panic(fmt.Sprintf("hnn: Loss with %d values of x and %d of dx for dimension %d", len(x), len(dx), d))
	}
	n := len(x) / d
	if n == 0 {
		return 0
	}
	if len(b.f) < len(x) {
		b.f = make([]float64, len(x))
		b.gf = make([]float64, len(x))
	}
	f, gf := b.f[:len(x)], b.gf[:len(x)]
	b.Net.Forward(x, f, n)
	loss := 0.0
	scale := 2 / float64(n)
	for i := range f {
		e := f[i] - dx[i]
		loss += e * e
		gf[i] = scale * e
	}
	if grad != nil {
		b.Net.Backward(gf, nil, grad)
	}
	return loss / float64(n)
}

// Learner is what Train fits: a Model or a Baseline.
type Learner interface {
	Dim() int
	Params() []float64
	Loss(x, dx, grad []float64) float64
}

// TrainOptions configure Train. A nil *TrainOptions means the defaults.
type TrainOptions struct {
	Epochs    int          // passes over the data; default 100
	BatchSize int          // samples per step; default 64 (all when fewer)
	Optimizer nn.Optimizer // default nn.NewAdam(1e-3)
	// Schedule, when non-nil, sets the learning rate before each epoch.
	Schedule func(epoch int) float64
	Seed     uint64 // shuffling
}

// Train fits l to the samples x (rows of length Dim()) with time
// derivatives dx by minibatch gradient descent on l.Loss and returns the
// final loss over all the data. Bad data or options return an error; a
// loss that becomes NaN or infinite returns ErrDiverge.
func Train(l Learner, x, dx []float64, o *TrainOptions) (float64, error) {
	d := l.Dim()
	if len(x) == 0 || len(x)%d != 0 || len(dx) != len(x) {
		return 0, fmt.Errorf("%w: %d values of x, %d of dx, dimension %d", ErrData, len(x), len(dx), d)
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(dx[i]) || math.IsInf(dx[i], 0) {
			return 0, fmt.Errorf("%w: non-finite value in sample %d", ErrData, i/d)
		}
	}
	var opt TrainOptions
	if o != nil {
		opt = *o
	}
	if opt.Epochs < 0 || opt.BatchSize < 0 {
		return 0, fmt.Errorf("%w: %d epochs, batch size %d", ErrOptions, opt.Epochs, opt.BatchSize)
	}
	if opt.Epochs == 0 {
		opt.Epochs = 100
	}
	if opt.BatchSize == 0 {
		opt.BatchSize = 64
	}
	if opt.Optimizer == nil {
		opt.Optimizer = nn.NewAdam(1e-3)
	}
	n := len(x) / d
	bs := min(opt.BatchSize, n)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	rng := nn.NewRNG(opt.Seed)
	bx, bdx := make([]float64, bs*d), make([]float64, bs*d)
	theta := l.Params()
	grad := make([]float64, len(theta))
	for ep := 0; ep < opt.Epochs; ep++ {
		if opt.Schedule != nil {
			opt.Optimizer.SetLearningRate(opt.Schedule(ep))
		}
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for lo := 0; lo+bs <= n; lo += bs {
			for k := 0; k < bs; k++ {
				r := perm[lo+k]
				copy(bx[k*d:(k+1)*d], x[r*d:(r+1)*d])
				copy(bdx[k*d:(k+1)*d], dx[r*d:(r+1)*d])
			}
			clear(grad)
			loss := l.Loss(bx, bdx, grad)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return loss, fmt.Errorf("%w: loss %v in epoch %d", ErrDiverge, loss, ep)
			}
			opt.Optimizer.Step(theta, grad)
		}
	}
	loss := l.Loss(x, dx, nil)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("%w: final loss %v", ErrDiverge, loss)
	}
	return loss, nil
}

// Train is Train(m, x, dx, o).
func (m *Model) Train(x, dx []float64, o *TrainOptions) (float64, error) { return Train(m, x, dx, o) }

// Train is Train(b, x, dx, o).
func (b *Baseline) Train(x, dx []float64, o *TrainOptions) (float64, error) {
	return Train(b, x, dx, o)
}
