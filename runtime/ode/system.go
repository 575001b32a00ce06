package ode

// System is a first-order ODE dy/dt = f(t, y).
//
// Func writes f(t, y) into dy. It must not retain y or dy and must not
// allocate: solvers call it in their innermost loop.
type System interface {
	Dim() int
	Func(t float64, y, dy []float64)
}

// Jacobian is implemented by systems that can evaluate ∂f/∂y exactly.
// Stiff solvers use it when present and finite differences otherwise.
type Jacobian interface {
	// Jac writes ∂f/∂y at (t, y) into J, row-major Dim×Dim:
	// J[i*n+j] = ∂f_i/∂y_j.
	Jac(t float64, y []float64, J []float64)
}

// Differentiable is a system whose parameters can be trained: it exposes a
// flat, mutable view of its parameters and vector–Jacobian products, the
// building block of every adjoint method.
type Differentiable interface {
	System
	// Params returns the trainable parameters θ as a flat slice that aliases
	// the system's storage: writing to it changes the system.
	Params() []float64
	// VJP computes ay = aᵀ ∂f/∂y and accumulates ap += aᵀ ∂f/∂θ at (t, y).
	// ay has length Dim, ap has length len(Params()). ap may be nil when
	// the parameter gradient is not needed.
	VJP(t float64, y, a, ay, ap []float64)
}

// TimeDerivative is implemented by non-autonomous systems that can evaluate
// ∂f/∂t exactly; Rosenbrock methods use it (finite differences otherwise).
type TimeDerivative interface {
	DfDt(t float64, y []float64, dfdt []float64)
}

// Autonomous is implemented by systems whose f does not depend on t; solvers
// may then skip ∂f/∂t.
type Autonomous interface {
	Autonomous() bool
}

// Separable describes a separable second-order or Hamiltonian system with
// state y = (q, p), each half of length Dim()/2:
//
//	q' = Velocity(p)      (∂T/∂p; for q'' = a(q) this is the identity)
//	p' = Force(t, q)      (−∂V/∂q)
//
// Symplectic integrators (leapfrog, Yoshida) require it. A Separable system
// is also an ordinary System: Func must return (Velocity(p), Force(t, q)).
type Separable interface {
	System
	Velocity(p, dq []float64)
	Force(t float64, q, dp []float64)
}

// Func adapts plain functions to System (and to Jacobian when J is set).
type Func struct {
	N int
	F func(t float64, y, dy []float64)
	// J, optional, writes ∂f/∂y row-major. When nil, solvers that need a
	// Jacobian use finite differences.
	J func(t float64, y []float64, J []float64)
}

// Dim returns the state dimension.
func (f *Func) Dim() int { return f.N }

// Func evaluates the right-hand side.
func (f *Func) Func(t float64, y, dy []float64) { f.F(t, y, dy) }

// JacobianOf returns sys's exact Jacobian evaluator, or nil if it has none.
func JacobianOf(sys System) func(t float64, y []float64, J []float64) {
	if f, ok := sys.(*Func); ok {
		return f.J
	}
	if j, ok := sys.(Jacobian); ok {
		return j.Jac
	}
	return nil
}
