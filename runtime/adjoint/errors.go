package adjoint

import "errors"

// Sentinel errors; the errors returned wrap them (test with errors.Is),
// together with the solver's *ode.SolveError where a solve failed.
var (
	ErrForward      = errors.New("adjoint: forward solve failed")
	ErrBackward     = errors.New("adjoint: backward (adjoint) solve failed")
	ErrNonFinite    = errors.New("adjoint: gradient is NaN or Inf")
	ErrMethod       = errors.New("adjoint: unsupported method")
	ErrTimeGradient = errors.New("adjoint: time gradients are not available for the discrete adjoint")
)
