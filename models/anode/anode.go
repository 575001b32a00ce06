package anode

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
	"github.com/nodekit/nodekit/runtime/train"
)

// Config describes a model. The zero value of every field but InDim
// selects its default.
type Config struct {
	InDim   int           // data dimension d (required)
	Augment int           // augmented dimensions p; 0 is a plain neural ODE
	OutDim  int           // read-out outputs; 0 means 1
	Hidden  []int         // hidden widths of the vector field; nil means {16}
	Act     nn.Activation // hidden activation; Identity (the zero value) means Tanh
	T       float64       // integration time; 0 means 1
	Seed    uint64        // seeds the weights

	// Method, RTol and ATol configure the solves; empty and zeros mean
	// dopri5 with rtol 1e-5 and atol 1e-6.
	Method     string
	RTol, ATol float64
	// Adjoint selects how gradients are computed (default backsolve).
	Adjoint adjoint.Method
	// MaxSteps bounds each solve; 0 means the ode default.
	MaxSteps int
}

// Loss maps the read-out outputs of a batch (n·OutDim values,
// sample-major) to a scalar loss and writes its gradient with respect to
// the outputs into gout (overwritten).
type Loss func(out, gout []float64) float64

// Model is an augmented neural ODE (Dupont, Doucet and Teh 2019): an
// input x ∈ ℝᵈ is lifted to h(0) = [x, 0] ∈ ℝᵈ⁺ᵖ, carried by the
// autonomous flow dh/dt = f(h; θ) to h(T), and read out linearly,
// y = W h(T) + b. With p = 0 it is a plain neural ODE, whose flow, a
// homeomorphism of ℝᵈ, cannot change the order of points on a line (in
// 1-D) or un-nest nested sets; the p extra dimensions give the flow room
// to move trajectories around each other.
//
// Params is one slice holding the vector field's parameters followed by
// the read-out's (W row-major, then b); gradients use the same layout.
// A Model keeps one solver and adjoint workspace per batch size, so
// repeated calls allocate nothing once warm. It is not safe for
// concurrent use.
type Model struct {
	cfg     Config
	dim     int // d + p
	params  []float64
	nNet    int
	net     *nn.Sequential
	readout *nn.Dense
	field   *train.NeuralField
	solOpts ode.Options
	ts      []float64
	cache   map[int]*batchState
	loss    Loss // the loss of the current LossGrad call
	gRead   []float64
}

type batchState struct {
	n    int
	sys  ode.Differentiable
	sol  *ode.Solver
	ws   *adjoint.Workspace
	y0   []float64
	out  []float64
	gout []float64
	fn   adjoint.LossFunc
	sv   ode.Solution
	res  adjoint.Result
}

// New returns a model with Glorot-uniform weights and zero biases.
func New(cfg Config) (*Model, error) {
	if cfg.OutDim == 0 {
		cfg.OutDim = 1
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []int{16}
	}
	if cfg.Act == nn.Identity {
		cfg.Act = nn.Tanh
	}
	if cfg.T == 0 {
		cfg.T = 1
	}
	if cfg.Method == "" {
		cfg.Method = "dopri5"
	}
	if cfg.RTol == 0 {
		cfg.RTol = 1e-5
	}
	if cfg.ATol == 0 {
		cfg.ATol = 1e-6
	}
	switch {
	case cfg.InDim < 1:
		return nil, fmt.Errorf("%w: InDim %d < 1", ErrConfig, cfg.InDim)
	case cfg.Augment < 0:
		return nil, fmt.Errorf("%w: Augment %d < 0", ErrConfig, cfg.Augment)
	case cfg.OutDim < 1:
		return nil, fmt.Errorf("%w: OutDim %d < 1", ErrConfig, cfg.OutDim)
	case !(cfg.T > 0) || math.IsInf(cfg.T, 0):
		return nil, fmt.Errorf("%w: T = %v must be positive and finite", ErrConfig, cfg.T)
	case cfg.RTol < 0 || cfg.ATol < 0:
		return nil, fmt.Errorf("%w: negative tolerance", ErrConfig)
	}
	for _, h := range cfg.Hidden {
		if h < 1 {
			return nil, fmt.Errorf("%w: hidden width %d < 1", ErrConfig, h)
		}
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	dim := cfg.InDim + cfg.Augment
	rng := nn.NewRNG(cfg.Seed)
	sizes := append(append([]int{dim}, cfg.Hidden...), dim)
	net := nn.NewMLP(sizes, cfg.Act, rng).Sequential
	readout := nn.NewDense(dim, cfg.OutDim, rng)
	nNet := len(net.Params())
	params := make([]float64, nNet+len(readout.Params()))
	copy(params, net.Params())
	copy(params[nNet:], readout.Params())
	net.SetParams(params[:nNet:nNet])
	readout.SetParams(params[nNet:])
	m := &Model{
		cfg: cfg, dim: dim, params: params, nNet: nNet, net: net, readout: readout,
		field:   train.NewNeuralField(net, nil),
		solOpts: ode.Options{Method: cfg.Method, RTol: cfg.RTol, ATol: cfg.ATol, MaxSteps: cfg.MaxSteps},
		ts:      []float64{0, cfg.T},
		cache:   map[int]*batchState{},
		gRead:   make([]float64, len(readout.Params())),
	}
	if _, err := m.state(1); err != nil {
		return nil, err
	}
	return m, nil
}

// Config returns the configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// Params returns all trainable parameters: the vector field's, then the
// read-out's. Writing to it changes the model.
func (m *Model) Params() []float64 { return m.params }

// Net returns the vector field's network (its Params alias the model's).
func (m *Model) Net() *nn.Sequential { return m.net }

// StateDim returns d + p.
func (m *Model) StateDim() int { return m.dim }

func (m *Model) state(n int) (*batchState, error) {
	if s, ok := m.cache[n]; ok {
		return s, nil
	}
	sys := m.field.System(n)
	sol, err := ode.NewSolver(sys, &m.solOpts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	so := m.solOpts
	ws, err := adjoint.NewWorkspace(sys, &adjoint.Options{Method: m.cfg.Adjoint, Solver: &so})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s := &batchState{n: n, sys: sys, sol: sol, ws: ws,
		y0: make([]float64, n*m.dim), out: make([]float64, n*m.cfg.OutDim), gout: make([]float64, n*m.cfg.OutDim)}
	s.fn = func(i int, y, g []float64) float64 {
		if i == 0 {
			return 0
		}
		m.readout.Forward(y, s.out, n)
		l := m.loss(s.out, s.gout)
		m.readout.VJP(y, s.out, s.gout, g, m.gRead, n)
		return l
	}
	m.cache[n] = s
	return s, nil
}

func (m *Model) prepare(x []float64, n int) (*batchState, error) {
	d := m.cfg.InDim
	if n < 1 {
		return nil, fmt.Errorf("%w: %d samples", ErrShape, n)
	}
	if len(x) < n*d {
		return nil, fmt.Errorf("%w: %d values for %d samples of dimension %d", ErrShape, len(x), n, d)
	}
	for i, v := range x[:n*d] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: value %d is %v", ErrShape, i, v)
		}
	}
	s, err := m.state(n)
	if err != nil {
		return nil, err
	}
	for r := range n {
		copy(s.y0[r*m.dim:r*m.dim+d], x[r*d:(r+1)*d])
		clear(s.y0[r*m.dim+d : (r+1)*m.dim])
	}
	return s, nil
}

