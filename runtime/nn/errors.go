package nn

import "errors"

// Sentinel errors. Functions wrap them with fmt.Errorf("%w: …") so callers
// can test with errors.Is and still read what went wrong.
var (
	// ErrUnknownActivation is returned by ParseActivation for a name it
	// does not know.
	ErrUnknownActivation = errors.New("nn: unknown activation")
	// ErrCorrupt is returned when a parameter file is not a valid
	// safetensors file of float64 tensors.
	ErrCorrupt = errors.New("nn: corrupt parameter file")
	// ErrVersion is returned when a parameter file carries a format
	// version this package does not read.
	ErrVersion = errors.New("nn: unsupported parameter file version")
	// ErrMismatch is returned when a parameter file does not match the
	// model it is loaded into (names, shapes or count differ).
	ErrMismatch = errors.New("nn: parameter file does not match model")
	// ErrBadConfig is returned for invalid hyper-parameters (negative
	// learning rate, dropout probability outside [0, 1), …).
	ErrBadConfig = errors.New("nn: invalid configuration")
)
