package sindy

import "errors"

// Sentinel errors. Functions wrap them with details; test with errors.Is.
var (
	ErrNoData        = errors.New("sindy: no data")
	ErrShape         = errors.New("sindy: inconsistent data shape")
	ErrTime          = errors.New("sindy: time not strictly increasing")
	ErrNonFinite     = errors.New("sindy: NaN or Inf in data")
	ErrTooFewSamples = errors.New("sindy: too few samples")
	ErrNonUniform    = errors.New("sindy: time grid is not uniform")
	ErrSettings      = errors.New("sindy: invalid settings")
	ErrSingular      = errors.New("sindy: singular least-squares problem")
	ErrInfeasible    = errors.New("sindy: constraints cannot be satisfied")
	ErrName          = errors.New("sindy: invalid variable name")
	ErrDiverged      = errors.New("sindy: simulation diverged")
)
