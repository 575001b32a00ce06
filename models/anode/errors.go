package anode

import "errors"

// Sentinel errors; returned errors wrap them (test with errors.Is).
var (
	ErrConfig = errors.New("anode: invalid configuration")
	ErrShape  = errors.New("anode: data has the wrong length")
	ErrSolve  = errors.New("anode: solve failed")
)
