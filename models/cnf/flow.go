package cnf

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Noise selects the distribution of the Hutchinson probe ε.
type Noise int

const (
	// Rademacher draws each component of ε from {−1, +1}: the estimator
	// with the least variance among those with E[εεᵀ] = I.
	Rademacher Noise = iota
	// Gaussian draws ε ~ N(0, I).
	Gaussian
)

// Config describes a flow. The zero value of every field selects its
// default.
type Config struct {
	Dim    int           // data dimension; 0 means 2
	Hidden []int         // hidden widths; nil means {64, 64, 64}
	Act    nn.Activation // hidden activation; Identity (the zero value) means Tanh
	T      float64       // integration time; 0 means 1
	Trace  TraceMode     // Hutchinson (default) or Exact
	Noise  Noise         // Rademacher (default) or Gaussian
	Seed   uint64        // seeds the weights and the probes

	// Method, RTol and ATol configure the solves (both directions);
	// empty and zeros mean dopri5 with rtol = atol = 1e-5, FFJORD's
	// setting for its toy problems.
	Method     string
	RTol, ATol float64
	// Adjoint selects how NLL computes gradients; the zero value is the
	// backsolve adjoint.
	Adjoint adjoint.Method
	// MaxSteps bounds each solve; 0 means the ode default.
	MaxSteps int
}

// Flow is a continuous normalizing flow (FFJORD, Grathwohl et al. 2019):
// data x = z(0) is carried by dz/dt = f(z, t; θ) to z(T), whose density is
// the standard normal, and
//
//	log p(x) = log N(z(T); 0, I) + ∫₀ᵀ tr(∂f/∂z)(z(t), t) dt.
//
// The network f has a TimeInput before each Dense layer (FFJORD's
// "concat" layers): [z, t] → Dense → act → [h, t] → Dense → act → … →
// [h, t] → Dense → D.
//
// A Flow keeps one Field, solver and adjoint workspace per batch size
// and trace mode it has seen, so repeated calls allocate nothing once
// warm. It is not safe for concurrent use.
type Flow struct {
	// Trace is the trace mode of LogProb and NLL; it may be changed
	// between calls.
	Trace TraceMode

	cfg     Config
	net     *nn.Sequential
	rng     *rand.Rand
	solOpts ode.Options
	ts      []float64
	tsBack  []float64
	cache   map[key]*batchState
	zcache  map[int]*sampler
	stats   adjoint.Stats
}

type key struct {
	mode TraceMode
	n    int
}

type batchState struct {
	field *Field
	sol   *ode.Solver
	ws    *adjoint.Workspace
	y0    []float64
	out   ode.Solution
	res   adjoint.Result
	loss  adjoint.LossFunc
}

type sampler struct {
	sol *ode.Solver
	out ode.Solution
}

