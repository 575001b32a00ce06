package adjoint

import (
	"fmt"

	"github.com/nodekit/nodekit/runtime/ode"
)

// Method selects how gradients are computed.
type Method int

const (
	// Backsolve is the continuous adjoint solved backwards together with
	// the state (Chen et al. 2018).
	Backsolve Method = iota
	// Checkpoint is the interpolating adjoint: z(t) on the way back comes
	// from forward re-solves of checkpointed segments.
	Checkpoint
	// Discrete backpropagates through the explicit Runge–Kutta steps.
	Discrete
)

// String returns the method's flag name.
func (m Method) String() string {
	switch m {
	case Backsolve:
		return "backsolve"
	case Checkpoint:
		return "checkpoint"
	case Discrete:
		return "discrete"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method named s ("backsolve", "checkpoint",
// "discrete").
func ParseMethod(s string) (Method, error) {
	for _, m := range []Method{Backsolve, Checkpoint, Discrete} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w %q (want backsolve, checkpoint or discrete)", ErrMethod, s)
}

// Options configure a gradient computation. A nil *Options means
// Backsolve with the ode defaults (dopri5, rtol 1e-7, atol 1e-9) for both
// solves.
type Options struct {
	Method Method

	// Solver configures the forward solve (nil: ode defaults). Dense,
	// SaveSteps and Events are managed by the adjoint and ignored.
	Solver *ode.Options
	// AdjointSolver configures the backward solve; nil means Solver's
	// method, tolerances and limits. ATolVec must then be nil or match
	// the adjoint state's dimension. Unused by Discrete.
	AdjointSolver *ode.Options

	// SemiNorm restricts the backward solve's error control to the state
	// and its adjoint (torchdiffeq's norm="seminorm"): the parameter and
	// time gradients are integrated but never shrink the step.
	SemiNorm bool

	// Checkpoints selects how the Checkpoint method gets z(t) on the way
	// back. 0 (the default): the forward solve keeps its dense output and
	// nothing is recomputed; memory grows with the number of forward
	// steps (Julia's InterpolatingAdjoint without checkpointing). k > 0:
	// the forward pass stores only the states at the observation times
	// and at k evenly spaced checkpoints, and each segment is re-solved
	// with dense output on the way back; memory is one segment's steps.
	Checkpoints int

	// TimeGradient asks for Result.DT, ∂L/∂tᵢ. It costs one extra
	// right-hand side per observation time and, for systems that are
	// neither ode.Autonomous nor ode.TimeDerivative, two more per adjoint
	// evaluation (central differences in t). Not available with Discrete.
	TimeGradient bool
}

// Stats counts the work of one gradient.
type Stats struct {
	// Forward is the forward solve.
	Forward ode.Stats
	// Backward is the backward pass: the adjoint solves, and for
	// Checkpoint also the forward re-solves of the segments; for
	// Discrete, NFE counts the replayed stages (none when the stages the
	// forward solve evaluated could be reused, the usual case).
	Backward ode.Stats
	// NVJP counts vector–Jacobian products.
	NVJP int
	// Checkpoints is the number of stored states (Checkpoint: grid
	// points, or the forward steps whose dense output is kept when
	// Options.Checkpoints is 0; Discrete: accepted steps plus one).
	Checkpoints int
}

// Result holds a loss and its gradients.
type Result struct {
	Loss    float64
	DParams []float64 // ∂L/∂θ, len(sys.Params())
	DY0     []float64 // ∂L/∂y₀, sys.Dim()
	DT      []float64 // ∂L/∂tᵢ, len(ts); nil unless Options.TimeGradient
	Stats   Stats
}

// LossFunc returns the loss term Lᵢ at observation i (state y = y(tᵢ))
// and writes ∂Lᵢ/∂y into g, which is zero on entry. It must not retain y
// or g.
type LossFunc func(i int, y, g []float64) float64

// FuncVJPer is implemented by systems that evaluate f and its
// vector–Jacobian products in one pass: dy = f(t, y), ay = aᵀ∂f/∂y and
// ap += aᵀ∂f/∂θ (ap may be nil).
type FuncVJPer interface {
	FuncVJP(t float64, y, a, dy, ay, ap []float64)
}

// StageVJPer is implemented by systems that can keep the intermediate
// values of several evaluations at once (a neural network's activations).
// The discrete adjoint's forward solve makes its c-th evaluation with
// FuncSlot(c, …) (slots count from 0 in every gradient, up to the number
// of evaluations), and the backward pass calls VJPSlot(c, …) for the
// stages of the accepted steps, possibly more than once per slot, so each
// VJP reuses its stage's forward pass instead of repeating it. VJPSlot
// computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ (ap may be nil) at
// the point of the last FuncSlot call with the same slot.
type StageVJPer interface {
	FuncSlot(slot int, t float64, y, dy []float64)
	VJPSlot(slot int, a, ay, ap []float64)
}
