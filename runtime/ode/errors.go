package ode

import (
	"errors"
	"fmt"
)

// Sentinel errors. A failed solve returns a *SolveError that wraps one of
// them; test with errors.Is.
var (
	ErrStepSizeTooSmall = errors.New("ode: step size too small")
	ErrNonFinite        = errors.New("ode: state became NaN or Inf")
	ErrMaxSteps         = errors.New("ode: maximum number of steps exceeded")
	ErrSingular         = errors.New("ode: singular iteration matrix")
	ErrNoConvergence    = errors.New("ode: Newton iteration failed to converge")
)

// SolveError reports where a solve failed.
type SolveError struct {
	Method string
	T, H   float64 // time reached and the step size being tried
	Err    error
}

func (e *SolveError) Error() string {
	return fmt.Sprintf("%s (method %s, t=%.17g, h=%.3g)", e.Err, e.Method, e.T, e.H)
}

func (e *SolveError) Unwrap() error { return e.Err }
