package ode

// Stats counts the work a solve did.
type Stats struct {
	NFE      int // right-hand-side evaluations
	NJac     int // Jacobian evaluations (exact or by finite differences)
	NLU      int // LU factorisations
	Accepted int // accepted steps
	Rejected int // rejected steps (error test or Newton failure)
	// NSwitch counts switches between the explicit and the stiff method
	// (method "auto" only).
	NSwitch int
}

// Steps returns the number of attempted steps.
func (s Stats) Steps() int { return s.Accepted + s.Rejected }

// EventHit is one located zero crossing.
type EventHit struct {
	Index int       // index into Options.Events
	T     float64   // time of the crossing
	Y     []float64 // state at T
}

// Solution is the result of a solve.
type Solution struct {
	// T are the save times (the ts passed to Solve, possibly cut short by a
	// terminal event or, with the error returned, by a failure) and Y[i]
	// the state at T[i].
	T []float64
	Y [][]float64

	// StepT and StepY hold every accepted step when Options.SaveSteps is set.
	StepT []float64
	StepY [][]float64

	Events []EventHit
	// Terminated is true when a terminal event stopped the solve; TEnd is
	// then the event time, after a failure the time reached, otherwise the
	// last save time.
	Terminated bool
	TEnd       float64

	Stats Stats

	dense *denseStore
}
