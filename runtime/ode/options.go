package ode

import "math"

// Default tolerances, as torchdiffeq's odeint.
const (
	DefaultRTol     = 1e-7
	DefaultATol     = 1e-9
	DefaultMaxSteps = 100000
)

// Options configure a solve. A nil *Options means the defaults: dopri5,
// rtol 1e-7, atol 1e-9, at most 100000 steps.
type Options struct {
	// Method names the integrator: see Methods for the list. Empty means
	// "dopri5".
	Method string

	// RTol and ATol are the relative and absolute tolerances of adaptive
	// methods; zero means the default. ATolVec, when set, gives one absolute
	// tolerance per component and overrides ATol.
	RTol, ATol float64
	ATolVec    []float64

	// FirstStep is the initial step size; zero selects it automatically
	// (Hairer's algorithm). MinStep and MaxStep bound |h|; zero means no
	// bound (MaxStep defaults to |t1 − t0|). MinStep is a floor: a smaller
	// step proposed by the controller (or the initial-step heuristic) is
	// raised to it, and a step of MinStep that fails the error test ends
	// the solve with ErrStepSizeTooSmall. Only the last step, clipped to
	// land on t1, may be shorter.
	FirstStep, MinStep, MaxStep float64

	// MaxSteps bounds the number of attempted steps; zero means
	// DefaultMaxSteps, a negative value means no limit.
	MaxSteps int

	// StepSize is the step of fixed-step methods (euler, midpoint, heun,
	// rk4, rk38, leapfrog, yoshida4). It is required for them.
	StepSize float64

	// SaveSteps also records the state after every accepted step, in
	// Solution.StepT and Solution.StepY.
	SaveSteps bool

	// Dense keeps the dense output of every step so Solution.Eval can
	// interpolate anywhere in the integration interval.
	Dense bool

	// Events are functions whose zero crossings are located on the dense
	// output; a terminal event stops the solve.
	Events []Event

	// NormDims, when positive, restricts error control to the first
	// NormDims components (at most the dimension) (torchdiffeq's "seminorm"): the rest are
	// integrated but never shrink the step. Adjoint methods use it to
	// exclude parameter-gradient components.
	NormDims int
}

// Event is a scalar function g(t, y) whose zero crossings a solve locates.
type Event struct {
	Func func(t float64, y []float64) float64
	// Direction selects crossings: +1 only rising (g goes from − to + as
	// t increases, also when the solve runs backwards), −1 only falling,
	// 0 both. A g exactly 0 where the solve starts is not a crossing.
	Direction int
	// Terminal stops the solve at the first crossing.
	Terminal bool
}

// resolved holds the options with defaults applied.
type resolved struct {
	Options
	atol     []float64 // length n
	zeroATol bool      // some atol[i] is 0: error weights can be 0
	rtol     float64
	maxSteps int
	normDims int
}

func (o *Options) resolve(n int) resolved {
	var r resolved
	if o != nil {
		r.Options = *o
	}
	if r.Method == "" {
		r.Method = "dopri5"
	}
	r.rtol = r.RTol
	if r.rtol == 0 {
		r.rtol = DefaultRTol
	}
	r.atol = make([]float64, n)
	if r.ATolVec != nil {
		copy(r.atol, r.ATolVec)
	} else {
		a := r.ATol
		if a == 0 {
			a = DefaultATol
		}
		for i := range r.atol {
			r.atol[i] = a
		}
	}
	for _, a := range r.atol {
		if a == 0 {
			r.zeroATol = true
		}
	}
	switch {
	case r.MaxSteps == 0:
		r.maxSteps = DefaultMaxSteps
	case r.MaxSteps < 0:
		r.maxSteps = math.MaxInt
	default:
		r.maxSteps = r.MaxSteps
	}
	r.normDims = n
	if r.NormDims > 0 && r.NormDims < n {
		r.normDims = r.NormDims
	}
	return r
}
