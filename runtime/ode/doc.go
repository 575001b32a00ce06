// Package ode integrates ordinary differential equations dy/dt = f(t, y).
//
// # Systems
//
// A model is a value implementing System: its dimension and a right-hand
// side that writes f(t, y) into a caller-provided slice and allocates
// nothing. Optional interfaces add what some methods and gradient
// algorithms use:
//
//   - Jacobian: the exact ∂f/∂y (stiff solvers fall back to finite
//     differences without it);
//   - Differentiable: trainable parameters and vector–Jacobian products,
//     consumed by runtime/adjoint;
//   - Separable: q' = Velocity(p), p' = Force(t, q), for symplectic methods;
//   - BatchSystem and Cloner: many states per call, and per-goroutine copies
//     for SolveBatch.
//
// Func adapts plain Go functions to System.
//
// # Solving
//
// One entry point, in the spirit of torchdiffeq's odeint and diffrax's
// diffeqsolve:
//
//	sol, err := ode.Solve(sys, y0, ts, &ode.Options{Method: "dopri5", RTol: 1e-8, ATol: 1e-10})
//
// integrates from ts[0] to ts[len(ts)-1] (backwards when ts decreases) and
// returns the state at every time in ts, interpolated with each method's
// own dense output, plus statistics (f-evaluations, accepted and rejected
// steps, Jacobians, LU factorisations). A nil *Options means dopri5 with
// torchdiffeq's default tolerances (rtol 1e-7, atol 1e-9). To solve the
// same system repeatedly without allocating, keep a Solver:
//
//	s, _ := ode.NewSolver(sys, opts)
//	var sol ode.Solution
//	for ... { err = s.Solve(y0, ts, &sol) } // zero allocations once warm
//
// Options.Dense keeps every step's interpolant (Solution.Eval),
// Options.SaveSteps records every accepted step, Options.Events locates
// zero crossings of user functions on the dense output (with direction and
// terminal flags), and Options.NormDims restricts error control to leading
// components (torchdiffeq's seminorm).
//
// # Methods
//
// Methods lists them; the names are the ones torchdiffeq and diffrax users
// know:
//
//	fixed step (Options.StepSize):  euler, midpoint, heun, rk4, rk38, abm4
//	adaptive explicit:              bosh3, dopri5, tsit5, dop853
//	variable-order multistep:       adams
//	stiff:                          rodas4, rodas5p, radau5
//	switching:                      auto (explicit ⇄ stiff on detected stiffness)
//	symplectic (Separable systems): leapfrog, yoshida4
//
// Each explicit Runge–Kutta method is data (a Butcher tableau with its
// error weights and continuous extension, see Tableau) run by one engine;
// dopri5 reproduces Hairer's DOPRI5 step-size control, initial step
// selection and dense output.
//
// # Failure
//
// A solve that cannot proceed returns a *SolveError naming the method, t
// and h, wrapping ErrStepSizeTooSmall, ErrNonFinite, ErrMaxSteps,
// ErrSingular or ErrNoConvergence; it never hangs (MaxSteps bounds every
// solve) and never returns NaNs silently.
package ode
