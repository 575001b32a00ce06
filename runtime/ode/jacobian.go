package ode

import "math"

// jacobianEval evaluates ∂f/∂y and ∂f/∂t for the stiff solvers: exactly
// when the system provides them, by forward differences otherwise. It owns
// its scratch vectors, so evaluations allocate nothing.
type jacobianEval struct {
	n int
	// exactFn (from Func.J) or exactJ evaluate ∂f/∂y; tder evaluates
	// ∂f/∂t. Interfaces rather than method values, which would allocate
	// on every bind.
	exactFn    func(t float64, y []float64, J []float64)
	exactJ     Jacobian
	tder       TimeDerivative
	autonomous bool
	yw, fw     []float64
}

func newJacobianEval(n int) *jacobianEval {
	return &jacobianEval{n: n, yw: make([]float64, n), fw: make([]float64, n)}
}

// bind looks up what sys provides; it is called at the start of each solve.
func (je *jacobianEval) bind(sys System) {
	je.exactFn, je.exactJ, je.tder = nil, nil, nil
	if f, ok := sys.(*Func); ok {
		je.exactFn = f.J
	} else if j, ok := sys.(Jacobian); ok {
		je.exactJ = j
	}
	if d, ok := sys.(TimeDerivative); ok {
		je.tder = d
	}
	je.autonomous = false
	if a, ok := sys.(Autonomous); ok {
		je.autonomous = a.Autonomous()
	}
}

// jac writes ∂f/∂y at (t, y) into the row-major n×n J. f0 must hold f(t, y)
// (it is the base point of the differences). It counts one Jacobian
// evaluation in p.stats and, for differences, n function evaluations.
//
// The increment of column j is √(u·max(10⁻⁵, |y_j|)) (Hairer's RADAU5),
// rounded so that y_j + δ − y_j is exactly δ.
func (je *jacobianEval) jac(p *problem, t float64, y, f0, J []float64) {
	n := je.n
	p.stats.NJac++
	switch {
	case je.exactFn != nil:
		je.exactFn(t, y, J)
		return
	case je.exactJ != nil:
		je.exactJ.Jac(t, y, J)
		return
	}
	yw, fw := je.yw, je.fw
	copy(yw, y)
	for j := 0; j < n; j++ {
		yj := yw[j]
		d := math.Sqrt(uround * math.Max(1e-5, math.Abs(yj)))
		yw[j] = yj + d
		d = yw[j] - yj
		p.fcall(t, yw, fw)
		inv := 1 / d
		for i := 0; i < n; i++ {
			J[i*n+j] = (fw[i] - f0[i]) * inv
		}
		yw[j] = yj
	}
}

// timeDerivative writes ∂f/∂t at (t, y) into dT; f0 must hold f(t, y). It
// writes zeros for autonomous systems and differences forward in time
// otherwise (one function evaluation), towards the integration direction.
func (je *jacobianEval) timeDerivative(p *problem, t float64, y, f0, dT []float64) {
	switch {
	case je.autonomous:
		for i := range dT {
			dT[i] = 0
		}
	case je.tder != nil:
		je.tder.DfDt(t, y, dT)
	default:
		d := math.Sqrt(uround * math.Max(1e-5, math.Abs(t)))
		tt := t + p.dir*d
		d = tt - t
		p.fcall(tt, y, dT)
		inv := 1 / d
		for i := range dT {
			dT[i] = (dT[i] - f0[i]) * inv
		}
	}
}