// New returns a flow with freshly initialised weights (Glorot uniform,
// zero biases, seeded by cfg.Seed).
func New(cfg Config) (*Flow, error) {
	if cfg.Dim == 0 {
		cfg.Dim = 2
	}
	if cfg.Hidden == nil {
		cfg.Hidden = []int{64, 64, 64}
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
		cfg.ATol = 1e-5
	}
	switch {
	case cfg.Dim < 1:
		return nil, fmt.Errorf("%w: Dim %d < 1", ErrConfig, cfg.Dim)
	case !(cfg.T > 0) || math.IsInf(cfg.T, 0):
		return nil, fmt.Errorf("%w: T = %v must be positive and finite", ErrConfig, cfg.T)
	case cfg.Trace != Hutchinson && cfg.Trace != Exact:
		return nil, fmt.Errorf("%w: unknown trace mode %d", ErrConfig, int(cfg.Trace))
	case cfg.Noise != Rademacher && cfg.Noise != Gaussian:
		return nil, fmt.Errorf("%w: unknown noise %d", ErrConfig, int(cfg.Noise))
	case cfg.RTol < 0 || cfg.ATol < 0:
		return nil, fmt.Errorf("%w: negative tolerance", ErrConfig)
	}
	for _, h := range cfg.Hidden {
		if h < 1 {
			return nil, fmt.Errorf("%w: hidden width %d < 1", ErrConfig, h)
		}
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	rng := nn.NewRNG(cfg.Seed)
	var layers []nn.Layer
	in := cfg.Dim
	widths := append(append([]int(nil), cfg.Hidden...), cfg.Dim)
	for i, w := range widths {
		layers = append(layers, nn.NewTimeInput(in, 1))
		dense := nn.NewDense(in+1, w, nil)
		nn.GlorotUniform(dense.W, in+1, w, rng)
		layers = append(layers, dense)
		if i+1 < len(widths) {
			layers = append(layers, nn.NewAct(cfg.Act, w))
		}
		in = w
	}
	f := &Flow{
		Trace:   cfg.Trace,
		cfg:     cfg,
		net:     nn.NewSequential(layers...),
		rng:     nn.NewRNG(cfg.Seed ^ 0x9e3779b97f4a7c15),
		solOpts: ode.Options{Method: cfg.Method, RTol: cfg.RTol, ATol: cfg.ATol, MaxSteps: cfg.MaxSteps},
		ts:      []float64{0, cfg.T},
		tsBack:  []float64{cfg.T, 0},
		cache:   map[key]*batchState{},
		zcache:  map[int]*sampler{},
	}
	if _, err := ode.NewSolver(&zField{net: f.net, d: cfg.Dim, b: 1}, &f.solOpts); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if _, err := adjoint.NewWorkspace(NewField(f.net, 1, Hutchinson), f.adjointOptions()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return f, nil
}

func (f *Flow) adjointOptions() *adjoint.Options {
	o := f.solOpts
	return &adjoint.Options{Method: f.cfg.Adjoint, Solver: &o}
}

// Config returns the configuration with defaults filled in.
func (f *Flow) Config() Config { return f.cfg }

// Net returns the network f(z, t) (its Params alias the flow's).
func (f *Flow) Net() *nn.Sequential { return f.net }

// Params returns the trainable parameters, aliasing the network.
func (f *Flow) Params() []float64 { return f.net.Params() }

// Dim returns the data dimension.
func (f *Flow) Dim() int { return f.cfg.Dim }

func (f *Flow) state(n int) (*batchState, error) {
	k := key{f.Trace, n}
	if s, ok := f.cache[k]; ok {
		return s, nil
	}
	fld := NewField(f.net, n, f.Trace)
	sol, err := ode.NewSolver(fld, &f.solOpts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	ws, err := adjoint.NewWorkspace(fld, f.adjointOptions())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s := &batchState{field: fld, sol: sol, ws: ws, y0: make([]float64, fld.Dim())}
	d := f.cfg.Dim
	inv := 1 / float64(n)
	s.loss = func(i int, y, g []float64) float64 {
		if i == 0 {
			return 0
		}
		l := 0.0
		for r := range n {
			z := y[r*d : (r+1)*d]
			l -= logNormal(z) - y[n*d+r]
			for j, v := range z {
				g[r*d+j] = v * inv
			}
			g[n*d+r] = inv
		}
		return l * inv
	}
	f.cache[k] = s
	return s, nil
}

func (f *Flow) check(x []float64, n int) error {
	if n < 1 {
		return fmt.Errorf("%w: %d samples", ErrShape, n)
	}
	if len(x) < n*f.cfg.Dim {
		return fmt.Errorf("%w: %d values for %d samples of dimension %d", ErrShape, len(x), n, f.cfg.Dim)
	}
	for i, v := range x[:n*f.cfg.Dim] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: value %d is %v", ErrShape, i, v)
		}
	}
	return nil
}

// DrawProbe fills eps with a fresh probe from the flow's generator.
func (f *Flow) DrawProbe(eps []float64) {
	if f.cfg.Noise == Gaussian {
		for i := range eps {
			eps[i] = f.rng.NormFloat64()
		}
		return
	}
	for i := range eps {
		if f.rng.Uint64()&1 == 0 {
			eps[i] = -1
		} else {
			eps[i] = 1
		}
	}
}

// prepare loads x into the batch state's initial condition and draws a
// probe.
func (f *Flow) prepare(x []float64, n int) (*batchState, error) {
	if err := f.check(x, n); err != nil {
		return nil, err
	}
	s, err := f.state(n)
	if err != nil {
		return nil, err
	}
	m := n * f.cfg.Dim
	copy(s.y0, x[:m])
	clear(s.y0[m:])
	if eps := s.field.Probe(); eps != nil {
		f.DrawProbe(eps)
	}
	return s, nil
}

const halfLog2Pi = 0.91893853320467274178 // log(2π)/2

// logNormal returns log N(z; 0, I).
func logNormal(z []float64) float64 {
	s := 0.0
	for _, v := range z {
		s += v * v
	}
	return -0.5*s - float64(len(z))*halfLog2Pi
}

// LogProb writes log p(x_r) for the n samples of x (sample-major, n·Dim
// values) into dst[:n]. In Hutchinson mode every call draws new probes,
// so the values are unbiased estimates; in Exact mode they are the
// log-density of the flow up to the solver's tolerance.
func (f *Flow) LogProb(x []float64, n int, dst []float64) error {
	if len(dst) < n {
		panic(fmt.Sprintf("cnf: LogProb: dst has %d values for %d samples", len(dst), n))
	}
	s, err := f.prepare(x, n)
	if err != nil {
		return err
	}
	if err := s.sol.Solve(s.y0, f.ts, &s.out); err != nil {
		return fmt.Errorf("%w: %w", ErrSolve, err)
	}
	d := f.cfg.Dim
	y := s.out.Y[1]
	for r := range n {
		dst[r] = logNormal(y[r*d:(r+1)*d]) - y[n*d+r]
	}
	return nil
}

// NLL returns the negative mean log-likelihood −(1/n) Σ_r log p(x_r) of
// the n samples of x and writes its gradient with respect to Params into
// grad (overwritten), computed through the solve with the configured
// adjoint method. In Hutchinson mode one probe per sample is drawn for
// the call and used by the forward and the backward solve alike.
func (f *Flow) NLL(x []float64, n int, grad []float64) (float64, error) {
	if len(grad) != len(f.net.Params()) {
		panic(fmt.Sprintf("cnf: NLL: grad has %d values, want %d", len(grad), len(f.net.Params())))
	}
	s, err := f.prepare(x, n)
	if err != nil {
		return 0, err
	}
	if err := s.ws.Gradient(s.y0, f.ts, s.loss, &s.res); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrSolve, err)
	}
	copy(grad, s.res.DParams)
	f.stats = s.res.Stats
	return s.res.Loss, nil
}

