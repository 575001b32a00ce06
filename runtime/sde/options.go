package sde

// Defaults of adaptive solves.
const (
	DefaultRTol     = 1e-3
	DefaultATol     = 1e-6
	DefaultMaxSteps = 1 << 20
)

// Options configure a solve. A nil *Options means Euler–Maruyama with
// Dt = (t_end − t_0)/1000.
type Options struct {
	// Method names the integrator (see Methods); empty means "euler".
	Method string
	// Dt is the step of fixed-step solves and the first step of adaptive
	// ones. Zero means (t_end − t_0)/1000 (fixed) or /100 (adaptive).
	Dt float64
	// Adaptive turns on error control: each step is compared with two half
	// steps on the same Brownian path (step doubling), and the step size
	// follows the estimate. It needs a BrownianTree (or no path at all).
	Adaptive bool
	// RTol and ATol are the tolerances of adaptive solves (zero: defaults).
	RTol, ATol float64
	// DtMin bounds adaptive steps from below (zero: 1e-12·|interval|).
	// On a BrownianTree the bound is at least twice the tree's tolerance,
	// the resolution below which the tree is no longer a Brownian path, so
	// a tolerance that would need smaller steps fails with
	// ErrStepSizeTooSmall instead of succeeding on a smoothed path.
	DtMin float64
	// MaxSteps bounds the number of attempted steps; zero means
	// DefaultMaxSteps, negative means no limit.
	MaxSteps int
	// Seed selects the Brownian path when Solve is given none (a
	// BrownianTree is then built on the save interval).
	Seed uint64
	// KeepPaths makes SolvePaths return every path, not only statistics.
	KeepPaths bool
	// Workers bounds the goroutines of SolvePaths (zero: GOMAXPROCS).
	// Results do not depend on it.
	Workers int
}

func (o *Options) orDefault() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Method == "" {
		r.Method = MethodEuler
	}
	if r.RTol == 0 {
		r.RTol = DefaultRTol
	}
	if r.ATol == 0 {
		r.ATol = DefaultATol
	}
	if r.MaxSteps == 0 {
		r.MaxSteps = DefaultMaxSteps
	}
	return r
}
