package train

import "errors"

// Sentinel errors.
var (
	ErrConfig     = errors.New("train: invalid configuration")
	ErrData       = errors.New("train: invalid data")
	ErrCheckpoint = errors.New("train: invalid checkpoint")
	// ErrOptimizerState is returned when a checkpoint is requested with an
	// optimiser that cannot save its state (not a StatefulOptimizer).
	ErrOptimizerState = errors.New("train: the optimiser cannot save its state")
)
