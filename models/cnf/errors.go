package cnf

import "errors"

// Sentinel errors; returned errors wrap them (test with errors.Is).
var (
	ErrConfig     = errors.New("cnf: invalid configuration")
	ErrShape      = errors.New("cnf: data has the wrong length")
	ErrUnknownToy = errors.New("cnf: unknown toy data set")
	ErrSolve      = errors.New("cnf: solve failed")
)