// Flow writes h(T) for the n inputs of x (n·InDim values, sample-major)
// into h (n·StateDim values).
func (m *Model) Flow(x []float64, n int, h []float64) error {
	if len(h) < n*m.dim {
		panic(fmt.Sprintf("anode: Flow: h has %d values for %d states of size %d", len(h), n, m.dim))
	}
	s, err := m.prepare(x, n)
	if err != nil {
		return err
	}
	if err := s.sol.Solve(s.y0, m.ts, &s.sv); err != nil {
		return fmt.Errorf("%w: %w", ErrSolve, err)
	}
	copy(h[:n*m.dim], s.sv.Y[1])
	return nil
}

// Predict writes the read-out W h(T) + b for the n inputs of x into out
// (n·OutDim values).
func (m *Model) Predict(x []float64, n int, out []float64) error {
	if len(out) < n*m.cfg.OutDim {
		panic(fmt.Sprintf("anode: Predict: out has %d values for %d samples of %d outputs", len(out), n, m.cfg.OutDim))
	}
	s, err := m.prepare(x, n)
	if err != nil {
		return err
	}
	if err := s.sol.Solve(s.y0, m.ts, &s.sv); err != nil {
		return fmt.Errorf("%w: %w", ErrSolve, err)
	}
	m.readout.Forward(s.sv.Y[1], out[:n*m.cfg.OutDim], n)
	return nil
}

// LossGrad returns loss(read-out of the n inputs of x) and writes its
// gradient with respect to Params into grad (overwritten), through the
// solve with the configured adjoint method.
func (m *Model) LossGrad(x []float64, n int, loss Loss, grad []float64) (float64, error) {
	if len(grad) != len(m.params) {
		panic(fmt.Sprintf("anode: LossGrad: grad has %d values, want %d", len(grad), len(m.params)))
	}
	s, err := m.prepare(x, n)
	if err != nil {
		return 0, err
	}
	m.loss = loss
	clear(m.gRead)
	err = s.ws.Gradient(s.y0, m.ts, s.fn, &s.res)
	m.loss = nil
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrSolve, err)
	}
	copy(grad[:m.nNet], s.res.DParams)
	copy(grad[m.nNet:], m.gRead)
	return s.res.Loss, nil
}

// Logistic returns the mean logistic loss (1/n) Σ log(1 + exp(−y_r o_r))
// of one output per sample against labels y_r = ±1.
func Logistic(labels []float64) Loss {
	return func(out, gout []float64) float64 {
		n := len(labels)
		l := 0.0
		for r, y := range labels {
			m := -y * out[r]
			// log(1 + eᵐ) and its derivative σ(m), computed stably.
			if m > 0 {
				l += m + math.Log1p(math.Exp(-m))
			} else {
				l += math.Log1p(math.Exp(m))
			}
			gout[r] = -y / (1 + math.Exp(-m)) / float64(n)
		}
		return l / float64(n)
	}
}

// Accuracy returns the fraction of samples whose output has the sign of
// its label (labels ±1, one output per sample).
func Accuracy(out, labels []float64) float64 {
	c := 0
	for r, y := range labels {
		if out[r]*y > 0 {
			c++
		}
	}
	return float64(c) / float64(len(labels))
}
