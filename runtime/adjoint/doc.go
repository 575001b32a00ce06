// Package adjoint computes gradients of losses on ODE solutions with
// respect to the parameters θ of the vector field, the initial state and
// the observation times.
//
// A loss L = Σᵢ Lᵢ(y(tᵢ)) is given by its observation times ts and a
// LossFunc that returns Lᵢ and writes ∂Lᵢ/∂y(tᵢ). The system must be an
// ode.Differentiable: it exposes its parameters and vector–Jacobian
// products aᵀ∂f/∂y and aᵀ∂f/∂θ.
//
// # Methods
//
// Backsolve is the continuous adjoint of Chen et al. (2018, Algorithm 1):
// after a forward solve that keeps only the states at ts, the augmented
// state [z, a, ∂L/∂θ, ∂L/∂t] is integrated backwards from t_N to t₀ with
// the same solvers,
//
//	dz/dt = f(t, z),  da/dt = −aᵀ∂f/∂z,  d(∂L/∂θ)/dt = −aᵀ∂f/∂θ,  d(∂L/∂t)/dt = −aᵀ∂f/∂t,
//
// and the adjoint a jumps by ∂L/∂y(tᵢ) at every observation time. As in
// torchdiffeq, z is reset to the forward solution at each observation
// time. Memory does not depend on the number of steps. The backward
// solve of z can drift from the forward trajectory for chaotic or stiff
// systems.
//
// Checkpoint is the interpolating adjoint: it integrates [a, ∂L/∂θ,
// ∂L/∂t] backwards with z(t) interpolated from a forward solution, so z
// on the way back is the forward trajectory. By default
// (Options.Checkpoints = 0) that is the forward solve's own dense output,
// kept for the whole solve: nothing is recomputed and memory grows with
// the number of forward steps. With Options.Checkpoints = k > 0 the
// forward pass stores the state at the observation times and at k extra,
// evenly spaced times, and the backward pass re-solves each segment
// forwards with dense output: memory is the checkpoints plus one
// segment's steps.
//
// Discrete differentiates through the solver's own steps (backpropagation
// through the solver): the forward pass solves with
// Options.Solver.SaveSteps (in one solve, observations inside a step
// taken from dopri5's or tsit5's dense output; one solve per observation
// interval for other methods) and keeps every evaluation of f it makes;
// the backward pass finds each accepted step's Runge–Kutta stages among
// them (replaying a step only if they cannot be found) and reverses them
// with the system's VJP. A StageVJPer system keeps each evaluation's
// intermediate values in its own slot, so a stage's VJP repeats nothing
// of its forward pass. The step sizes are treated as constants, so the
// result is the exact gradient of the discretised solution. It needs an
// explicit Runge–Kutta method (ode.Tableau) and keeps every evaluation:
// memory grows with the number of steps.
//
// # Reuse
//
// A Workspace holds the solvers and buffers of one system and one set of
// options; its Gradient allocates nothing once buffers have grown (the
// checkpointed method allocates a few bytes per dense-output evaluation
// inside runtime/ode):
//
//	ws, err := adjoint.NewWorkspace(sys, &adjoint.Options{Method: adjoint.Backsolve})
//	var res adjoint.Result
//	err = ws.Gradient(y0, ts, loss, &res) // res.Loss, res.DParams, res.DY0, res.DT
//
// The backward passes solve one observation interval at a time, each
// starting with a step size learnt from the previous interval (not
// Hairer's initial-step heuristic, which starts small every time).
//
// Systems that can evaluate f and its VJP in one pass (a neural network
// shares the forward activations) implement FuncVJPer; the backsolve
// adjoint then calls it once per right-hand side.
//
// A gradient that cannot be computed — a failed forward or backward solve,
// or a non-finite result — is returned as an error wrapping ErrForward,
// ErrBackward or ErrNonFinite, never as NaN values.
package adjoint
