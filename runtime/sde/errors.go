package sde

import (
	"errors"
	"fmt"
)

// Sentinel errors. A failed solve returns a *SolveError wrapping one of the
// first three; test with errors.Is.
var (
	ErrNonFinite        = errors.New("sde: state became NaN or Inf")
	ErrMaxSteps         = errors.New("sde: maximum number of steps exceeded")
	ErrStepSizeTooSmall = errors.New("sde: step size too small")

	ErrUnknownMethod = errors.New("sde: unknown method")
	ErrNoiseKind     = errors.New("sde: method does not support this noise kind")
	ErrNoStep        = errors.New("sde: fixed-step solve needs Options.Dt > 0")
	ErrNotAdaptive   = errors.New("sde: method has no adaptive mode")
	ErrTimes         = errors.New("sde: save times must be strictly increasing, at least two, and finite")
	ErrDim           = errors.New("sde: dimension mismatch")
	ErrPathSpan      = errors.New("sde: save times outside the Brownian path's span")
	ErrGridMismatch  = errors.New("sde: steps do not fall on the Brownian grid")
	ErrPaths         = errors.New("sde: number of paths must be positive")
	ErrNoLevy        = errors.New("sde: method needs a Brownian path with Lévy area")
	ErrReplica       = errors.New("sde: Replica returned no system or one of another shape")
	ErrTooLarge      = errors.New("sde: too many paths × save times × components to hold")
)

// SolveError reports where a solve failed.
type SolveError struct {
	Method string
	T, H   float64 // time reached and the step size being tried
	Path   int     // path index in SolvePaths, -1 for Solve
	Err    error
}

func (e *SolveError) Error() string {
	if e.Path >= 0 {
		return fmt.Sprintf("%s (method %s, path %d, t=%.17g, h=%.3g)", e.Err, e.Method, e.Path, e.T, e.H)
	}
	return fmt.Sprintf("%s (method %s, t=%.17g, h=%.3g)", e.Err, e.Method, e.T, e.H)
}

func (e *SolveError) Unwrap() error { return e.Err }