// Stats returns the work of the last successful NLL: the forward and
// backward solves' evaluations and steps.
func (f *Flow) Stats() adjoint.Stats { return f.stats }

// Sample maps n base points z (sample-major, drawn by the caller from
// N(0, I)) to data space by integrating the flow backwards from T to 0,
// writing the results into dst (n·Dim values). z and dst may be the same
// slice.
func (f *Flow) Sample(z []float64, n int, dst []float64) error {
	if err := f.check(z, n); err != nil {
		return err
	}
	m := n * f.cfg.Dim
	if len(dst) < m {
		panic(fmt.Sprintf("cnf: Sample: dst has %d values for %d samples", len(dst), n))
	}
	s, ok := f.zcache[n]
	if !ok {
		sol, err := ode.NewSolver(&zField{net: f.net, d: f.cfg.Dim, b: n}, &f.solOpts)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		s = &sampler{sol: sol}
		f.zcache[n] = s
	}
	if err := s.sol.Solve(z[:m], f.tsBack, &s.out); err != nil {
		return fmt.Errorf("%w: %w", ErrSolve, err)
	}
	copy(dst[:m], s.out.Y[1])
	return nil
}

// SampleNormal draws n points from N(0, I) with rng into dst and maps
// them through Sample.
func (f *Flow) SampleNormal(rng *rand.Rand, n int, dst []float64) error {
	m := n * f.cfg.Dim
	if len(dst) < m {
		panic(fmt.Sprintf("cnf: SampleNormal: dst has %d values for %d samples", len(dst), n))
	}
	for i := range dst[:m] {
		dst[i] = rng.NormFloat64()
	}
	return f.Sample(dst, n, dst)
}
