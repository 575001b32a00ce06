package ode

import (
	"math"

	"github.com/nodekit/nodekit/internal/xmath"
)

// powFn is the pow of the step-size controllers: correctly rounded, so
// step sequences agree with every correctly rounded implementation (Go's
// math.Pow differs in the last bit in about a fifth of the controller's
// calls). Tests swap in other implementations.
var powFn = xmath.Pow

// powPair returns x^a and x^b, sharing one logarithm; with powFn swapped
// by a test it calls powFn twice (the results are the same either way:
// both are correctly rounded).
func powPair(x, a, b float64) (xa, xb float64) {
	if powFnIsDefault {
		l := xmath.LogOf(x)
		return l.Pow(a), l.Pow(b)
	}
	return powFn(x, a), powFn(x, b)
}

// powFnIsDefault is cleared by tests that replace powFn.
var powFnIsDefault = true

// uround is the unit roundoff used by step-size underflow tests (Hairer).
const uround = 2.3e-16

// problem is what a stepper sees of a solve.
type problem struct {
	sys    System
	n      int
	f      func(t float64, y, dy []float64)
	opt    resolved
	stats  *Stats
	t0, t1 float64
	dir    float64 // +1 forward, −1 backward
	hmax   float64 // > 0
	hmin   float64 // ≥ 0
}

// fcall evaluates f and counts it.
func (p *problem) fcall(t float64, y, dy []float64) {
	p.stats.NFE++
	p.f(t, y, dy)
}

// errNorm returns Hairer's scaled RMS norm of the error estimate e with
// weights atol + rtol·max(|y|, |ynew|), over the first normDims components.
func (p *problem) errNorm(e, y, ynew []float64) float64 {
	nd := p.opt.normDims
	atol, rtol := p.opt.atol[:nd], p.opt.rtol
	e, y, ynew = e[:nd], y[:nd], ynew[:nd]
	s := 0.0
	for i := range e {
		sk := atol[i] + rtol*math.Max(math.Abs(y[i]), math.Abs(ynew[i]))
		r := scaledErr(e[i], sk)
		s += r * r
	}
	return math.Sqrt(s / float64(nd))
}

// scaledErr returns e/sk for an error weight sk ≥ 0, with 0/0 = 0: under
// pure relative control (an ATolVec entry of 0) a component that is zero
// at both ends of a step has weight 0, and no error there is no error,
// not NaN; a nonzero (or NaN) error against weight 0 is infinite, so the
// step is rejected.
func scaledErr(e, sk float64) float64 {
	if sk == 0 {
		if e == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return e / sk
}

// stepper is one integration method's state machine. The driver owns time,
// the current state, saving, events and limits; a stepper owns its stages,
// its step-size control and its dense output.
type stepper interface {
	// init prepares a solve of p from (t0, y0). It may evaluate f and
	// returns the signed first step size (p.opt.FirstStep when set).
	init(p *problem, t0 float64, y0 []float64) (h float64, err error)
	// step attempts one step of signed size h from (t, y), writing the
	// candidate solution at t+h into ynew. It reports whether the step was
	// accepted and the signed step size to try next. On acceptance the
	// stepper treats (t+h, ynew) as its new current point and keeps what
	// interp needs for the interval [t, t+h].
	step(t float64, y []float64, h float64, ynew []float64) (accepted bool, hnext float64, err error)
	// interp writes the dense output of the last accepted step at time s
	// (s in that step's interval) into out.
	interp(s float64, out []float64)
}

// denseWriter is implemented by steppers whose dense output can be stored:
// appendDense appends to buf what evalDense needs to reproduce interp on
// the last accepted step, and evalDense evaluates it at s.
type denseWriter interface {
	appendDense(buf []float64) []float64
	evalDense(seg []float64, s float64, out []float64)
}
