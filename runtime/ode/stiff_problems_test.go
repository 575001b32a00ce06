package ode

import "math"

// Stiff test problems from Hairer & Wanner's test set and the IVP test set
// of Mazzia & Magherini (Bari), with their reference solutions.

// robertson is the ROBER chemical kinetics problem (3 species).
type robertson struct{}

func (robertson) Dim() int         { return 3 }
func (robertson) Autonomous() bool { return true }
func (robertson) Func(_ float64, y, dy []float64) {
	dy[0] = -0.04*y[0] + 1e4*y[1]*y[2]
	dy[2] = 3e7 * y[1] * y[1]
	dy[1] = -dy[0] - dy[2]
}
func (robertson) Jac(_ float64, y []float64, J []float64) {
	J[0], J[1], J[2] = -0.04, 1e4*y[2], 1e4*y[1]
	J[6], J[7], J[8] = 0, 6e7*y[1], 0
	J[3], J[4], J[5] = -J[0]-J[6], -J[1]-J[7], -J[2]-J[8]
}

// robertsonRef is y(1e11) from the IVP test set (RADAU5 in quadruple
// precision arithmetic, rtol = atol = 1.1e-18).
var robertsonRef = []float64{0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050}

// hires is the HIRES plant physiology problem (8 components).
type hires struct{}

func (hires) Dim() int         { return 8 }
func (hires) Autonomous() bool { return true }
func (hires) Func(_ float64, y, f []float64) {
	f[0] = -1.71*y[0] + 0.43*y[1] + 8.32*y[2] + 0.0007
	f[1] = 1.71*y[0] - 8.75*y[1]
	f[2] = -10.03*y[2] + 0.43*y[3] + 0.035*y[4]
	f[3] = 8.32*y[1] + 1.71*y[2] - 1.12*y[3]
	f[4] = -1.745*y[4] + 0.43*y[5] + 0.43*y[6]
	f[5] = -280*y[5]*y[7] + 0.69*y[3] + 1.71*y[4] - 0.43*y[5] + 0.69*y[6]
	f[6] = 280*y[5]*y[7] - 1.81*y[6]
	f[7] = -280*y[5]*y[7] + 1.81*y[6]
}
func (hires) Jac(_ float64, y []float64, J []float64) {
	for i := range J {
		J[i] = 0
	}
	set := func(i, j int, v float64) { J[i*8+j] = v }
	set(0, 0, -1.71)
	set(0, 1, 0.43)
	set(0, 2, 8.32)
	set(1, 0, 1.71)
	set(1, 1, -8.75)
	set(2, 2, -10.03)
	set(2, 3, 0.43)
	set(2, 4, 0.035)
	set(3, 1, 8.32)
	set(3, 2, 1.71)
	set(3, 3, -1.12)
	set(4, 4, -1.745)
	set(4, 5, 0.43)
	set(4, 6, 0.43)
	set(5, 3, 0.69)
	set(5, 4, 1.71)
	set(5, 5, -0.43-280*y[7])
	set(5, 6, 0.69)
	set(5, 7, -280*y[5])
	set(6, 5, 280*y[7])
	set(6, 6, -1.81)
	set(6, 7, 280*y[5])
	set(7, 5, -280*y[7])
	set(7, 6, 1.81)
	set(7, 7, -280*y[5])
}

var hiresY0 = []float64{1, 0, 0, 0, 0, 0, 0, 0.0057}

const hiresT1 = 321.8122

// hiresRef is y(321.8122) from the IVP test set (RADAU5 on a Cray C90,
// uround 1.01e-19, rtol = atol = 1.1e-18).
var hiresRef = []float64{
	0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4, 0.1175651343283149e-2,
	0.2386356198831331e-2, 0.6238968252742796e-2, 0.2849998395185769e-2, 0.2850001604814231e-2,
}

// vdpolUnscaled is Van der Pol's equation in the IVP test set's unscaled
// form y1' = y2, y2' = μ(1 − y1²)y2 − y1.
type vdpolUnscaled struct{ mu float64 }

func (vdpolUnscaled) Dim() int         { return 2 }
func (vdpolUnscaled) Autonomous() bool { return true }
func (v vdpolUnscaled) Func(_ float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = v.mu*(1-y[0]*y[0])*y[1] - y[0]
}
func (v vdpolUnscaled) Jac(_ float64, y []float64, J []float64) {
	J[0], J[1] = 0, 1
	J[2], J[3] = -2*v.mu*y[0]*y[1]-1, v.mu*(1-y[0]*y[0])
}

// vdpolRef is y(2000) for μ = 1000 from y0 = (2, 0): the IVP test set's
// VDPOL reference (RADAU in quadruple precision, rtol = atol = 1.1e-18).
var vdpolRef = []float64{0.1706167732170469e1, -0.8928097010248125e-3}

// vdpolScaled is Hairer's scaled form y1' = y2, y2' = ((1 − y1²)y2 − y1)/ε,
// ε = 1/μ², on the time scale t/μ.
type vdpolScaled struct{ eps float64 }

func (vdpolScaled) Dim() int         { return 2 }
func (vdpolScaled) Autonomous() bool { return true }
func (v vdpolScaled) Func(_ float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = ((1-y[0]*y[0])*y[1] - y[0]) / v.eps
}
func (v vdpolScaled) Jac(_ float64, y []float64, J []float64) {
	J[0], J[1] = 0, 1
	J[2], J[3] = (-2*y[0]*y[1]-1)/v.eps, (1-y[0]*y[0])/v.eps
}

// noJac hides a system's exact Jacobian so solvers use differences.
type noJac struct{ s System }

func (w noJac) Dim() int                        { return w.s.Dim() }
func (w noJac) Func(t float64, y, dy []float64) { w.s.Func(t, y, dy) }
func (w noJac) Autonomous() bool {
	a, ok := w.s.(Autonomous)
	return ok && a.Autonomous()
}

// relErr is max_i |a_i − ref_i| / (|ref_i| + floor).
func relErr(a, ref []float64, floor float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-ref[i])/(math.Abs(ref[i])+floor))
	}
	return m
}
